import { readFile } from "node:fs/promises";
import {
  LocalExecutor,
  RepositoryEnvironment,
  RepositoryTestSpec,
  registerRepositorySpec,
  runEvaluation,
} from "@swerl/eval";
import type { Command } from "commander";
import { z } from "zod";
import { evaluationProgress } from "../evaluation-progress.js";
import { startProgress } from "../progress.js";
import { parseOptions, UsageError } from "../usage-error.js";

const Options = z.object({
  dataset: z.string().min(1),
  predictions: z.string().min(1),
  repos: z.string().min(1),
  runId: z.string().regex(/^[\w.-]+$/, "letters, digits, _ . - only"),
  out: z.string().min(1),
  workers: z.coerce.number().int().positive().default(1),
  timeout: z.coerce.number().positive().default(1800),
  instanceIds: z.array(z.string()).optional(),
  repo: z.string().optional(),
  harness: z.enum(["v4.0.4", "v5.0.2"]).default("v4.0.4"),
  specs: z.string().optional(),
  environments: z.string().optional(),
});

async function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  flag: string,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UsageError(`${flag}: cannot read ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${flag}: ${file}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "run the SWE-bench harness locally: apply predictions, run the tests, grade like the official harness",
    )
    .requiredOption("--dataset <file>", "SWE-bench instances (JSON, JSONL or Parquet)")
    .requiredOption("--predictions <file|gold|empty>", "predictions file, or gold / empty")
    .requiredOption("--repos <dir>", "directory of bare mirrors named owner__name.git")
    .requiredOption("--run-id <id>", "run name; a rerun with the same id skips finished instances")
    .requiredOption("--out <dir>", "where logs and the run report go")
    .option("--workers <n>", "instances evaluated at once", "1")
    .option("--timeout <seconds>", "time limit of each instance's tests", "1800")
    .option("--instance-ids <ids...>", "only these instances")
    .option("--repo <owner/name>", "only this repository's instances")
    .option("--harness <version>", "official harness release to match: v4.0.4 or v5.0.2", "v4.0.4")
    .option(
      "--specs <file>",
      "JSON object: repository -> test spec (testCommand, parser, ...) for repos outside SWE-bench",
    )
    .option("--environments <file>", "JSON object: repository -> { interpreter, path, env }")
    .addHelpText(
      "after",
      `
Examples:
  $ swerl eval --dataset verified.jsonl --predictions gold --repos mirrors --run-id gold --out runs/eval --workers 2
  $ swerl eval --dataset demo.jsonl --predictions preds.jsonl --repos demo/mirrors --specs demo/specs.json --run-id r1 --out runs/demo`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      if (options.specs) {
        const specs = await readJsonFile(options.specs, z.record(z.string(), RepositoryTestSpec), "--specs");
        for (const [repo, spec] of Object.entries(specs)) registerRepositorySpec(repo, spec);
      }
      const environments = options.environments
        ? await readJsonFile(
            options.environments,
            z.record(z.string(), RepositoryEnvironment),
            "--environments",
          )
        : {};
      const executor = new LocalExecutor({
        reposDir: options.repos,
        concurrency: options.workers,
        environments,
      });
      const progress = evaluationProgress((total) =>
        startProgress({ label: "eval", total, unit: "instances" }),
      );
      try {
        const run = await runEvaluation({
          dataset: options.dataset,
          predictions: options.predictions,
          runId: options.runId,
          outDir: options.out,
          executor,
          workers: options.workers,
          instanceIds: options.instanceIds,
          repo: options.repo,
          timeoutMs: options.timeout * 1000,
          harness: options.harness,
          onProgress: progress.onProgress,
        });
        progress.stop();
        const r = run.report;
        process.stdout.write(
          `${r.resolved_instances}/${r.total_instances} resolved, ${r.unresolved_instances} unresolved, ${r.empty_patch_instances} empty, ${r.error_instances} errors\nreport: ${run.reportPath}\n`,
        );
      } finally {
        progress.stop();
        await executor.close();
      }
    });
}
