import { join } from "node:path";
import type { RewardFn } from "@swerl/reward";
import type { Policy } from "@swerl/rollout";
import type { z } from "zod";
import { AdamOptimizer } from "./adam.js";
import type { AdamConfig } from "./config.js";
import { TrainerConfigError } from "./errors.js";
import type { LlamaWeights } from "./jit-llama.js";
import { type LoadedModel, writeModelDir } from "./model-dir.js";
import type { ModelTokenizer } from "./model-tokenizer.js";
import type { SftRunConfig } from "./run-config.js";
import {
  type HeldoutRow,
  type LocalMetricsRow,
  loadLatestCheckpoint,
  RunLog,
  saveCheckpoint,
} from "./run-files.js";
import { evaluateHeldout, loadPromptedInstances, type PromptedInstance } from "./training-data.js";
import type { TrainingEngine } from "./training-engine.js";

/** What a run reports as it goes: one event per step, per held-out evaluation and per checkpoint. */
export type TrainingProgress =
  | { kind: "step"; phase: "sft" | "grpo"; step: number; totalSteps: number; metrics: LocalMetricsRow }
  | { kind: "heldout"; phase: "sft" | "grpo"; step: number; totalSteps: number; heldout: HeldoutRow }
  | { kind: "checkpoint"; phase: "sft" | "grpo"; step: number; totalSteps: number; dir: string };

/** A policy the loop can keep in sync with the trainer's weights. */
export interface SyncablePolicy extends Policy {
  /** Reloads weights from a model directory (with `model.safetensors` and, if exported, `onnx/`). */
  updateWeights(modelDir: string): Promise<void>;
}

/** Options every phase takes (the stage function's contract). */
export interface TrainingRunOptions {
  /** RL instances (.jsonl or .parquet) to train on. */
  instancesFile: string;
  /** RL instances for held-out evaluation; none when absent. */
  heldoutFile?: string;
  /** The model directory to start from (config.json, model.safetensors, tokenizer files). */
  modelDir: string;
  /** Where metrics.jsonl, heldout.jsonl, checkpoints/ and model/ are written. */
  outDir: string;
  onProgress?: (event: TrainingProgress) => void;
  /** Aborting finishes the current step, saves a checkpoint and returns. */
  signal?: AbortSignal;
  /** Stop after this step even if more are configured (resume later continues from there). */
  stopAfterStep?: number;
  /** Scores GRPO's samples and the held-out responses; the SWE-RL reward (`sweRlReward`) when absent. */
  reward?: RewardFn;
}

/** What a phase returns. */
export interface TrainingRunResult {
  /** Steps completed (including those of an earlier run that was resumed). */
  steps: number;
  /** The step the run resumed from (0 for a fresh start). */
  resumedFrom: number;
  interrupted: boolean;
  /** `outDir/model`: the final weights as a full model directory. */
  modelDir: string;
  /** Held-out rows of the phase so far (an earlier, resumed run's included), in step order. */
  heldout: HeldoutRow[];
  /** Instances left out because their prompt did not fit (or, for SFT, no oracle response could be built). */
  skippedInstances: string[];
}

/** Validates a phase's config, throwing a TrainerConfigError that names `what` and the first bad field. */
export function parsePhaseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerConfigError(what, issue?.path.join(".") ?? "", issue?.message ?? "invalid");
  }
  return parsed.data;
}

/** The error of a phase left with nothing to train on: no instance of `file` fits the prompt budget. */
export function nothingFits(file: string, model: LoadedModel, maxPrompt: number, skipped: number) {
  return new TrainerConfigError(
    file,
    "",
    `no instance fits the model's context (${model.config.max_position_embeddings} positions, prompt budget ${maxPrompt} tokens; ${skipped} skipped)`,
  );
}

/** The first `limit` held-out instances of `file` that fit the prompt budget; none without a file. */
export async function loadHeldout(
  file: string | undefined,
  tokenizer: ModelTokenizer,
  maxPrompt: number,
  limit: number | undefined,
): Promise<PromptedInstance[]> {
  if (!file) return [];
  return (await loadPromptedInstances(file, tokenizer, maxPrompt)).items.slice(0, limit);
}

