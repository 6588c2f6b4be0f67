import type { LlamaConfig } from "@swerl/schema";
import { SwerlError } from "@swerl/schema";
import { ropeInverseFrequencies } from "./rope.js";

/** Tensors by Hugging Face name, row-major float32 (Linear weights [out, in]). */
export type LlamaWeights = ReadonlyMap<string, Float32Array>;

/** A weight is missing or has the wrong number of elements for the config. */
export class LlamaWeightError extends SwerlError {
  constructor(name: string, detail: string) {
    super("E_LLAMA_WEIGHT", `tensor ${name}: ${detail}; check the safetensors file against config.json`);
  }
}

function tensor(weights: LlamaWeights, name: string, size: number): Float32Array {
  const value = weights.get(name);
  if (!value) throw new LlamaWeightError(name, "missing");
  if (value.length !== size)
    throw new LlamaWeightError(name, `has ${value.length} elements, expected ${size}`);
  return value;
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let sumSquares = 0;
  for (const v of x) sumSquares += v * v;
  const scale = 1 / Math.sqrt(sumSquares / x.length + eps);
  return x.map((v, i) => (weight[i] as number) * v * scale);
}

/** y = W x for W stored [out, in]. */
function linear(weight: Float32Array, x: Float64Array, outSize: number): Float64Array {
  const inSize = x.length;
  const y = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let sum = 0;
    const row = o * inSize;
    for (let i = 0; i < inSize; i++) sum += (weight[row + i] as number) * (x[i] as number);
    y[o] = sum;
  }
  return y;
}

/** HF rotate_half RoPE applied in place to `heads` heads of size `headDim` at `position`. */
function applyRope(
  x: Float64Array,
  heads: number,
  headDim: number,
  position: number,
  inverseFrequencies: Float64Array,
): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      const angle = position * (inverseFrequencies[i] as number);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const first = x[base + i] as number;
      const second = x[base + half + i] as number;
      x[base + i] = first * cos - second * sin;
      x[base + half + i] = second * cos + first * sin;
    }
  }
}

/**
 * A plain float64 forward pass of the Llama decoder described in ARCHITECTURE-CONTRACT.md, for one
 * sequence at positions 0..T-1 (Llama 3 RoPE scaling included), without a cache: the slow, obvious reference the ONNX graphs and
 * the trainer are checked against. Returns the logits of every position.
 */
export function llamaReferenceForward(
  config: LlamaConfig,
  weights: LlamaWeights,
  inputIds: readonly number[],
) {
  const d = config.hidden_size;
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads;
  const headDim = config.head_dim ?? d / heads;
  const f = config.intermediate_size;
  const vocab = config.vocab_size;
  const groups = heads / kvHeads;
  const inverseFrequencies = ropeInverseFrequencies(config);
  const embed = tensor(weights, "model.embed_tokens.weight", vocab * d);
  let hidden = inputIds.map((id) => Float64Array.from(embed.subarray(id * d, (id + 1) * d)));
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    const wq = tensor(weights, `${p}.self_attn.q_proj.weight`, heads * headDim * d);
    const wk = tensor(weights, `${p}.self_attn.k_proj.weight`, kvHeads * headDim * d);
    const wv = tensor(weights, `${p}.self_attn.v_proj.weight`, kvHeads * headDim * d);
    const wo = tensor(weights, `${p}.self_attn.o_proj.weight`, d * heads * headDim);
    const inputNorm = tensor(weights, `${p}.input_layernorm.weight`, d);
    const postNorm = tensor(weights, `${p}.post_attention_layernorm.weight`, d);
    const gate = tensor(weights, `${p}.mlp.gate_proj.weight`, f * d);
    const up = tensor(weights, `${p}.mlp.up_proj.weight`, f * d);
    const down = tensor(weights, `${p}.mlp.down_proj.weight`, d * f);
    const normed = hidden.map((h) => rmsNorm(h, inputNorm, config.rms_norm_eps));
    const q = normed.map((x, t) => {
      const y = linear(wq, x, heads * headDim);
      applyRope(y, heads, headDim, t, inverseFrequencies);
      return y;
    });
    const k = normed.map((x, t) => {
      const y = linear(wk, x, kvHeads * headDim);
      applyRope(y, kvHeads, headDim, t, inverseFrequencies);
      return y;
    });
    const v = normed.map((x) => linear(wv, x, kvHeads * headDim));
    hidden = hidden.map((h, s) => {
      const attended = new Float64Array(heads * headDim);
      for (let head = 0; head < heads; head++) {
        const kvHead = Math.floor(head / groups);
        const scores = new Float64Array(s + 1);
        let max = Number.NEGATIVE_INFINITY;
        for (let t = 0; t <= s; t++) {
          let dot = 0;
          for (let i = 0; i < headDim; i++)
            dot += (q[s]?.[head * headDim + i] as number) * (k[t]?.[kvHead * headDim + i] as number);
          scores[t] = dot / Math.sqrt(headDim);
          max = Math.max(max, scores[t] as number);
        }
        let sum = 0;
        for (let t = 0; t <= s; t++) {
          scores[t] = Math.exp((scores[t] as number) - max);
          sum += scores[t] as number;
        }
        for (let t = 0; t <= s; t++)
          for (let i = 0; i < headDim; i++)
            attended[head * headDim + i] =
              (attended[head * headDim + i] as number) +
              ((scores[t] as number) / sum) * (v[t]?.[kvHead * headDim + i] as number);
      }
      const afterAttention = linear(wo, attended, d).map((y, i) => y + (h[i] as number));
      const x2 = rmsNorm(afterAttention, postNorm, config.rms_norm_eps);
      const g = linear(gate, x2, f);
      const u = linear(up, x2, f);
      const activated = g.map((z, i) => (z / (1 + Math.exp(-z))) * (u[i] as number));
      return linear(down, activated, d).map((y, i) => y + (afterAttention[i] as number));
    });
  }
  const finalNorm = tensor(weights, "model.norm.weight", d);
  const head = config.tie_word_embeddings ? embed : tensor(weights, "lm_head.weight", vocab * d);
  return hidden.map((h) => linear(head, rmsNorm(h, finalNorm, config.rms_norm_eps), vocab));
}
