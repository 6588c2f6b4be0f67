import { jit, numpy as jnp, valueAndGrad } from "@jax-js/jax";
import type { LlamaConfig } from "@swerl/schema";
import { ModelWeightsError } from "./errors.js";
import { type LlamaParams, llamaTargetLogprobs } from "./llama.js";
import type { GradientPass, ResponseScores, ResponseSequence, TrainingEngine } from "./training-engine.js";

/** Float32 weights by HF name with their shapes: what Adam updates and safetensors stores. */
export interface LlamaWeights {
  values: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
}

/** Per-position results of one forward pass over a token sequence (T tokens -> T - 1 positions). */
export interface SequenceScores {
  /** log p(tokens[t + 1] | tokens[..t]). */
  logprobs: Float32Array;
  /** Entropy of the next-token distribution at position t. */
  entropy: Float32Array;
}

/** Sequences are padded to a multiple of this, so jit compiles one program per bucket, not per length. */
const LENGTH_BUCKET = 64;

/**
 * A Llama whose forward pass and backward pass are jax-js `jit` programs (compiled once per padded
 * length), over float32 weights kept in `weights` (the arrays Adam updates in place). Call
 * {@link weightsChanged} after changing them.
 */
export class JitLlama {
  readonly config: LlamaConfig;
  readonly weights: LlamaWeights;
  #params: LlamaParams | null = null;
  readonly #score;
  readonly #grad;

  constructor(config: LlamaConfig, weights: LlamaWeights) {
    this.config = config;
    this.weights = weights;
    this.#score = jit((params: LlamaParams, ids: jnp.Array, targets: jnp.Array) =>
      llamaTargetLogprobs(config, params, ids, targets, true),
    );
    this.#grad = jit(
      valueAndGrad((params: LlamaParams, ids: jnp.Array, targets: jnp.Array, coefficients: jnp.Array) =>
        llamaTargetLogprobs(config, params, ids, targets).mul(coefficients).sum(),
      ),
    );
  }

  /** Drops the device copy of the weights; the next call uploads `weights` again. */
  weightsChanged(): void {
    if (this.#params) for (const array of Object.values(this.#params)) array.dispose();
    this.#params = null;
  }

  #paramRefs(): LlamaParams {
    if (!this.#params) {
      this.#params = Object.fromEntries(
        [...this.weights.values].map(([name, values]) => {
          const shape = this.weights.shapes.get(name);
          if (!shape) throw new ModelWeightsError(name, "no shape recorded");
          return [name, jnp.array(values).reshape(shape)];
        }),
      );
    }
    return Object.fromEntries(Object.entries(this.#params).map(([name, array]) => [name, array.ref]));
  }

  #inputs(tokenIds: readonly number[]): { ids: jnp.Array; targets: jnp.Array; positions: number } {
    const positions = tokenIds.length - 1;
    if (positions < 1) throw new ModelWeightsError("input_ids", "a sequence needs at least 2 tokens");
    const limit = this.config.max_position_embeddings;
    if (positions > limit)
      throw new ModelWeightsError(
        "input_ids",
        `${tokenIds.length} tokens exceed max_position_embeddings ${limit}`,
      );
    const padded = Math.ceil(positions / LENGTH_BUCKET) * LENGTH_BUCKET;
    const ids = new Int32Array(padded);
    const targets = new Int32Array(padded);
    ids.set(tokenIds.slice(0, -1));
    targets.set(tokenIds.slice(1));
    return {
      ids: jnp.array(ids, { dtype: jnp.int32 }),
      targets: jnp.array(targets, { dtype: jnp.int32 }),
      positions,
    };
  }

  /** Logprobs and entropies of every next token of `tokenIds` (no gradient). */
  async score(tokenIds: readonly number[]): Promise<SequenceScores> {
    const { ids, targets, positions } = this.#inputs(tokenIds);
    const out = (await this.#score(this.#paramRefs(), ids, targets).data()) as Float32Array;
    const padded = out.length / 2;
    return {
      logprobs: out.slice(0, positions),
      entropy: out.slice(padded, padded + positions),
    };
  }

  /**
   * Adds d/dW of sum_t coefficients[t] * logprob_t (positions as in {@link score}) into `into`
   * (one float32 array per weight name, created on first use); returns that sum's value.
   */
  async addGradient(
    tokenIds: readonly number[],
    coefficients: ArrayLike<number>,
    into: Map<string, Float32Array>,
  ): Promise<number> {
    const { ids, targets, positions } = this.#inputs(tokenIds);
    if (coefficients.length !== positions)
      throw new ModelWeightsError("coefficients", `${coefficients.length} values for ${positions} positions`);
    const padded = new Float32Array(ids.shape[0] as number);
    padded.set(Array.from(coefficients));
    const [value, grads] = this.#grad(this.#paramRefs(), ids, targets, jnp.array(padded)) as [
      jnp.Array,
      LlamaParams,
    ];
    for (const [name, array] of Object.entries(grads)) {
      const g = (await array.data()) as Float32Array;
      let sum = into.get(name);
      if (!sum) {
        sum = new Float32Array(g.length);
        into.set(name, sum);
      }
      for (let k = 0; k < g.length; k++) sum[k] = (sum[k] as number) + (g[k] as number);
    }
    return ((await value.data()) as Float32Array)[0] as number;
  }

  dispose(): void {
    this.weightsChanged();
    this.#score.dispose();
    this.#grad.dispose();
  }
}

/**
 * JitLlama as a {@link TrainingEngine}: the jax-js reference engine (a scoring pass, then per sequence a
 * jitted forward + backward), kept as the gradient reference of the ONNX Runtime engine's tests and
 * benchmark.
 */
export class JitLlamaEngine implements TrainingEngine {
  readonly model: JitLlama;
  constructor(model: JitLlama) {
    this.model = model;
  }
  get weights(): LlamaWeights {
    return this.model.weights;
  }
  async score(sequences: readonly ResponseSequence[]): Promise<ResponseScores> {
    const scores: ResponseScores = { logprobs: [], entropy: [] };
    for (const s of sequences) {
      const out = await this.model.score(s.tokenIds);
      scores.logprobs.push(Array.from(out.logprobs.subarray(s.promptLength - 1)));
      scores.entropy.push(Array.from(out.entropy.subarray(s.promptLength - 1)));
    }
    return scores;
  }
  async gradientPass(sequences: readonly ResponseSequence[]): Promise<GradientPass> {
    const scores = await this.score(sequences);
    return {
      ...scores,
      backward: async (gradLogprobs) => {
        const total = new Map<string, Float32Array>();
        for (const [i, s] of sequences.entries()) {
          const coefficients = new Float32Array(s.tokenIds.length - 1);
          coefficients.set(gradLogprobs[i] as readonly number[], s.promptLength - 1);
          await this.model.addGradient(s.tokenIds, coefficients, total);
        }
        return total;
      },
    };
  }
  weightsChanged(): void {
    this.model.weightsChanged();
  }
  dispose(): void {
    this.model.dispose();
  }
}
