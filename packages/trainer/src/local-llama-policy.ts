import { generateGroups, type Policy, type SampleGroup, type SamplingOptionsInput } from "@swerl/rollout";
import { type KvCacheLlama, KvCacheLlama as KvCacheModel, type KvState } from "./kv-cache-llama.js";
import { readModelDir } from "./model-dir.js";
import { loadModelTokenizer, type ModelTokenizer } from "./model-tokenizer.js";

interface CachedPrefix {
  state: KvState;
  logits: Float32Array;
  /** Another sequence may extend this prefix too: extend a copy, never the state itself. */
  shared: boolean;
}

/**
 * A `Policy` over a Llama model directory that runs in this process: KV-cache decoding in float32 with
 * rollout's `generateGroups` loop (seeded draws, stop strings, end tokens). The G samples of a prompt
 * share its prefill. `updateWeights(dir)` / `setWeights` sync it with the trainer after each update.
 */
export class LocalLlamaPolicy implements Policy {
  readonly model: string;
  readonly tokenizer: ModelTokenizer;
  readonly #llama: KvCacheLlama;

  constructor(model: string, llama: KvCacheLlama, tokenizer: ModelTokenizer) {
    this.model = model;
    this.#llama = llama;
    this.tokenizer = tokenizer;
  }

  static async fromDirectory(dir: string): Promise<LocalLlamaPolicy> {
    const { config, weights } = await readModelDir(dir);
    return new LocalLlamaPolicy(dir, new KvCacheModel(config, weights.values), await loadModelTokenizer(dir));
  }

  /** Reads the weights of a model directory with the same config (weight sync through files). */
  async updateWeights(dir: string): Promise<void> {
    this.#llama.setWeights((await readModelDir(dir)).weights.values);
  }

  /** Uses these weights from now on (read, not copied: later in-place updates are seen). */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.#llama.setWeights(weights);
  }

  #logits(sequence: readonly number[], cache: Map<string, CachedPrefix>): Float32Array {
    const key = sequence.join(",");
    const hit = cache.get(key);
    if (hit && hit.state.length === sequence.length) {
      hit.shared = true;
      return hit.logits;
    }
    const last = sequence[sequence.length - 1] as number;
    const prefixKey = key.slice(0, Math.max(0, key.lastIndexOf(",")));
    const prefix = cache.get(prefixKey);
    let entry: CachedPrefix;
    if (prefix && prefix.state.length === sequence.length - 1) {
      const state = prefix.shared ? this.#llama.cloneState(prefix.state) : prefix.state;
      if (!prefix.shared) cache.delete(prefixKey);
      entry = { state, logits: this.#llama.step(state, last) as Float32Array, shared: false };
    } else {
      const state = this.#llama.emptyState();
      for (const token of sequence.slice(0, -1)) this.#llama.step(state, token, false);
      entry = { state, logits: this.#llama.step(state, last) as Float32Array, shared: true };
    }
    cache.set(key, entry);
    return entry.logits;
  }

  async sample(prompts: readonly string[], options: SamplingOptionsInput): Promise<SampleGroup[]> {
    const promptIds = prompts.map((prompt) => this.tokenizer.encode(prompt));
    const cache = new Map<string, CachedPrefix>();
    return generateGroups(
      promptIds,
      options,
      async (sequences) => sequences.map((sequence) => this.#logits(sequence, cache)),
      this.tokenizer,
    );
  }

  async close(): Promise<void> {}
}
