import path from "node:path";
import { BuildTasksConfig, buildTasks } from "@swerl/eval";
import { type Command, Option } from "commander";
import { configCommand } from "../cli/config-options.js";
import { readEnvironmentsFile } from "../cli/read-environments.js";
import { type Progress, startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";

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
          ? { environments: await readEnvironmentsFile(raw.environments) }
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
