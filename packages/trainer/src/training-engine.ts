import type { LlamaWeights } from "./jit-llama.js";

/** A sequence to score or train on: prompt + response token ids; the response starts at `promptLength`. */
export interface ResponseSequence {
  tokenIds: readonly number[];
  promptLength: number;
}

/** Per sequence, one value per response token (log p(token | everything before it)), and entropies. */
export interface ResponseScores {
  logprobs: number[][];
  /** Entropy of the next-token distribution at each response position. */
  entropy: number[][];
}

/**
 * A forward pass kept for its backward pass: the response logprobs of the current weights, and
 * `backward(g)`, which returns d/dW of sum over sequences and response tokens of g[i][t] * logprob[i][t]
 * for every weight (float32, by Hugging Face name). One optimizer step then needs one forward and one
 * backward: the logprobs that compute g (pi_old = pi when one step is taken per batch) are these.
 */
export interface GradientPass extends ResponseScores {
  backward(gradLogprobs: readonly (readonly number[])[]): Promise<Map<string, Float32Array>>;
}

/**
 * What SFT and GRPO need from a local training engine (ONNX Runtime's {@link OrtLlama}, or jax-js's
 * JitLlama kept as the gradient reference): scoring and gradient passes over float32 weights that an
 * optimizer updates in place (`weightsChanged()` after each update).
 */
export interface TrainingEngine {
  readonly weights: LlamaWeights;
  score(sequences: readonly ResponseSequence[]): Promise<ResponseScores>;
  gradientPass(sequences: readonly ResponseSequence[]): Promise<GradientPass>;
  weightsChanged(): void;
  dispose(): Promise<void> | void;
}
