import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalExecutor, RepositoryTestSpec, registerRepositorySpec, runEvaluation } from "@swerl/eval";
import { z } from "zod";
import { evaluationProgress } from "../../evaluation-progress.js";
import type { Stage, StageContext } from "../stage.js";
import { PREDICTIONS_FILE } from "./agentless.js";
import { WORLD_DIR } from "./demo.js";
import { stageOptions } from "./stage-options.js";
import { TASKS_FILE } from "./tasks.js";

const EvalOptions = z.strictObject({
  /** Repository -> test spec JSON file; absent: the demo world's `test-specs.json`. */
  specs: z.string().optional(),
  /** Where repositories are cloned from; absent: the demo world's `repos/`. */
  repos: z.string().optional(),
  harness: z.enum(["v4.0.4", "v5.0.2"]).default("v4.0.4"),
  workers: z.number().int().positive().default(2),
  timeoutSeconds: z.number().positive().default(300),
  /** Also grade the reference patches, as a check that every task is solvable in this harness. */
  goldCheck: z.boolean().default(true),
});

/** The official-shape run report of the predictions, relative to the eval stage's directory. */
export const EVAL_REPORT_FILE = "report.json";

async function registerSpecs(file: string): Promise<void> {
  const specs = z.record(z.string(), RepositoryTestSpec).parse(JSON.parse(await readFile(file, "utf8")));
  for (const [repo, spec] of Object.entries(specs)) registerRepositorySpec(repo, spec);
}

async function grade(
  context: StageContext,
  executor: LocalExecutor,
  options: z.output<typeof EvalOptions>,
  predictions: string,
  runId: string,
) {
  const dataset = join(context.input("tasks"), TASKS_FILE);
  const progress = evaluationProgress((total) => context.progress(runId, total, "instances"));
  try {
    return await runEvaluation({
      dataset,
      predictions,
      runId,
      outDir: context.dir,
      executor,
      workers: options.workers,
      timeoutMs: options.timeoutSeconds * 1000,
      harness: options.harness,
      onProgress: progress.onProgress,
    });
  } finally {
    progress.stop();
  }
}

export const evalStage: Stage = {
  name: "eval",
  description: "grade the predictions with the SWE-bench harness (local executor)",
  after: ["demo", "tasks", "agentless"],
  version: "1",
  async run(context) {
    const options = stageOptions(EvalOptions, context, "eval");
    const world = join(context.input("demo"), WORLD_DIR);
    await registerSpecs(options.specs ?? join(world, "test-specs.json"));
    const executor = new LocalExecutor({
      reposDir: options.repos ?? join(world, "repos"),
      concurrency: options.workers,
    });
    try {
      const gold = options.goldCheck ? await grade(context, executor, options, "gold", "gold") : null;
      const run = await grade(
        context,
        executor,
        options,
        join(context.input("agentless"), PREDICTIONS_FILE),
        "policy",
      );
      await copyFile(run.reportPath, join(context.dir, EVAL_REPORT_FILE));
      const r = run.report;
      return {
        submitted: r.submitted_instances,
        resolved: r.resolved_instances,
        unresolved: r.unresolved_instances,
        emptyPatch: r.empty_patch_instances,
        errors: r.error_instances,
        resolvedRate: r.total_instances ? r.resolved_instances / r.total_instances : 0,
        goldResolved: gold ? `${gold.report.resolved_instances}/${gold.report.submitted_instances}` : null,
      };
    } finally {
      await executor.close();
    }
  },
};
