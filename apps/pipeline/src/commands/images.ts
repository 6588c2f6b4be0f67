import { buildImages, ImageBuildConfig, ImageBuildError } from "@swerl/eval";
import type { Command } from "commander";
import { configCommand } from "../cli/config-options.js";
import { UsageError } from "../usage-error.js";

export function registerImages(program: Command): void {
  const images = program
    .command("images")
    .description("Docker images for `swerl eval --executor docker`: base, environment, instance levels");
  const { command: build, flags } = configCommand(images, "build", ImageBuildConfig, {
    description:
      "build the images of a dataset without a registry (debootstrap base, per-repository Debian packages, /testbed from --repos), skipping unchanged levels",
    flags: {
      datasetName: { name: "dataset_name", aliases: ["dataset"], placeholder: "<file>" },
      instanceIds: { name: "instance_ids", placeholder: "<ids...>" },
      repos: { placeholder: "<dir>" },
      debianMirror: { placeholder: "<url>" },
      basePackages: { placeholder: "<packages...>" },
    },
    omit: {
      environmentPackages:
        "per-repository Debian package lists are data (ENVIRONMENT_PACKAGES); the library takes overrides",
    },
  });
  build
    .addHelpText(
      "after",
      `
Needs a Docker engine (DOCKER_HOST, unix or tcp) and, for the base level, root and debootstrap.
Images are named by a hash of what went into them: swerl/base:<hash>, swerl/env.<owner>__<name>:<hash>,
swerl/eval.<instance_id>:<hash>.

Examples:
  $ swerl images build --dataset_name runs/demo/world/bench.jsonl --repos runs/demo/world/repos
  $ swerl images build --dataset_name verified.jsonl --source pull   # the dataset's official images (registry)`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const config = flags.read(raw);
      const built = await buildImages(config, {
        onProgress: (p) =>
          process.stderr.write(
            `${p.level.padEnd(11)} ${p.image} ${p.cached ? "cached" : `built in ${p.seconds.toFixed(1)} s`}\n`,
          ),
      }).catch((error: unknown) => {
        if (
          error instanceof ImageBuildError &&
          /needs --repos|not in|no such|has no `image`/.test(error.message)
        )
          throw new UsageError(error.message);
        throw error;
      });
      const cached = built.steps.filter((s) => s.cached).length;
      process.stdout.write(
        `${built.steps.length} images (${built.steps.length - cached} built, ${cached} cached); ${built.images.size} instances ready\n`,
      );
    });
}
