import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RewardFn } from "@swerl/reward";
import { LlamaConfig } from "@swerl/schema";
import { z } from "zod";
import { createDefaultModel, DefaultModelSpec } from "./default-model.js";
import { TrainerConfigError } from "./errors.js";
import { runGrpo } from "./grpo.js";
import { loadModelTokenizer } from "./model-tokenizer.js";
import {
  GrpoRunConfig,
  type GrpoRunConfigInput,
  SftRunConfig,
  type SftRunConfigInput,
} from "./run-config.js";
import type { HeldoutRow } from "./run-files.js";
import { runSft } from "./sft.js";
import { trainingPromptBudget } from "./training-data.js";
import type { TrainingProgress, TrainingRunResult } from "./training-loop.js";

/**
 * The local engine's tuned defaults (bench/demo-run.ts on the toy world, docs/benchmarks.md): what SFT then
 * GRPO use on 2 CPU cores when a config leaves a key out. A config overrides single keys (deep merge).
 */
export const LOCAL_SFT_DEFAULTS = {
  steps: 60,
  batchSize: 4,
  oracleContextLines: 0,
  checkpointEvery: 20,
  optimizer: { learningRate: 3e-3, maxGradNorm: 1 },
  // Demo-world oracle responses are 150-170 tokens with the default tokenizer (toy ones ~70).
  heldout: { every: 0, maxTokens: 192 },
} satisfies SftRunConfigInput;

export const LOCAL_GRPO_DEFAULTS = {
  steps: 10,
  checkpointEvery: 5,
  grpo: {
    preset: "dr-grpo",
    promptsPerBatch: 4,
    rolloutsPerPrompt: 4,
    klBeta: 0.01,
    // Groups whose samples all score the same carry no policy gradient: skip their passes (DAPO).
    equalRewardGroups: "drop",
    // Dr. GRPO's constant: tuned at 96 (any constant works; a larger one is a smaller step).
    constantNormalizer: 96,
    // 3e-4 at 192 max tokens, and 1e-3 at 96, turned the SFT policy's greedy held-out answers invalid.
    optimizer: { learningRate: 1e-4 },
  },
  // Below 1 the samples stay near the SFT policy's mode: about half keep the format, against one in ten
  // at temperature 1, so groups carry more signal than "format or not".
  sampling: { maxTokens: 192, temperature: 0.7 },
  heldout: { every: 0, maxTokens: 192 },
} satisfies GrpoRunConfigInput;

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** `override` over `base`, objects merged key by key, anything else replaced. */
function deepMerge(base: Plain, override: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const prior = out[key];
    out[key] = isPlain(prior) && isPlain(value) ? deepMerge(prior, value) : value;
  }
  return out;
}

/** A phase section: its overrides of the tuned defaults, or false to skip the phase. */
function phase<T extends z.ZodType>(schema: T, defaults: Plain) {
  return z
    .union([z.literal(false), z.record(z.string(), z.unknown())])
    .default({})
    .transform((value, ctx): z.output<T> | false => {
      if (value === false) return false;
      const parsed = schema.safeParse(deepMerge(defaults, value));
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom" } as never);
      return z.NEVER;
    });
}

/** Everything `trainLocal` can be told; every key optional (the tuned defaults fill the rest). */
export const TrainLocalConfig = z.strictObject({
  /** The model to create when no modelDir is given. */
  model: DefaultModelSpec.prefault({}),
  /** Prompt token budget of both phases (unmodified files dropped to fit, else the instance is skipped). */
  maxPromptTokens: z.number().int().positive().optional(),
  sft: phase(SftRunConfig, LOCAL_SFT_DEFAULTS),
  grpo: phase(GrpoRunConfig, LOCAL_GRPO_DEFAULTS),
});
export type TrainLocalConfig = z.infer<typeof TrainLocalConfig>;
export type TrainLocalConfigInput = z.input<typeof TrainLocalConfig>;

/** Validates a trainLocal config, naming the source and the bad key. */
export function parseTrainLocalConfig(input: unknown, source = "train config"): TrainLocalConfig {
  const parsed = TrainLocalConfig.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TrainerConfigError(source, issue?.path.join(".") ?? "", issue?.message ?? "invalid");
}

/** trainLocal's progress: each phase's events, and the default model once it exists. */
export type TrainLocalProgress = TrainingProgress | { kind: "model"; phase: "model"; dir: string };

export interface TrainLocalOptions {
  /** RL instances (.jsonl or .parquet) to train on. */
  instancesFile: string;
  /** RL instances for held-out evaluation (before SFT, after SFT, after GRPO); none when absent. */
  heldoutFile?: string;
  /** Everything is written here: base-model/ (when created), sft/, grpo/ (each with metrics.jsonl). */
  outDir: string;
  /** Further SFT examples (`SftExample` records, e.g. Agentless localization prompts). */
  examplesFile?: string;
  /** The model to start from; absent: the default model is created in `outDir/base-model`. */
  modelDir?: string;
  config?: TrainLocalConfigInput;
  onProgress?: (event: TrainLocalProgress) => void;
  /** Aborting finishes the current step, saves a checkpoint and returns (interrupted: true). */
  signal?: AbortSignal;
  /** Scores GRPO's samples and every held-out response; the SWE-RL reward (`sweRlReward`) when absent. */
  reward?: RewardFn;
}

