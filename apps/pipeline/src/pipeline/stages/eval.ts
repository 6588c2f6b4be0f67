import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImages, EvaluationConfig, runEvaluation } from "@swerl/eval";
import { z } from "zod";
import { evaluationProgress } from "../../evaluation-progress.js";
import type { Stage, StageContext } from "../stage.js";
import { PREDICTIONS_FILE } from "./agentless.js";
import { demoWorld } from "./demo.js";
import { stageOptions } from "./stage-options.js";
import { TASKS_FILE } from "./tasks.js";

/** The eval stage's options: EvaluationConfig's, the demo world's specs and mirrors when absent. */
const EvalOptions = EvaluationConfig.pick({
  harness: true,
  workers: true,
  timeoutSeconds: true,
  repeat: true,
  specs: true,
  repos: true,
  executor: true,
  memoryMb: true,
  cpus: true,
  network: true,
})
  .extend({
    /** Also grade the reference patches, as a check that every task is solvable in this harness. */
    goldCheck: z.boolean().default(true).describe("also grade the reference patches (every task solvable?)"),
  })
  .strict();

/** The official-shape run report of the predictions, relative to the eval stage's directory. */
export const EVAL_REPORT_FILE = "report.json";

async function grade(
  context: StageContext,
  options: z.output<typeof EvalOptions>,
  predictions: string,
  runId: string,
) {
  const world = demoWorld(context);
  const dataset = join(context.input("tasks"), TASKS_FILE);
  const progress = evaluationProgress((total) => context.progress(runId, total, "instances"));
  const { goldCheck: _goldCheck, ...config } = options;
  try {
    return await runEvaluation(
      {
        ...config,
        datasetName: dataset,
        predictionsPath: predictions,
        runId,
        logDir: context.dir,
        reportDir: context.dir,
        specs: options.specs ?? world.specs,
        repos: options.repos ?? world.repos,
      },
      { onProgress: progress.onProgress, signal: context.signal },
    );
  } finally {
    progress.stop();
  }
}

export const evalStage: Stage = {
  name: "eval",
  description: "grade the predictions with the SWE-bench harness (local executor, or Docker)",
  after: ["demo", "tasks", "agentless"],
  version: "2",
  options: EvalOptions,
  configFrom: [EvaluationConfig],
  async run(context) {
    const options = stageOptions(EvalOptions, context, "eval");
    if (options.executor === "docker") {
      const world = demoWorld(context);
      await buildImages({
        datasetName: join(context.input("tasks"), TASKS_FILE),
        repos: options.repos ?? world.repos,
      });
    }
    const gold = options.goldCheck ? await grade(context, options, "gold", "gold") : null;
    const run = await grade(context, options, join(context.input("agentless"), PREDICTIONS_FILE), "policy");
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
  },
};
