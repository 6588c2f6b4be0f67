import { numpy as jnp } from "@jax-js/jax";
import type { LlamaConfig } from "@swerl/schema";
import type { AdamOptimizer } from "./adam.js";
import type { GrpoConfig } from "./config.js";
import type { LlamaWeights } from "./jit-llama.js";
import { type LlamaParams, llamaTokenLogprobs } from "./llama.js";
import { type GrpoLossResult, type GrpoSequence, grpoLoss } from "./loss.js";
import { OrtLlama } from "./ort-llama.js";
import type { TrainingEngine } from "./training-engine.js";

export type { LlamaWeights } from "./jit-llama.js";

/** One sequence to train on: prompt + response token ids, and the response's advantage. */
export interface TrainingSequence {
  tokenIds: number[];
  promptLength: number;
  advantage: number;
  /** The response tokens' logprobs as the sampler reported them (for the mismatch metric and TIS). */
  rolloutLogprobs?: number[];
}

/** What one GRPO update did, for the metrics row. */
export interface GrpoUpdateResult extends GrpoLossResult {
  gradNorm: number;
  responseTokens: number;
  /** Positions run through the model (prompt + response, every optimizer step): the work done. */
  trainedTokens: number;
  /** Mean next-token entropy of the policy over the response tokens, before the update. */
  entropyMean: number;
  /** Mean |trainer logprob - sampler logprob| over response tokens (NaN when the sampler gave none). */
  logprobMismatch: number;
  /** Largest such difference. */
  logprobMismatchMax: number;
}

/** Logprobs of the response tokens (positions promptLength..end) under `weights` (eager, no jit). */
export async function responseLogprobs(
  config: LlamaConfig,
  weights: LlamaWeights,
  sequence: Pick<TrainingSequence, "tokenIds" | "promptLength">,
): Promise<number[]> {
  const params: LlamaParams = Object.fromEntries(
    [...weights.values].map(([name, values]) => [
      name,
      jnp.array(values).reshape(weights.shapes.get(name) as number[]),
    ]),
  );
  const all = (await llamaTokenLogprobs(config, params, sequence.tokenIds).data()) as Float32Array;
  for (const array of Object.values(params)) array.dispose();
  return Array.from(all.subarray(sequence.promptLength - 1));
}

/**
 * One GRPO update on a sampled batch through a {@link TrainingEngine}: one gradient pass gives the
 * policy's logprobs before the update (pi_old, compared with the sampler's own for the mismatch metric)
 * and, for the first optimizer step, the current logprobs too (ratio 1: the old-policy pass is folded
 * into the gradient pass), the reference's when klBeta > 0; then per optimizer step `grpoLoss` gives
 * d loss/d logprob, the engine's backward pass the gradients, Adam updates the float32 weights in place.
 */
export async function grpoUpdate(
  policy: TrainingEngine,
  reference: TrainingEngine | null,
  sequences: readonly TrainingSequence[],
  grpo: GrpoConfig,
  optimizer: AdamOptimizer,
): Promise<GrpoUpdateResult> {
  let pass = await policy.gradientPass(sequences);
  const old = pass.logprobs;
  let entropySum = 0;
  let mismatchSum = 0;
  let mismatchMax = 0;
  let mismatchCount = 0;
  for (const [i, s] of sequences.entries()) {
    const logprobs = old[i] as number[];
    for (const e of pass.entropy[i] as number[]) entropySum += e;
    if (s.rolloutLogprobs && s.rolloutLogprobs.length === logprobs.length) {
      logprobs.forEach((lp, t) => {
        const d = Math.abs(lp - (s.rolloutLogprobs?.[t] as number));
        mismatchSum += d;
        mismatchMax = Math.max(mismatchMax, d);
        mismatchCount++;
      });
    }
  }
  const refs = reference && grpo.klBeta > 0 ? (await reference.score(sequences)).logprobs : null;
  const useTis = grpo.truncatedIsCap !== undefined;
  let first: GrpoLossResult | null = null;
  let gradNorm = 0;
  let trainedTokens = 0;
  for (let step = 0; step < grpo.optimizerStepsPerBatch; step++) {
    if (step > 0) pass = await policy.gradientPass(sequences);
    const batch: GrpoSequence[] = sequences.map((s, i) => ({
      advantage: s.advantage,
      logprobs: pass.logprobs[i] as number[],
      oldLogprobs: old[i] as number[],
      ...(refs ? { refLogprobs: refs[i] as number[] } : {}),
      ...(useTis ? { rolloutLogprobs: s.rolloutLogprobs ?? (old[i] as number[]) } : {}),
    }));
    const result = grpoLoss(batch, grpo);
    first ??= result;
    const total = await pass.backward(result.gradLogprobs);
    for (const s of sequences) trainedTokens += s.tokenIds.length - 1;
    for (const [name, values] of policy.weights.values)
      if (!total.has(name)) total.set(name, new Float32Array(values.length));
    gradNorm = optimizer.update(policy.weights.values, total).gradNorm;
    policy.weightsChanged();
  }
  const responseTokens = sequences.reduce((a, s) => a + s.tokenIds.length - s.promptLength, 0);
  return {
    ...(first as GrpoLossResult),
    gradNorm,
    responseTokens,
    trainedTokens,
    entropyMean: entropySum / responseTokens,
    logprobMismatch: mismatchCount > 0 ? mismatchSum / mismatchCount : Number.NaN,
    logprobMismatchMax: mismatchMax,
  };
}

/**
 * One GRPO step on float32 weights (updated in place) on the ONNX Runtime engine, creating its sessions
 * for the call; a training loop should keep one {@link OrtLlama} and call {@link grpoUpdate}.
 */
export async function llamaGrpoStep(
  config: LlamaConfig,
  weights: LlamaWeights,
  reference: LlamaWeights | null,
  sequences: readonly TrainingSequence[],
  grpo: GrpoConfig,
  optimizer: AdamOptimizer,
): Promise<GrpoUpdateResult> {
  const policy = await OrtLlama.create(config, weights);
  const ref = reference ? await OrtLlama.create(config, reference) : null;
  try {
    return await grpoUpdate(policy, ref, sequences, grpo, optimizer);
  } finally {
    await policy.dispose();
    await ref?.dispose();
  }
}
