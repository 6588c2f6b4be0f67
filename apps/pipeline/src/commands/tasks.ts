import path from "node:path";
import { buildTasks } from "@swerl/data";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions } from "../usage-error.js";

const Options = z.object({
  mined: z.string().min(1),
  repos: z.string().min(1),
  specs: z.string().min(1),
  out: z.string().regex(/\.jsonl$/, "expected a .jsonl file"),
  workers: z.coerce.number().int().positive().default(1),
  timeout: z.coerce.number().positive().default(300),
});

export function registerTasks(program: Command): void {
  program
    .command("tasks")
    .description(
      "build SWE-bench-style tasks from mined PRs that change tests: run the tests before and after the fix to find FAIL_TO_PASS / PASS_TO_PASS",
    )
    .requiredOption("--mined <file>", "mined pull requests (MinedPullRequest JSONL or Parquet)")
    .requiredOption("--repos <dir>", "directory of bare mirrors named owner__name.git")
    .requiredOption("--specs <file>", "JSON object: repository -> test spec (testCommand, parser, ...)")
    .requiredOption("--out <file>", "tasks file (.jsonl); drops go to <name>.dropped.jsonl beside it")
    .option("--workers <n>", "pull requests processed at once", "1")
    .option("--timeout <seconds>", "time limit of each test run", "300")
    .addHelpText(
      "after",
      `
Examples:
  $ swerl tasks --mined runs/demo/mine/pull-requests.jsonl --repos runs/demo/world/repos \\
      --specs runs/demo/world/test-specs.json --out runs/demo/tasks.jsonl --workers 2`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      let progress: Progress | undefined;
      try {
        const built = await buildTasks({
          minedFile: options.mined,
          reposDir: options.repos,
          specs: options.specs,
          outDir: path.dirname(options.out),
          fileName: path.basename(options.out),
          workers: options.workers,
          timeoutMs: options.timeout * 1000,
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
