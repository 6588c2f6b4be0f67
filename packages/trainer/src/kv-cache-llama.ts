import { ropeInverseFrequencies } from "@swerl/rollout";
import type { LlamaConfig } from "@swerl/schema";
import { ModelWeightsError } from "./errors.js";

/** Keys and values of every layer for the tokens processed so far (float32, [position, kvDim] rows). */
export interface KvState {
  keys: Float32Array[];
  values: Float32Array[];
  length: number;
}

interface Layer {
  inputNorm: Float32Array;
  postNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

function linear(weight: Float32Array, x: Float32Array, out: Float32Array): Float32Array {
  const inSize = x.length;
  for (let o = 0; o < out.length; o++) {
    let sum = 0;
    const row = o * inSize;
    for (let i = 0; i < inSize; i++) sum += (weight[row + i] as number) * (x[i] as number);
    out[o] = sum;
  }
  return out;
}

function rmsNorm(x: Float32Array, weight: Float32Array, eps: number, out: Float32Array): Float32Array {
  let sumSquares = 0;
  for (let i = 0; i < x.length; i++) sumSquares += (x[i] as number) * (x[i] as number);
  const scale = 1 / Math.sqrt(sumSquares / x.length + eps);
  for (let i = 0; i < x.length; i++) out[i] = (weight[i] as number) * (x[i] as number) * scale;
  return out;
}

/**
 * Incremental (KV-cache) float32 forward pass of a Hugging Face Llama in plain TypeScript: one token at a
 * time, O(T) per token. The local engine's sampler; the same architecture as `llamaTargetLogprobs`.
 */
export class KvCacheLlama {
  readonly config: LlamaConfig;
  #weights!: ReadonlyMap<string, Float32Array>;
  #layers: Layer[] = [];
  #embed!: Float32Array;
  #norm!: Float32Array;
  #head!: Float32Array;
  readonly #headDim: number;
  readonly #cos: Float32Array;
  readonly #sin: Float32Array;

  constructor(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>) {
    this.config = config;
    this.#headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    const half = this.#headDim / 2;
    const positions = config.max_position_embeddings;
    this.#cos = new Float32Array(positions * half);
    this.#sin = new Float32Array(positions * half);
    const inverseFrequencies = ropeInverseFrequencies(config);
    for (let t = 0; t < positions; t++)
      for (let i = 0; i < half; i++) {
        const angle = t * (inverseFrequencies[i] as number);
        this.#cos[t * half + i] = Math.cos(angle);
        this.#sin[t * half + i] = Math.sin(angle);
      }
    this.setWeights(weights);
  }

