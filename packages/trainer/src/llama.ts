import { nn as jnn, numpy as jnp } from "@jax-js/jax";
import { ropeTables } from "@swerl/rollout";
import type { LlamaConfig } from "@swerl/schema";
import { ModelWeightsError } from "./errors.js";

/** Model weights by Hugging Face tensor name (Linear weights [out, in]). */
export type LlamaParams = Record<string, jnp.Array>;

/** HF's rotate_half as a constant matrix: x @ R = concat(-x[d/2:], x[:d/2]). */
function rotateHalfMatrix(headDim: number): jnp.Array {
  const half = headDim / 2;
  const r = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    r[(j + half) * headDim + j] = -1;
    r[j * headDim + j + half] = 1;
  }
  return jnp.array(r).reshape([headDim, headDim]);
}

/** cos and sin tables [T, headDim] (rollout's RoPE tables, Llama 3 scaling included). */
function ropeTablesArrays(
  config: LlamaConfig,
  length: number,
  headDim: number,
): { cos: jnp.Array; sin: jnp.Array } {
  const { cos, sin } = ropeTables(config, length);
  return { cos: jnp.array(cos).reshape([length, headDim]), sin: jnp.array(sin).reshape([length, headDim]) };
}

function rmsNorm(x: jnp.Array, weight: jnp.Array, eps: number): jnp.Array {
  const scale = jnp.sqrt(jnp.mean(jnp.square(x.ref), -1, { keepdims: true }).add(eps));
  return x.div(scale).mul(weight);
}

/** x [T, in] @ W^T for an HF Linear weight W [out, in]. */
function linear(x: jnp.Array, weight: jnp.Array): jnp.Array {
  return jnp.matmul(x, weight.transpose());
}

/**
 * log p(targets[t] | inputIds[..t]) for every position t of a Hugging Face Llama (causal, RoPE, GQA,
 * SwiGLU, RMSNorm), with the mean next-token entropy per position as a second row when `withEntropy`.
 * Shapes: `inputIds` and `targets` int32 [T]; result [T] (or [2, T]). Positions after the real sequence
 * (padding) do not change earlier ones (the mask is causal), so callers can pad to a few lengths and jit.
 * Takes ownership of `inputIds` and `targets`, of nothing in `params` (it uses `.ref`).
 */
export function llamaTargetLogprobs(
  config: LlamaConfig,
  params: LlamaParams,
  inputIds: jnp.Array,
  targets: jnp.Array,
  withEntropy = false,
): jnp.Array {
  const length = inputIds.shape[0] as number;
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads;
  const headDim = config.head_dim ?? config.hidden_size / heads;
  const p = (name: string): jnp.Array => {
    const w = params[name];
    if (!w) throw new ModelWeightsError(name, "missing (Hugging Face Llama tensor names expected)");
    return w.ref;
  };
  // One-hot matmuls instead of gathers: the gradient of a gather is a scatter, which jax-js cannot jit.
  const vocab = config.vocab_size;
  let x = jnp.matmul(jnn.oneHot(inputIds, vocab), p("model.embed_tokens.weight"));
  const { cos, sin } = ropeTablesArrays(config, length, headDim);
  const rotate = rotateHalfMatrix(headDim);
  const mask = jnp
    .array(
      Float32Array.from({ length: length * length }, (_, k) =>
        k % length > Math.floor(k / length) ? -1e9 : 0,
      ),
    )
    .reshape([length, length]);
  const rope = (q: jnp.Array) => q.ref.mul(cos.ref).add(jnp.matmul(q, rotate.ref).mul(sin.ref));
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const pre = `model.layers.${layer}.`;
    const h = rmsNorm(x.ref, p(`${pre}input_layernorm.weight`), config.rms_norm_eps);
    const split = (y: jnp.Array, n: number) => y.reshape([length, n, headDim]).transpose([1, 0, 2]);
    const q = rope(split(linear(h.ref, p(`${pre}self_attn.q_proj.weight`)), heads));
    const k = jnp.repeat(
      rope(split(linear(h.ref, p(`${pre}self_attn.k_proj.weight`)), kvHeads)),
      heads / kvHeads,
      0,
    );
    const v = jnp.repeat(split(linear(h, p(`${pre}self_attn.v_proj.weight`)), kvHeads), heads / kvHeads, 0);
    const scores = jnp
      .matmul(q, k.transpose([0, 2, 1]))
      .mul(1 / Math.sqrt(headDim))
      .add(mask.ref);
    const attended = jnp
      .matmul(jnn.softmax(scores, -1), v)
      .transpose([1, 0, 2])
      .reshape([length, heads * headDim]);
    x = x.add(linear(attended, p(`${pre}self_attn.o_proj.weight`)));
    const h2 = rmsNorm(x.ref, p(`${pre}post_attention_layernorm.weight`), config.rms_norm_eps);
    const gated = jnn
      .silu(linear(h2.ref, p(`${pre}mlp.gate_proj.weight`)))
      .mul(linear(h2, p(`${pre}mlp.up_proj.weight`)));
    x = x.add(linear(gated, p(`${pre}mlp.down_proj.weight`)));
  }
  cos.dispose();
  sin.dispose();
  rotate.dispose();
  mask.dispose();
  const head = config.tie_word_embeddings ? p("model.embed_tokens.weight") : p("lm_head.weight");
  const logprobs = jnn.logSoftmax(linear(rmsNorm(x, p("model.norm.weight"), config.rms_norm_eps), head), -1);
  const picked = logprobs.ref.mul(jnn.oneHot(targets, vocab)).sum(-1);
  if (!withEntropy) {
    logprobs.dispose();
    return picked;
  }
  const entropy = jnp.exp(logprobs.ref).mul(logprobs).sum(-1).mul(-1);
  return jnp.stack([picked, entropy]);
}

/**
 * log p(tokens[t+1] | tokens[..t]) for t = 0..T-2 under a Hugging Face Llama. Takes ownership of nothing
 * in `params` (it uses `.ref`), so it can be wrapped in grad/jit.
 */
export function llamaTokenLogprobs(
  config: LlamaConfig,
  params: LlamaParams,
  tokens: readonly number[],
): jnp.Array {
  return llamaTargetLogprobs(
    config,
    params,
    jnp.array(Int32Array.from(tokens.slice(0, -1)), { dtype: jnp.int32 }),
    jnp.array(Int32Array.from(tokens.slice(1)), { dtype: jnp.int32 }),
  );
}
