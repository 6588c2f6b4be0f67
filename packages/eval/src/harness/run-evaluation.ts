import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  ConcurrencyLimiter,
  type EvaluationReport,
  type Prediction,
  parseConfig,
  type SweBenchInstance,
} from "@swerl/schema";
import type { z } from "zod";
import { DockerClient } from "../executors/docker-api.js";
import { DockerExecutor } from "../executors/docker-executor.js";
import type { Executor } from "../executors/executor.js";
import { LocalExecutor } from "../executors/local-executor.js";
import { evaluationImage, ImageBuildConfig } from "../images/image-plan.js";
import type { RepositoryTestSpec } from "../specs/test-spec.js";
import {
  evaluateInstance,
  type InstanceOutcome,
  type InstanceReportEntry,
  patchHash,
} from "./evaluate-instance.js";
import { EvaluationConfig } from "./evaluation-config.js";
import {
  loadEnvironments,
  loadPredictions,
  resolveDatasetFile,
  resolveSpecs,
  selectInstances,
} from "./evaluation-inputs.js";
import { type FlakyInstance, findFlaky } from "./flakiness.js";
import {
  EvaluationInputError,
  modelDirectoryName,
  readStoredReport,
  writeFileAtomic,
} from "./output-files.js";
import { buildRunReport } from "./run-report.js";

export { EvaluationInputError } from "./output-files.js";

export interface EvaluationProgress {
  done: number;
  total: number;
  resolved: number;
  unresolved: number;
  emptyPatch: number;
  error: number;
  last: InstanceOutcome;
}

