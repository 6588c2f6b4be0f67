import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { LocalExecutor, mirrorDirectoryName } from "@swerl/eval";
import { plainChatPrompt } from "@swerl/rollout";
import {
  DatasetError,
  Prediction,
  parseConfig,
  readAllRecords,
  resolveDataset,
  SweBenchInstance,
  writeRecords,
} from "@swerl/schema";
import type { z } from "zod";
import { AgentlessConfig, type AgentlessConfigInput, shardOf } from "./config.js";
import {
  type AgentlessRuntime,
  type InstanceContext,
  instanceContext,
  type ResolvedConfig,
  throwIfAborted,
} from "./context.js";
import { type AgentlessCounts, countCandidates } from "./counts.js";
import { AgentlessInputError } from "./errors.js";
import { type LocalizationRates, localizationRates } from "./localization.js";
import { readLocFile, readPatchFolder } from "./official/read-official.js";
import { writeOfficialFiles } from "./official/write-official.js";
import {
  AGENTLESS_STAGES,
  type AgentlessStage,
  readStage,
  stageFile,
  traceFile,
  writeJsonAtomic,
} from "./persistence.js";
import { agentlessPromptBudget } from "./prompt-budget.js";
import {
  type InstanceStages,
  type InstanceTrace,
  LocalizeRecord,
  RegressionRecord,
  RepairRecord,
  ReproduceRecord,
} from "./records.js";
import { readSpecsFile, specLookup } from "./specs.js";
import { localize } from "./stages/localize.js";
import { regression } from "./stages/regression.js";
import { repair } from "./stages/repair.js";
import { reproduce } from "./stages/reproduce.js";
import { rerank } from "./stages/rerank.js";

/** The summary a run returns and writes to `summary.json`. */
export interface AgentlessRun {
  /** `all_preds.jsonl` in the official predictions format. */
  predictionsPath: string;
  localization: LocalizationRates;
  counts: AgentlessCounts;
  stages: InstanceStages[];
  /** Instances whose every stage was read back from disk. */
  resumed: number;
  /** Per stage: instances computed, read back, or with nothing to do. */
  stageStatus: Record<AgentlessStage, { ran: number; resumed: number; skipped: number }>;
}

async function loadInstances(config: AgentlessConfig): Promise<SweBenchInstance[]> {
  let instances: SweBenchInstance[] = [];
  if (existsSync(config.dataset)) instances = await readAllRecords(config.dataset, SweBenchInstance);
  else {
    // A Hugging Face dataset name (`princeton-nlp/SWE-bench_Verified`), as the official tools take it.
    let files: string[];
    try {
      files = await resolveDataset(config.dataset, { split: config.split });
    } catch (error) {
      if (error instanceof DatasetError && error.code === "E_DATASET_NOT_FOUND")
        throw new AgentlessInputError(
          `dataset ${config.dataset}: no such file, and not a Hub dataset name (owner/name)`,
        );
      throw error;
    }
    for (const file of files) instances.push(...(await readAllRecords(file, SweBenchInstance)));
  }
  if (config.instanceIds?.length) {
    const known = new Set(instances.map((i) => i.instance_id));
    const unknown = config.instanceIds.filter((id) => !known.has(id));
    if (unknown.length)
      throw new AgentlessInputError(`instanceIds: not in ${config.dataset}: ${unknown.join(", ")}`);
    const wanted = new Set(config.instanceIds);
    instances = instances.filter((i) => wanted.has(i.instance_id));
  }
  if (config.shard >= config.numShards)
    throw new AgentlessInputError(`shard: ${config.shard} is not below numShards (${config.numShards})`);
  instances = shardOf(instances, config.shard, config.numShards);
  for (const instance of instances) {
    const mirror = path.join(config.reposDir, mirrorDirectoryName(instance.repo));
    if (!existsSync(mirror))
      throw new AgentlessInputError(
        `${instance.instance_id}: no mirror of ${instance.repo} at ${mirror} (expected a bare git repository)`,
      );
  }
  return instances;
}

/**
 * What a stage file must have been computed with to be reused: the options of that stage and of the
 * stages before it (runtime functions are named by their presence).
 */
