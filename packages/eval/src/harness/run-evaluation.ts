import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type EvaluationReport,
  Prediction,
  readAllRecords,
  SweBenchInstance,
  SwerlError,
} from "@swerl/schema";
import type { Executor } from "../executors/executor.js";
import { ConcurrencyLimiter } from "../executors/limiter.js";
import type { HarnessVersion } from "../parsers/test-status.js";
import { evaluateInstance, type InstanceOutcome } from "./evaluate-instance.js";
import { buildRunReport } from "./run-report.js";

export class EvaluationInputError extends SwerlError {
  constructor(message: string) {
    super("E_EVALUATION_INPUT", message);
  }
}

export interface EvaluationProgress {
  done: number;
  total: number;
  resolved: number;
  unresolved: number;
  emptyPatch: number;
  error: number;
  last: InstanceOutcome;
}

export interface RunEvaluationOptions {
  /** SWE-bench instances: a JSON, JSONL or Parquet file. */
  dataset: string;
  /** A predictions file (JSON array/object or JSONL), or `gold` (the reference patches) or `empty`. */
  predictions: string;
  runId: string;
  /** Logs go to `<outDir>/<runId>/<model>/<instance>/`, the run report to `<outDir>/<model>.<runId>.json`. */
  outDir: string;
  executor: Executor;
  workers?: number;
  instanceIds?: readonly string[];
  repo?: string;
  timeoutMs?: number;
  harness?: HarnessVersion;
  onProgress?: (progress: EvaluationProgress) => void;
}

export interface EvaluationRun {
  report: EvaluationReport;
  reportPath: string;
  outcomes: InstanceOutcome[];
}

async function loadPredictions(
  source: string,
  instances: SweBenchInstance[],
): Promise<Map<string, Prediction>> {
  if (source === "gold" || source === "empty") {
    return new Map(
      instances.map((instance) => [
        instance.instance_id,
        {
          instance_id: instance.instance_id,
          model_name_or_path: source,
          model_patch: source === "gold" ? instance.patch : "",
        },
      ]),
    );
  }
  if (!existsSync(source)) {
    throw new EvaluationInputError(`predictions file ${source} does not exist (or pass "gold" or "empty")`);
  }
  const predictions = await readAllRecords(source, Prediction);
  return new Map(predictions.map((prediction) => [prediction.instance_id, prediction]));
}

/**
 * Evaluates predictions on a dataset with a worker pool; instances whose report.json already exists in
 * this run's directory are not run again. Writes the run report in the official shape.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationRun> {
  if (!/^[\w.-]+$/.test(options.runId)) {
    throw new EvaluationInputError(
      `run id ${JSON.stringify(options.runId)} may only hold letters, digits, _ . -`,
    );
  }
  const allInstances = await readAllRecords(options.dataset, SweBenchInstance);
  // like the official harness, gold/empty predictions cover the whole dataset file, selection comes after
  const predictions = await loadPredictions(options.predictions, allInstances);
  let instances = allInstances;
  if (options.repo) instances = instances.filter((instance) => instance.repo === options.repo);
  if (options.instanceIds && options.instanceIds.length > 0) {
    const known = new Set(instances.map((instance) => instance.instance_id));
    const unknown = options.instanceIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new EvaluationInputError(
        `instance ids not in ${options.dataset}${options.repo ? ` for ${options.repo}` : ""}: ${unknown.join(", ")}`,
      );
    }
    const wanted = new Set(options.instanceIds);
    instances = instances.filter((instance) => wanted.has(instance.instance_id));
  }
  const models = new Set([...predictions.values()].map((p) => p.model_name_or_path));
  const model = (models.size === 1 ? [...models][0] : "mixed") as string;
  const modelDir = path.join(options.outDir, options.runId, model.replaceAll("/", "__"));
  await mkdir(modelDir, { recursive: true });

  const toRun = instances.filter((instance) => predictions.has(instance.instance_id));
  const counts = { resolved: 0, unresolved: 0, emptyPatch: 0, error: 0 };
  const outcomes: InstanceOutcome[] = [];
  const limiter = new ConcurrencyLimiter(options.workers ?? 1);
  await Promise.all(
    toRun.map((instance) =>
      limiter.run(async () => {
        const instanceDir = path.join(modelDir, instance.instance_id);
        const reportFile = path.join(instanceDir, "report.json");
        const prediction = predictions.get(instance.instance_id) as Prediction;
        let outcome: InstanceOutcome;
        if (existsSync(reportFile)) {
          const report = JSON.parse(await readFile(reportFile, "utf8"))[instance.instance_id];
          const status = !report.patch_exists ? "empty_patch" : report.resolved ? "resolved" : "unresolved";
          outcome = { instanceId: instance.instance_id, status, report, testMs: 0, overheadMs: 0 };
        } else {
          outcome = await evaluateInstance(instance, prediction, {
            executor: options.executor,
            instanceDir,
            timeoutMs: options.timeoutMs ?? 1_800_000,
            harness: options.harness,
          });
        }
        outcomes.push(outcome);
        if (outcome.status === "empty_patch") counts.emptyPatch += 1;
        else counts[outcome.status] += 1;
        options.onProgress?.({ done: outcomes.length, total: toRun.length, ...counts, last: outcome });
      }),
    ),
  );

  const report = buildRunReport({
    selectedIds: instances.map((instance) => instance.instance_id),
    predictions,
    resolved: new Map(
      outcomes.flatMap((o) =>
        o.status === "resolved" || o.status === "unresolved" ? [[o.instanceId, o.status === "resolved"]] : [],
      ),
    ),
  });
  const reportPath = path.join(options.outDir, `${model.replaceAll("/", "__")}.${options.runId}.json`);
  await writeFile(reportPath, `${JSON.stringify(report, null, 4)}\n`);
  return { report, reportPath, outcomes };
}