/** Runtime objects of an evaluation (not options): where tests run, callbacks. */
export interface EvaluationRuntime {
  /** Where tests run; by default one made from the config (`executor`, `repos`, ...), closed at the end. */
  executor?: Executor;
  /** The image an instance runs in (docker executor made here); default: `swerl images build`'s names. */
  image?: (instance: SweBenchInstance) => string;
  onProgress?: (progress: EvaluationProgress) => void;
  /** Torn reports, changed patches and other things re-evaluated instead of reused. */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** The result of one model's predictions. */
export interface ModelRun {
  model: string;
  report: EvaluationReport;
  reportPath: string;
  /** The first attempt of each instance evaluated (or reused). */
  outcomes: InstanceOutcome[];
  /** With `repeat` > 1: instances whose verdict or test outcomes varied; also in `<model>.<run_id>.flaky.json`. */
  flaky: FlakyInstance[];
}

/** The first model's run at the top level (the usual case: one model), every model's in `runs`. */
export interface EvaluationRun extends ModelRun {
  runs: ModelRun[];
}

function statusOf(entry: InstanceReportEntry): InstanceOutcome["status"] {
  if (!entry.patch_exists) return "empty_patch";
  return entry.resolved ? "resolved" : "unresolved";
}

/** A finished attempt on disk, reused when its report is whole and its patch is the current one. */
async function reuse(
  dir: string,
  instanceId: string,
  prediction: Prediction,
  warn: (message: string) => void,
): Promise<InstanceOutcome | undefined> {
  const stored = await readStoredReport(path.join(dir, "report.json"), instanceId);
  if (!stored.ok) {
    if (stored.problem) warn(`${stored.problem}; re-evaluating ${instanceId}`);
    return undefined;
  }
  const entry = stored.entry as InstanceReportEntry;
  if (entry.infra_failure) return undefined;
  const previous = await readFile(path.join(dir, "patch.diff"), "utf8").catch(() => undefined);
  const current = prediction.model_patch ?? "";
  if (previous !== current) {
    warn(
      `the patch of ${instanceId} changed since ${dir} was evaluated (sha256 ${patchHash(current).slice(0, 12)}); re-evaluating`,
    );
    return undefined;
  }
  return {
    instanceId,
    status: statusOf(entry),
    report: entry,
    patchSha256: patchHash(current),
    testMs: 0,
    overheadMs: 0,
  };
}

async function createExecutor(
  config: EvaluationConfig,
  instances: readonly SweBenchInstance[],
  datasetFile: string,
  runtime: EvaluationRuntime,
): Promise<Executor> {
  const environments = await loadEnvironments(config.environments);
  if (config.executor === "local") {
    const repos = config.repos ?? path.join(path.dirname(datasetFile), "repos");
    if (!existsSync(repos)) {
      throw new EvaluationInputError(
        `--repos ${repos}: no such directory (the local executor checks out bare mirrors named owner__name.git from it)`,
      );
    }
    return new LocalExecutor({ reposDir: repos, concurrency: config.workers, environments });
  }
  const imageConfig = parseConfig(
    ImageBuildConfig,
    { datasetName: datasetFile, source: config.imageSource },
    "images",
  );
  const imageOf = new Map(
    instances.map((instance) => [
      instance.instance_id,
      runtime.image ? runtime.image(instance) : evaluationImage(instance, imageConfig),
    ]),
  );
  const client = new DockerClient();
  const missing: string[] = [];
  for (const [id, image] of imageOf) if (!(await client.hasImage(image))) missing.push(`${id} (${image})`);
  if (missing.length > 0) {
    client.close();
    throw new EvaluationInputError(
      `no Docker image for ${missing.length} instance(s): ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""}; build them with: swerl images build --dataset_name ${datasetFile} --repos DIR${config.imageSource === "pull" ? " --source pull" : ""}`,
    );
  }
  return new DockerExecutor({
    client,
    image: (request) => imageOf.get(request.label ?? "") ?? "",
    concurrency: config.workers,
    memoryMb: config.memoryMb,
    cpus: config.cpus,
    network: config.network,
    environments,
  });
}

/**
 * Evaluates predictions on a dataset the way the official harness does, with a worker pool. Logs go to
 * `<logDir>/<runId>/<model>/<instance>/`, the run report to `<reportDir>/<model>.<runId>.json`, each
 * model of the predictions on its own. A rerun with the same run id reuses an instance's report.json
 * when it is whole and its patch.diff is the current patch; a torn report, a changed patch, an error or
 * an infrastructure failure is evaluated again. With `repeat` N, each prediction is evaluated N times
 * (attempts 2.. in `<instance>/repeat-<k>/`) and the instances whose verdict or test outcomes vary are
 * reported.
 */
export async function runEvaluation(
  input: z.input<typeof EvaluationConfig>,
  runtime: EvaluationRuntime = {},
): Promise<EvaluationRun> {
  const config = parseConfig(EvaluationConfig, input, "runEvaluation");
  const datasetFile = await resolveDatasetFile(config);
  const { all, selected } = await selectInstances(datasetFile, config);
  const byModel = await loadPredictions(config.predictionsPath, all, datasetFile);
  const predicted = new Set([...byModel.values()].flatMap((group) => [...group.keys()]));
  const toRun = selected.filter((instance) => predicted.has(instance.instance_id));
  const specs = await resolveSpecs(toRun, datasetFile, config.specs);
  const executor = runtime.executor ?? (await createExecutor(config, toRun, datasetFile, runtime));
  const warn = runtime.onWarning ?? (() => undefined);
  // Ctrl-C (an aborted signal): the executor made here goes at once, with its containers or worktrees
  const onAbort = () => void executor.close().catch(() => undefined);
  if (!runtime.executor) runtime.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const counts = { resolved: 0, unresolved: 0, emptyPatch: 0, error: 0 };
    let done = 0;
    const total = [...byModel.values()].reduce(
      (sum, group) => sum + toRun.filter((instance) => group.has(instance.instance_id)).length,
      0,
    );
    const runs: ModelRun[] = [];
    const limiter = new ConcurrencyLimiter(config.workers);
    for (const [model, modelPredictions] of byModel) {
      const modelDir = path.join(config.logDir, config.runId, modelDirectoryName(model));
      await mkdir(modelDir, { recursive: true });
      const instances = toRun.filter((instance) => modelPredictions.has(instance.instance_id));
      const attempts = new Map<string, InstanceOutcome[]>();
      await Promise.all(
        instances.map((instance) =>
          limiter.run(async () => {
            runtime.signal?.throwIfAborted();
            const id = instance.instance_id;
            const prediction = modelPredictions.get(id) as Prediction;
            const outcomes: InstanceOutcome[] = [];
            for (let attempt = 1; attempt <= config.repeat; attempt += 1) {
              runtime.signal?.throwIfAborted();
              const instanceDir = path.join(modelDir, id, ...(attempt > 1 ? [`repeat-${attempt}`] : []));
              const outcome =
                (await reuse(instanceDir, id, prediction, warn)) ??
                (await evaluateInstance(instance, prediction, {
                  executor,
                  instanceDir,
                  timeoutMs: config.timeoutSeconds * 1000,
                  harness: config.harness,
                  spec: specs.get(instance.repo) as RepositoryTestSpec,
                }));
              outcomes.push(outcome);
              if (outcome.status === "empty_patch") break; // nothing runs: nothing can vary
            }
            attempts.set(id, outcomes);
            const first = outcomes[0] as InstanceOutcome;
            if (first.status === "empty_patch") counts.emptyPatch += 1;
            else counts[first.status] += 1;
            done += 1;
            runtime.onProgress?.({ done, total, ...counts, last: first });
          }),
        ),
      );
      const outcomes = instances.map(
        (instance) => (attempts.get(instance.instance_id) as InstanceOutcome[])[0] as InstanceOutcome,
      );
      const v5 = config.harness === "v5.0.2";
      const graded = outcomes.filter(
        (o) => (o.status === "resolved" || o.status === "unresolved") && !o.report?.infra_failure,
      );
      const report = buildRunReport({
        selectedIds: selected.map((instance) => instance.instance_id),
        predictions: modelPredictions,
        resolved: new Map(graded.map((o) => [o.instanceId, o.status === "resolved"])),
        ...(v5
          ? {
              v5: {
                infraFailureIds: outcomes
                  .filter((o) => o.failureReason === "infra_error")
                  .map((o) => o.instanceId),
                ambiguousFailureIds: outcomes
                  .filter((o) => o.failureReason === "no_tests_collected" && o.status === "unresolved")
                  .map((o) => o.instanceId),
                failureReasons: Object.fromEntries(
                  outcomes.flatMap((o) => (o.failureReason ? [[o.instanceId, o.failureReason]] : [])),
                ),
              },
            }
          : {}),
      });
      await mkdir(config.reportDir, { recursive: true });
      const stem = `${modelDirectoryName(model)}.${config.runId}`;
      const reportPath = path.join(config.reportDir, `${stem}.json`);
      await writeFileAtomic(reportPath, `${JSON.stringify(report, null, 4)}\n`);
      const flaky = config.repeat > 1 ? findFlaky(attempts) : [];
      if (config.repeat > 1) {
        await writeFileAtomic(
          path.join(config.reportDir, `${stem}.flaky.json`),
          `${JSON.stringify({ repeat: config.repeat, flaky }, null, 2)}\n`,
        );
      }
      if (v5) {
        await writeFileAtomic(
          path.join(config.logDir, config.runId, "run.json"),
          `${JSON.stringify(
            {
              run_id: config.runId,
              harness: config.harness,
              dataset_name: config.datasetName,
              split: config.split,
              predictions_path: config.predictionsPath,
              executor: config.executor,
              max_workers: config.workers,
              timeout: config.timeoutSeconds,
              repeat: config.repeat,
              models: [...byModel.keys()],
              finished_at: new Date().toISOString(),
            },
            null,
            2,
          )}\n`,
        );
      }
      runs.push({ model, report, reportPath, outcomes, flaky });
    }
    if (runs.length === 0) {
      throw new EvaluationInputError(`--predictions_path ${config.predictionsPath}: no predictions`);
    }
    return { ...(runs[0] as ModelRun), runs };
  } finally {
    runtime.signal?.removeEventListener("abort", onAbort);
    if (!runtime.executor) await executor.close();
  }
}
