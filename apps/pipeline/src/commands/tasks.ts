import { readFile } from "node:fs/promises";
import path from "node:path";
import { BuildTasksConfig, buildTasks, RepositoryEnvironment } from "@swerl/eval";
import { type Command, Option } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";

async function readEnvironments(file: string): Promise<Record<string, RepositoryEnvironment>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--environments: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), RepositoryEnvironment).safeParse(json);
  if (!parsed.success) {
    throw new UsageError(
      `--environments: ${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

export function registerTasks(program: Command): void {
  const { command, flags } = configCommand(program, "tasks", BuildTasksConfig, {
    description:
      "build SWE-bench-style tasks from mined PRs that change tests: run the tests before and after the fix to find FAIL_TO_PASS / PASS_TO_PASS (flaky ones drop the task)",
    flags: {
      minedFile: { name: "mined", placeholder: "<file>" },
      reposDir: { name: "repos", placeholder: "<dir>" },
      timeoutSeconds: { name: "timeout", placeholder: "<seconds>" },
    },
    required: ["minedFile"],
    omit: {
      specs: "a JSON file given with --specs <file> (the library also takes the object)",
      outDir: "given with --out <file.jsonl> (its directory)",
      fileName: "given with --out <file.jsonl> (its name)",
      environments: "a JSON file given with --environments <file> (the library takes the object)",
    },
  });
  command
    .addOption(
      new Option(
        "--specs <file>",
        "JSON object: repository -> test spec (testCommand, parser, ...) (required)",
      ),
    )
    .addOption(
      new Option(
        "--out <file>",
        "tasks file (.jsonl); drops go to <name>.dropped.jsonl beside it (required)",
      ),
    )
    .addOption(new Option("--environments <file>", "JSON object: repository -> { interpreter, path, env }"))
    .addHelpText(
      "after",
      `
Examples:
  $ swerl tasks --mined runs/demo/mine/pull-requests.jsonl --repos runs/demo/world/repos \\
      --specs runs/demo/world/test-specs.json --out runs/demo/tasks.jsonl --workers 2`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const missing = ["specs", "out"].filter((name) => typeof raw[name] !== "string");
      if (missing.length > 0) throw new UsageError(missing.map((name) => `--${name}: required`).join("; "));
      const out = raw.out as string;
      if (!out.endsWith(".jsonl")) throw new UsageError(`--out: expected a .jsonl file, got "${out}"`);
      const config = flags.read(raw, {
        specs: raw.specs as string,
        outDir: path.dirname(out),
        fileName: path.basename(out),
        ...(typeof raw.environments === "string"
          ? { environments: await readEnvironments(raw.environments) }
          : {}),
      });
      let progress: Progress | undefined;
      try {
        const built = await buildTasks(config, {
          onProgress: (p) => {
            progress ??= startProgress({ label: "tasks", total: p.total, unit: "pull requests" });
            progress.tick(1, { built: p.built, dropped: p.dropped });
          },
        });
        progress?.stop();
        progress = undefined;
        process.stdout.write(
          `${built.tasks.length} tasks in ${built.file}, ${built.dropped.length} dropped (reasons in ${built.droppedFile})\n`,
        );
      } finally {
        progress?.stop();
      }
    });
}