export interface TrainLocalResult {
  /** Null when the phase was skipped by config (or not reached because SFT was interrupted). */
  sft: TrainingRunResult | null;
  grpo: TrainingRunResult | null;
  /** The final model directory (GRPO's, else SFT's, else the starting model). */
  modelDir: string;
  /** The starting model (given or created). */
  baseModelDir: string;
  interrupted: boolean;
  heldout: {
    /** Before any training (SFT's step 0, else GRPO's). */
    before: HeldoutRow | null;
    afterSft: HeldoutRow | null;
    /** After the last phase that ran to its end. */
    after: HeldoutRow | null;
    rows: HeldoutRow[];
  };
  /** Instances left out of either phase (prompt over budget, or no oracle response), by id. */
  skippedInstances: string[];
}

/** What one phase of the local engine is run with (`runLocalPhase`). */
export interface LocalPhaseOptions extends Omit<TrainLocalOptions, "config" | "modelDir" | "onProgress"> {
  onProgress?: (event: TrainingProgress) => void;
  /** The parsed config; only the phase's own section and the shared prompt budget are read. */
  config: TrainLocalConfig;
  /** The model the phase starts from. */
  modelDir: string;
  /** The phase's own directory (metrics.jsonl, heldout.jsonl, checkpoints/, model/). */
  outDir: string;
}

/**
 * One phase of `trainLocal` in a directory of its own, for callers that run the phases apart (the
 * pipeline's sft and grpo stages): the same prompt budget for both phases (room for GRPO's sampled
 * response, so SFT warms up on the prompts RL will see), resuming from the phase's latest checkpoint.
 */
export async function runLocalPhase(
  phase: "sft" | "grpo",
  options: LocalPhaseOptions,
): Promise<TrainingRunResult> {
  const { config } = options;
  const positions = LlamaConfig.parse(
    JSON.parse(await readFile(join(options.modelDir, "config.json"), "utf8")),
  ).max_position_embeddings;
  // (An SFT-only config assumes the default GRPO lengths, so a later GRPO run sees the same prompts.)
  // Room for the longest response either phase samples from these prompts.
  const grpoLengths = config.grpo
    ? [config.grpo.sampling.maxTokens, config.grpo.heldout.maxTokens]
    : [LOCAL_GRPO_DEFAULTS.sampling.maxTokens, LOCAL_GRPO_DEFAULTS.heldout.maxTokens];
  const responseRoom = Math.max(...grpoLengths, config.sft ? config.sft.heldout.maxTokens : 0);
  const tokenizer = await loadModelTokenizer(options.modelDir);
  const budget = trainingPromptBudget(positions, tokenizer, responseRoom, config.maxPromptTokens);
  const run = {
    instancesFile: options.instancesFile,
    modelDir: options.modelDir,
    outDir: options.outDir,
    ...(options.heldoutFile ? { heldoutFile: options.heldoutFile } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reward ? { reward: options.reward } : {}),
  };
  if (phase === "sft") {
    if (!config.sft)
      throw new TrainerConfigError("train config", "sft", "the sft phase is turned off (false)");
    return runSft({
      ...run,
      ...(options.examplesFile ? { examplesFile: options.examplesFile } : {}),
      config: { ...config.sft, maxPromptTokens: config.sft.maxPromptTokens ?? budget },
    });
  }
  if (!config.grpo)
    throw new TrainerConfigError("train config", "grpo", "the grpo phase is turned off (false)");
  return runGrpo({
    ...run,
    config: { ...config.grpo, maxPromptTokens: config.grpo.maxPromptTokens ?? budget },
  });
}

/**
 * The local engine end to end: the default model when none is given, SFT warm start, then GRPO from the
 * SFT model, with held-out evaluation around each phase. Resumes from whatever `outDir` holds (the created
 * model, each phase's latest checkpoint; a finished phase is not rerun).
 */
export async function trainLocal(options: TrainLocalOptions): Promise<TrainLocalResult> {
  const config = parseTrainLocalConfig(options.config ?? {});
  const baseModelDir =
    options.modelDir ??
    (await createDefaultModel({
      instancesFile: options.instancesFile,
      dir: join(options.outDir, "base-model"),
      spec: config.model,
      ...(options.signal ? { signal: options.signal } : {}),
    }));
  if (!options.modelDir) options.onProgress?.({ kind: "model", phase: "model", dir: baseModelDir });
  const common = {
    instancesFile: options.instancesFile,
    ...(options.heldoutFile ? { heldoutFile: options.heldoutFile } : {}),
    ...(options.examplesFile ? { examplesFile: options.examplesFile } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reward ? { reward: options.reward } : {}),
  };
  let modelDir = baseModelDir;
  let sft: TrainingRunResult | null = null;
  let grpo: TrainingRunResult | null = null;
  if (config.sft) {
    sft = await runLocalPhase("sft", { ...common, config, modelDir, outDir: join(options.outDir, "sft") });
    modelDir = sft.modelDir;
  }
  if (config.grpo && !sft?.interrupted) {
    grpo = await runLocalPhase("grpo", { ...common, config, modelDir, outDir: join(options.outDir, "grpo") });
    modelDir = grpo.modelDir;
  }
  const rows = [...(sft?.heldout ?? []), ...(grpo?.heldout ?? [])];
  const finalOf = (run: TrainingRunResult | null) =>
    run && !run.interrupted ? (run.heldout.find((row) => row.step === run.steps) ?? null) : null;
  return {
    sft,
    grpo,
    modelDir,
    baseModelDir,
    interrupted: Boolean(sft?.interrupted || grpo?.interrupted),
    heldout: {
      before: rows.find((row) => row.step === 0) ?? null,
      afterSft: finalOf(sft),
      after: finalOf(grpo) ?? finalOf(sft),
      rows,
    },
    skippedInstances: [...new Set([...(sft?.skippedInstances ?? []), ...(grpo?.skippedInstances ?? [])])],
  };
}