function stageConfigs(config: ResolvedConfig, policyModel: string, runtime: AgentlessRuntime) {
  const shared = {
    model: policyModel,
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    seed: config.seed,
    maxPromptTokens: config.maxPromptTokens,
    countTokens: runtime.countTokens ? "custom" : "chars",
    chatTemplate: runtime.chatTemplate ? "custom" : "plain",
  };
  const localizeKeys = {
    ...shared,
    localization: config.localization,
    locFile: config.locFile ?? null,
    localizationSamples: config.localizationSamples,
    maxFiles: config.maxFiles,
  };
  const repairKeys = {
    ...localizeKeys,
    samples: config.numSamples,
    parse: config.parse,
    patchFolder: config.patchFolder ?? null,
  };
  const reproduceKeys = {
    ...repairKeys,
    tests: config.numTests,
    selection: config.selection,
    reproductionTimeoutSeconds: config.reproductionTimeoutSeconds,
  };
  const regressionKeys = {
    ...reproduceKeys,
    regression: config.regression,
    suiteTimeoutSeconds: config.suiteTimeoutSeconds,
  };
  return {
    localize: JSON.stringify(localizeKeys),
    repair: JSON.stringify(repairKeys),
    reproduce: JSON.stringify(reproduceKeys),
    regression: JSON.stringify(regressionKeys),
    rerank: JSON.stringify(regressionKeys),
  } satisfies Record<AgentlessStage, string>;
}

/**
 * Agentless Mini over a SWE-bench dataset with one policy for every step, stage by stage over all
 * instances: localize files from the repository tree (several reformatted/shuffled views, votes merged),
 * sample K repairs with the training repair prompt and turn them into git-style patches, generate
 * reproduction tests and keep the reproducing, most agreed-upon one, run the regression suite on the
 * original code then on every distinct candidate (with the selected reproduction test), rerank, and write
 * `all_preds.jsonl` (official predictions format), `localization.json`, `stages.json`, `summary.json` and
 * one trace per instance into `outDir`. Each stage of each instance is kept in `instances/<id>/<stage>.json`;
 * a rerun with the same configuration reads them back instead of recomputing (a changed configuration
 * recomputes from the first stage it affects).
 */
