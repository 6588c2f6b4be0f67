import { access } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { LlamaConfig, type RolloutSample } from "@swerl/schema";
import { z } from "zod";
import { ModelDirectoryError, PolicyInputError } from "./errors.js";
import { buildLlamaOnnx, headDimOf } from "./llama-onnx-graph.js";
import { readModelWeights } from "./model-directory.js";
import { loadTokenizer, type ModelTokenizer, readModelJson } from "./model-tokenizer.js";
import { type DecoderShape, OnnxDecoder, selectCacheRows } from "./onnx-decoder.js";
import type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";
import { SamplingOptions } from "./policy.js";
import { sampleToken } from "./sample-token.js";
import { seededUniform } from "./seeded-uniform.js";
import { findStop } from "./stop-strings.js";

export const OnnxPolicyOptions = z.object({
  /** ONNX Runtime intra-op threads; its default (all cores) when absent. */
  threads: z.number().int().positive().optional(),
  /** Most sequences decoded in one step; a group larger than this is decoded in several passes. */
  batchSize: z.number().int().positive().default(16),
  /** The policy's name in rollout records; the directory name when absent. */
  model: z.string().min(1).optional(),
});
export type OnnxPolicyOptions = z.input<typeof OnnxPolicyOptions>;

interface Running {
  sample: number;
  tokenIds: number[];
  tokenLogprobs: number[];
  /** Decoded text length at the previous stop-string scan. */
  scanned: number;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function decoderShape(dir: string): Promise<{ shape: DecoderShape; maxPositions: number }> {
  const parsed = LlamaConfig.safeParse(await readModelJson(dir, "config.json"));
  if (!parsed.success)
    throw new ModelDirectoryError(join(dir, "config.json"), `not a Llama config: ${parsed.error.message}`);
  const config = parsed.data;
  return {
    shape: {
      layers: config.num_hidden_layers,
      kvHeads: config.num_key_value_heads,
      headDim: headDimOf(config),
      vocabSize: config.vocab_size,
    },
    maxPositions: config.max_position_embeddings,
  };
}

/**
 * A Policy on ONNX Runtime for decoder-only models in the Hugging Face Optimum layout: each prompt is
 * prefilled once and its cache shared by its G samples, which decode together in batches of at most
 * `batchSize`; draws come from `seededUniform(seed, [prompt, sample], step)`, so samples do not depend on
 * the batch size; logprobs are our own log-softmax of the logits at the sampling temperature.
 */
export class OnnxPolicy implements Policy {
  readonly model: string;
  readonly tokenizer: ModelTokenizer;
  readonly #options: z.infer<typeof OnnxPolicyOptions>;
  #decoder: OnnxDecoder;
  #maxPositions: number;

  private constructor(
    model: string,
    tokenizer: ModelTokenizer,
    decoder: OnnxDecoder,
    maxPositions: number,
    options: z.infer<typeof OnnxPolicyOptions>,
  ) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.#decoder = decoder;
    this.#maxPositions = maxPositions;
    this.#options = options;
  }

  /** The model's `max_position_embeddings`: prompt plus generated tokens stay below it. */
  get maxPositions(): number {
    return this.#maxPositions;
  }

  /** Loads config.json, the tokenizer files and `onnx/model.onnx` (or `model.onnx`) of a model directory. */
  static async fromDirectory(dir: string, optionsInput: OnnxPolicyOptions = {}): Promise<OnnxPolicy> {
    const options = OnnxPolicyOptions.parse(optionsInput);
    const [{ shape, maxPositions }, tokenizer] = await Promise.all([decoderShape(dir), loadTokenizer(dir)]);
    const candidates = [join(dir, "onnx", "model.onnx"), join(dir, "model.onnx")];
    let file: string | undefined;
    for (const candidate of candidates) if (await exists(candidate)) file ??= candidate;
    if (!file)
      throw new ModelDirectoryError(
        dir,
        "no onnx/model.onnx; write one with exportOnnx(dir) or an Optimum export",
      );
    const decoder = await OnnxDecoder.create(file, shape, {
      ...(options.threads ? { threads: options.threads } : {}),
    });
    return new OnnxPolicy(options.model ?? basename(resolve(dir)), tokenizer, decoder, maxPositions, options);
  }

  /**
   * Weight sync: a new session on the weights of `dir` (built in memory from config.json +
   * model.safetensors when present, else its onnx/model.onnx). Not to be called while `sample` runs.
   */
  async updateWeights(dir: string): Promise<void> {
    const { shape, maxPositions } = await decoderShape(dir);
    const threads = this.#options.threads ? { threads: this.#options.threads } : {};
    let decoder: OnnxDecoder;
    if (await exists(join(dir, "model.safetensors"))) {
      const { config, weights } = await readModelWeights(dir);
      decoder = await OnnxDecoder.create(
        buildLlamaOnnx(config, weights),
        shape,
        threads,
        join(dir, "model.safetensors"),
      );
    } else decoder = await OnnxDecoder.create(join(dir, "onnx", "model.onnx"), shape, threads);
    const old = this.#decoder;
    this.#decoder = decoder;
    this.#maxPositions = maxPositions;
    await old.release();
  }