/** Where a phase starts: its latest checkpoint under `outDir`, else step 0 at `initial()` with a new optimizer. */
export async function resumePhase(
  outDir: string,
  phase: "sft" | "grpo",
  optimizerConfig: AdamConfig,
  initial: () => LlamaWeights,
): Promise<{ weights: LlamaWeights; optimizer: AdamOptimizer; startStep: number }> {
  const resume = await loadLatestCheckpoint(outDir, phase, optimizerConfig);
  return {
    weights: resume?.weights ?? initial(),
    optimizer: resume?.optimizer ?? new AdamOptimizer(optimizerConfig),
    startStep: resume?.state.step ?? 0,
  };
}

/**
 * The shared step loop of SFT and GRPO: held-out evaluation, checkpoints, interrupts, the final model.
 * Appends each step's metrics to `metrics.jsonl` and each evaluation to `heldout.jsonl` under the run's
 * `outDir`.
 */
export async function runSteps(options: {
  phase: "sft" | "grpo";
  run: TrainingRunOptions;
  /** The phase's steps, seed, checkpoint interval and held-out options. */
  config: Pick<SftRunConfig, "steps" | "seed" | "checkpointEvery" | "heldout">;
  model: LoadedModel;
  trainer: TrainingEngine;
  optimizer: AdamOptimizer;
  policy: Policy;
  heldoutItems: readonly PromptedInstance[];
  heldoutSampling: { temperature: number; topP: number; topK: number };
  startStep: number;
  skipped: string[];
  step: (step: number) => Promise<LocalMetricsRow>;
}): Promise<TrainingRunResult> {
  const { phase, run, model, trainer, optimizer } = options;
  const { steps, seed, checkpointEvery, heldout: heldoutConfig } = options.config;
  const metrics = await RunLog.open<LocalMetricsRow>(join(run.outDir, "metrics.jsonl"), options.startStep);
  const heldoutLog = await RunLog.open<HeldoutRow>(join(run.outDir, "heldout.jsonl"), options.startStep);
  const evaluate = async (step: number) => {
    if (options.heldoutItems.length === 0) return;
    const result = await evaluateHeldout(
      options.policy,
      options.heldoutItems,
      {
        ...(heldoutConfig.greedy ? { temperature: 0 } : options.heldoutSampling),
        maxTokens: heldoutConfig.maxTokens,
        seed: seed + 7919 * step,
      },
      run.reward,
    );
    const row: HeldoutRow = { phase, step, time: new Date().toISOString(), ...result };
    await heldoutLog.append(row);
    run.onProgress?.({ kind: "heldout", phase, step, totalSteps: steps, heldout: row });
  };
  const checkpoint = async (step: number) => {
    const dir = await saveCheckpoint(run.outDir, run.modelDir, trainer.weights, optimizer, {
      phase,
      step,
      seed,
    });
    run.onProgress?.({ kind: "checkpoint", phase, step, totalSteps: steps, dir });
  };
  const evaluated = async (step: number) => (await heldoutLog.rows()).some((row) => row.step === step);
  if (options.startStep === 0 && !(await evaluated(0))) await evaluate(0);
  const lastStep = Math.min(steps, run.stopAfterStep ?? steps);
  let step = options.startStep;
  let interrupted = false;
  let savedAt = options.startStep;
  while (step < lastStep) {
    if (run.signal?.aborted) {
      interrupted = true;
      break;
    }
    step++;
    const row = await options.step(step);
    await metrics.append(row);
    run.onProgress?.({ kind: "step", phase, step, totalSteps: steps, metrics: row });
    const every = heldoutConfig.every;
    if (every > 0 && step % every === 0 && step < steps) await evaluate(step);
    if (step % checkpointEvery === 0) {
      await checkpoint(step);
      savedAt = step;
    }
  }
  if (step < steps) interrupted = true;
  if (savedAt !== step) await checkpoint(step);
  if (step === steps && !(await evaluated(step))) await evaluate(step);
  const finalDir = `${run.outDir}/model`;
  await writeModelDir(model.dir, finalDir, trainer.weights);
  return {
    steps: step,
    resumedFrom: options.startStep,
    interrupted,
    modelDir: finalDir,
    heldout: await heldoutLog.rows(),
    skippedInstances: options.skipped,
  };
}