  /** Uses new weights (same names and sizes); the arrays are read, not copied. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    const get = (name: string) => {
      const w = weights.get(name);
      if (!w) throw new ModelWeightsError(name, "missing (Hugging Face Llama tensor names expected)");
      return w;
    };
    this.#weights = weights;
    this.#embed = get("model.embed_tokens.weight");
    this.#norm = get("model.norm.weight");
    this.#head = this.config.tie_word_embeddings ? this.#embed : get("lm_head.weight");
    this.#layers = Array.from({ length: this.config.num_hidden_layers }, (_, l) => {
      const p = `model.layers.${l}.`;
      return {
        inputNorm: get(`${p}input_layernorm.weight`),
        postNorm: get(`${p}post_attention_layernorm.weight`),
        q: get(`${p}self_attn.q_proj.weight`),
        k: get(`${p}self_attn.k_proj.weight`),
        v: get(`${p}self_attn.v_proj.weight`),
        o: get(`${p}self_attn.o_proj.weight`),
        gate: get(`${p}mlp.gate_proj.weight`),
        up: get(`${p}mlp.up_proj.weight`),
        down: get(`${p}mlp.down_proj.weight`),
      };
    });
  }

  get weights(): ReadonlyMap<string, Float32Array> {
    return this.#weights;
  }

  emptyState(): KvState {
    const kvDim = this.config.num_key_value_heads * this.#headDim;
    const capacity = this.config.max_position_embeddings * kvDim;
    return {
      keys: this.#layers.map(() => new Float32Array(capacity)),
      values: this.#layers.map(() => new Float32Array(capacity)),
      length: 0,
    };
  }

  cloneState(state: KvState): KvState {
    const kvDim = this.config.num_key_value_heads * this.#headDim;
    const copy = this.emptyState();
    const used = state.length * kvDim;
    for (const [l, k] of state.keys.entries()) copy.keys[l]?.set(k.subarray(0, used));
    for (const [l, v] of state.values.entries()) copy.values[l]?.set(v.subarray(0, used));
    copy.length = state.length;
    return copy;
  }

  #rope(x: Float32Array, heads: number, position: number): void {
    const hd = this.#headDim;
    const half = hd / 2;
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < half; i++) {
        const cos = this.#cos[position * half + i] as number;
        const sin = this.#sin[position * half + i] as number;
        const a = x[h * hd + i] as number;
        const b = x[h * hd + half + i] as number;
        x[h * hd + i] = a * cos - b * sin;
        x[h * hd + half + i] = b * cos + a * sin;
      }
  }

  /** Appends `token` at position `state.length`; returns the next-token logits when `wantLogits`. */
  step(state: KvState, token: number, wantLogits = true): Float32Array | null {
    const c = this.config;
    const d = c.hidden_size;
    const hd = this.#headDim;
    const heads = c.num_attention_heads;
    const kvHeads = c.num_key_value_heads;
    const kvDim = kvHeads * hd;
    const position = state.length;
    if (position >= c.max_position_embeddings)
      throw new ModelWeightsError("input_ids", `position ${position} exceeds max_position_embeddings`);
    if (token < 0 || token >= c.vocab_size)
      throw new ModelWeightsError("input_ids", `token ${token} out of range`);
    const x = Float32Array.from(this.#embed.subarray(token * d, (token + 1) * d));
    const normed = new Float32Array(d);
    const q = new Float32Array(heads * hd);
    const attended = new Float32Array(heads * hd);
    const projected = new Float32Array(d);
    const gate = new Float32Array(c.intermediate_size);
    const up = new Float32Array(c.intermediate_size);
    const scale = 1 / Math.sqrt(hd);
    const scores = new Float32Array(position + 1);
    for (const [l, layer] of this.#layers.entries()) {
      const keys = state.keys[l] as Float32Array;
      const values = state.values[l] as Float32Array;
      rmsNorm(x, layer.inputNorm, c.rms_norm_eps, normed);
      linear(layer.q, normed, q);
      const k = keys.subarray(position * kvDim, (position + 1) * kvDim);
      linear(layer.k, normed, k);
      linear(layer.v, normed, values.subarray(position * kvDim, (position + 1) * kvDim));
      this.#rope(q, heads, position);
      this.#rope(k, kvHeads, position);
      attended.fill(0);
      for (let h = 0; h < heads; h++) {
        const kvOffset = Math.floor(h / (heads / kvHeads)) * hd;
        let max = Number.NEGATIVE_INFINITY;
        for (let t = 0; t <= position; t++) {
          let dot = 0;
          const base = t * kvDim + kvOffset;
          for (let i = 0; i < hd; i++) dot += (q[h * hd + i] as number) * (keys[base + i] as number);
          scores[t] = dot * scale;
          if (dot * scale > max) max = dot * scale;
        }
        let sum = 0;
        for (let t = 0; t <= position; t++) {
          const e = Math.exp((scores[t] as number) - max);
          scores[t] = e;
          sum += e;
        }
        for (let t = 0; t <= position; t++) {
          const w = (scores[t] as number) / sum;
          const base = t * kvDim + kvOffset;
          for (let i = 0; i < hd; i++)
            attended[h * hd + i] = (attended[h * hd + i] as number) + w * (values[base + i] as number);
        }
      }
      linear(layer.o, attended, projected);
      for (let i = 0; i < d; i++) x[i] = (x[i] as number) + (projected[i] as number);
      rmsNorm(x, layer.postNorm, c.rms_norm_eps, normed);
      linear(layer.gate, normed, gate);
      linear(layer.up, normed, up);
      for (let i = 0; i < gate.length; i++) {
        const g = gate[i] as number;
        gate[i] = (g / (1 + Math.exp(-g))) * (up[i] as number);
      }
      linear(layer.down, gate, projected);
      for (let i = 0; i < d; i++) x[i] = (x[i] as number) + (projected[i] as number);
    }
    state.length = position + 1;
    if (!wantLogits) return null;
    return linear(this.#head, rmsNorm(x, this.#norm, c.rms_norm_eps, normed), new Float32Array(c.vocab_size));
  }
}