  /** Logits of every position of `tokenIds` in one forward pass without a cache, [T][vocab]. */
  async logits(tokenIds: readonly number[]): Promise<Float32Array[]> {
    const { logits } = await this.#decoder.run([tokenIds], this.#decoder.emptyCache(1));
    const vocab = this.#decoder.shape.vocabSize;
    return tokenIds.map((_, t) => logits.slice(t * vocab, (t + 1) * vocab));
  }

  async sample(prompts: readonly string[], optionsInput: SamplingOptionsInput): Promise<SampleGroup[]> {
    const options = SamplingOptions.parse(optionsInput);
    const groups: SampleGroup[] = [];
    for (const [group, prompt] of prompts.entries()) {
      const promptTokenIds = this.tokenizer.encode(prompt);
      groups.push({ promptTokenIds, samples: await this.#sampleGroup(group, promptTokenIds, options) });
    }
    return groups;
  }

  async #sampleGroup(group: number, promptIds: number[], options: SamplingOptions): Promise<RolloutSample[]> {
    if (promptIds.length === 0) throw new PolicyInputError(`prompt ${group} is empty after tokenisation`);
    if (promptIds.length >= this.#maxPositions)
      throw new PolicyInputError(
        `prompt ${group} has ${promptIds.length} tokens; the model takes at most ${this.#maxPositions - 1} before generating (max_position_embeddings ${this.#maxPositions})`,
      );
    const decoder = this.#decoder;
    const vocab = decoder.shape.vocabSize;
    const prefill = await decoder.run([promptIds], decoder.emptyCache(1));
    const promptLogits = prefill.logits.subarray((promptIds.length - 1) * vocab, promptIds.length * vocab);
    const samples: RolloutSample[] = new Array(options.n);
    const eos = new Set(this.tokenizer.eosTokenIds);
    for (let first = 0; first < options.n; first += this.#options.batchSize) {
      let running: Running[] = [];
      for (let sample = first; sample < Math.min(options.n, first + this.#options.batchSize); sample++)
        running.push({ sample, tokenIds: [], tokenLogprobs: [], scanned: 0 });
      let cache = selectCacheRows(
        prefill.cache,
        running.map(() => 0),
      );
      let rowLogits: Float32Array[] = running.map(() => promptLogits);
      while (running.length > 0) {
        const kept: number[] = [];
        running.forEach((run, row) => {
          const u = seededUniform(options.seed, [group, run.sample], run.tokenIds.length);
          const token = sampleToken(rowLogits[row] as Float32Array, options, u);
          run.tokenIds.push(token.tokenId);
          run.tokenLogprobs.push(token.logprob);
          const done = this.#finished(run, eos.has(token.tokenId), promptIds.length, options);
          if (done) samples[run.sample] = done;
          else kept.push(row);
        });
        if (kept.length === 0) break;
        if (kept.length < running.length) cache = selectCacheRows(cache, kept);
        running = kept.map((row) => running[row] as Running);
        const step = await decoder.run(
          running.map((run) => [run.tokenIds.at(-1) as number]),
          cache,
        );
        cache = step.cache;
        rowLogits = running.map((_, row) => step.logits.subarray(row * vocab, (row + 1) * vocab));
      }
    }
    return samples;
  }

  /** The finished sample when `run`'s last token ends it (end token, stop string, length), else undefined. */
  #finished(
    run: Running,
    endToken: boolean,
    promptLength: number,
    options: SamplingOptions,
  ): RolloutSample | undefined {
    const sample = (finishReason: RolloutSample["finishReason"], text: string): RolloutSample => ({
      text,
      tokenIds: run.tokenIds,
      tokenLogprobs: run.tokenLogprobs,
      finishReason,
    });
    if (endToken) return sample("stop", this.tokenizer.decode(run.tokenIds.slice(0, -1)));
    if (options.stop.length > 0) {
      const text = this.tokenizer.decode(run.tokenIds);
      // A few characters back: a partly decoded UTF-8 character at the end may change when completed.
      const stopAt = findStop(text, options.stop, Math.max(0, run.scanned - 4));
      run.scanned = text.length;
      if (stopAt !== -1) return sample("stop", text.slice(0, stopAt));
    }
    if (run.tokenIds.length >= options.maxTokens || promptLength + run.tokenIds.length >= this.#maxPositions)
      return sample("length", this.tokenizer.decode(run.tokenIds));
    return undefined;
  }

  async close(): Promise<void> {
    await this.#decoder.release();
  }
}
