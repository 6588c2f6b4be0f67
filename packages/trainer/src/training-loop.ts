import type { RewardFn } from "@swerl/reward";
import type { Policy } from "@swerl/rollout";
import type { AdamOptimizer } from "./adam.js";
import type { LoadedModel } from "./model-dir.js";
import { writeModelDir } from "./model-dir.js";
import type { ModelTokenizer } from "./model-tokenizer.js";
import type { HeldoutConfig } from "./run-config.js";
import { type HeldoutRow, type LocalMetricsRow, type RunLog, saveCheckpoint } from "./run-files.js";
import { evaluateHeldout, type PromptedInstance } from "./training-data.js";
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

/** The shared step loop of SFT and GRPO: held-out evaluation, checkpoints, interrupts, the final model. */
export async function runSteps(options: {
  phase: "sft" | "grpo";
  run: TrainingRunOptions;
  model: LoadedModel;
  trainer: TrainingEngine;
  optimizer: AdamOptimizer;
  policy: Policy;
  tokenizer: ModelTokenizer;
  heldoutItems: readonly PromptedInstance[];
  heldoutConfig: HeldoutConfig;
  heldoutSampling: { temperature: number; topP: number; topK: number };
  steps: number;
  startStep: number;
  seed: number;
  checkpointEvery: number;
  skipped: string[];
  metrics: RunLog<LocalMetricsRow>;
  heldoutLog: RunLog<HeldoutRow>;
  step: (step: number) => Promise<LocalMetricsRow>;
}): Promise<TrainingRunResult> {
  const { phase, run, model, trainer, optimizer } = options;
  const evaluate = async (step: number) => {
    if (options.heldoutItems.length === 0) return;
    const result = await evaluateHeldout(
      options.policy,
      options.heldoutItems,
      {
        ...(options.heldoutConfig.greedy ? { temperature: 0 } : options.heldoutSampling),
        maxTokens: options.heldoutConfig.maxTokens,
        seed: options.seed + 7919 * step,
      },
      run.reward,
    );
    const row: HeldoutRow = { phase, step, time: new Date().toISOString(), ...result };
    await options.heldoutLog.append(row);
    run.onProgress?.({ kind: "heldout", phase, step, totalSteps: options.steps, heldout: row });
  };
  const checkpoint = async (step: number) => {
    const dir = await saveCheckpoint(run.outDir, run.modelDir, trainer.weights, optimizer, {
      phase,
      step,
      seed: options.seed,
    });
    run.onProgress?.({ kind: "checkpoint", phase, step, totalSteps: options.steps, dir });
  };
  const evaluated = async (step: number) =>
    (await options.heldoutLog.rows()).some((row) => row.step === step);
  if (options.startStep === 0 && !(await evaluated(0))) await evaluate(0);
  const lastStep = Math.min(options.steps, run.stopAfterStep ?? options.steps);
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
    await options.metrics.append(row);
    run.onProgress?.({ kind: "step", phase, step, totalSteps: options.steps, metrics: row });
    const every = options.heldoutConfig.every;
    if (every > 0 && step % every === 0 && step < options.steps) await evaluate(step);
    if (step % options.checkpointEvery === 0) {
      await checkpoint(step);
      savedAt = step;
    }
  }
  if (step < options.steps) interrupted = true;
  if (savedAt !== step) await checkpoint(step);
  if (step === options.steps && !(await evaluated(step))) await evaluate(step);
  const finalDir = `${run.outDir}/model`;
  await writeModelDir(model.dir, finalDir, trainer.weights);
  return {
    steps: step,
    resumedFrom: options.startStep,
    interrupted,
    modelDir: finalDir,
    heldout: await options.heldoutLog.rows(),
    skippedInstances: options.skipped,
  };
}