export async function runAgentless(
  input: AgentlessConfigInput,
  runtime: AgentlessRuntime,
): Promise<AgentlessRun> {
  const parsed = parseConfig(AgentlessConfig, input, "runAgentless");
  const config: ResolvedConfig = {
    ...parsed,
    numTests: parsed.numTests ?? parsed.numSamples,
    localizationSamples: parsed.localizationSamples ?? Math.min(parsed.numSamples, 4),
    maxPromptTokens: agentlessPromptBudget({ ...parsed, ...runtime }),
  };
  const specs = { ...(config.specsFile ? await readSpecsFile(config.specsFile) : {}), ...config.specs };
  const specFor = specLookup(specs);
  const instances = await loadInstances(config);
  const configs = stageConfigs(config, runtime.policy.model, runtime);
  await mkdir(config.outDir, { recursive: true });
  const shared = {
    config,
    configs,
    samplingKey: JSON.stringify({
      model: runtime.policy.model,
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      seed: config.seed,
    }),
    policy: runtime.policy,
    render: runtime.chatTemplate
      ? (messages: Parameters<typeof plainChatPrompt>[0]) =>
          runtime.chatTemplate!.render(messages, { addGenerationPrompt: true })
      : plainChatPrompt,
    countTokens: runtime.countTokens,
    signal: runtime.signal,
  };
  const locFile = config.locFile ? await readLocFile(config.locFile) : undefined;
  const patchFolder = config.patchFolder ? await readPatchFolder(config.patchFolder) : undefined;
  const contexts = instances.map((i) =>
    instanceContext(i, shared, {
      spec: specFor(i.repo),
      // an instance a localization file leaves out has no files (as the official repair skips it)
      ...(locFile ? { officialLocalization: locFile.get(i.instance_id) ?? [] } : {}),
      ...(patchFolder?.has(i.instance_id) ? { officialRepair: patchFolder.get(i.instance_id)! } : {}),
    }),
  );
  const total = contexts.length;
  const stageStatus = Object.fromEntries(
    AGENTLESS_STAGES.map((s) => [s, { ran: 0, resumed: 0, skipped: 0 }]),
  ) as AgentlessRun["stageStatus"];
  /** Instances with a stage recomputed this run: their later stages are recomputed too. */
  const recomputed = new Set<string>();
  const report = (
    stage: AgentlessStage,
    done: number,
    ctx: InstanceContext,
    status: "ran" | "resumed" | "skipped",
  ) => {
    stageStatus[stage][status] += 1;
    runtime.onProgress?.({
      stage,
      phase: "instance",
      done,
      total,
      instanceId: ctx.id,
      status,
      counts: { ...stageStatus[stage] },
    });
  };

  async function stage<T extends { config: string }>(
    name: AgentlessStage,
    schema: z.ZodType<T>,
    compute: (ctx: InstanceContext, index: number) => Promise<T>,
    isSkip: (value: T) => boolean,
  ): Promise<T[]> {
    runtime.onProgress?.({ stage: name, phase: "start", done: 0, total });
    const out: T[] = [];
    for (const [index, ctx] of contexts.entries()) {
      throwIfAborted(runtime.signal);
      const file = stageFile(config.outDir, ctx.id, name);
      let value = recomputed.has(ctx.id) ? null : await readStage(file, schema, configs[name]);
      let status: "ran" | "resumed" | "skipped" = "resumed";
      if (!value) {
        recomputed.add(ctx.id);
        value = await compute(ctx, index);
        await writeJsonAtomic(file, value);
        status = isSkip(value) ? "skipped" : "ran";
      }
      out.push(value);
      report(name, index + 1, ctx, status);
    }
    runtime.onProgress?.({ stage: name, phase: "end", done: total, total, counts: { ...stageStatus[name] } });
    return out;
  }

  const executor =
    runtime.executor ?? new LocalExecutor({ reposDir: config.reposDir, environments: config.environments });
  const traces: InstanceTrace[] = [];
  let localized: LocalizeRecord[] = [];
  let repaired: RepairRecord[] = [];
  let reproduced: ReproduceRecord[] = [];
  let regressed: RegressionRecord[] = [];
  try {
    localized = await stage(
      "localize",
      LocalizeRecord,
      (ctx) => localize(ctx),
      () => false,
    );
    repaired = await stage(
      "repair",
      RepairRecord,
      (ctx, i) => repair(ctx, localized[i]!),
      (v) => v.candidates.length === 0 && v.promptTokens === null,
    );
    reproduced = await stage(
      "reproduce",
      ReproduceRecord,
      (ctx, i) => reproduce(ctx, repaired[i]!, executor),
      (v) => !v.ran,
    );
    regressed = await stage(
      "regression",
      RegressionRecord,
      (ctx, i) => regression(ctx, repaired[i]!, reproduced[i]!, executor),
      (v) => !v.ran,
    );
    runtime.onProgress?.({ stage: "rerank", phase: "start", done: 0, total });
    for (const [i, ctx] of contexts.entries()) {
      const file = traceFile(config.outDir, ctx.id);
      const resumed = !recomputed.has(ctx.id) && existsSync(file);
      const trace = rerank(ctx, localized[i]!, repaired[i]!, reproduced[i]!, regressed[i]!);
      await writeJsonAtomic(file, trace);
      traces.push(trace);
      report("rerank", i + 1, ctx, resumed ? "resumed" : "ran");
    }
    runtime.onProgress?.({
      stage: "rerank",
      phase: "end",
      done: total,
      total,
      counts: { ...stageStatus.rerank },
    });
  } finally {
    if (!runtime.executor) await executor.close();
  }
  const predictionsPath = path.join(config.outDir, "all_preds.jsonl");
  await writeRecords(
    predictionsPath,
    Prediction,
    traces.map((t) => t.prediction),
  );
  await writeOfficialFiles(
    config.outDir,
    config.modelNameOrPath ?? runtime.policy.model,
    contexts.map((ctx, i) => ({
      instanceId: ctx.id,
      localize: localized[i]!,
      repair: repaired[i]!,
      reproduce: reproduced[i]!,
      regression: regressed[i]!,
    })),
  );
  const localization = localizationRates(traces.map((t) => t.stages.localization.outcome));
  await writeJsonAtomic(path.join(config.outDir, "localization.json"), localization);
  const stages = traces.map((t) => t.stages);
  await writeJsonAtomic(path.join(config.outDir, "stages.json"), stages);
  const counts = countCandidates(stages);
  await writeJsonAtomic(path.join(config.outDir, "summary.json"), {
    localization,
    counts,
    stageStatus,
    selection: config.selection,
    parse: config.parse,
  });
  return { predictionsPath, localization, counts, stages, resumed: total - recomputed.size, stageStatus };
}
