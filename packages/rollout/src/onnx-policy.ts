import { access, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { LlamaConfig, type RolloutSample } from "@swerl/schema";
import { z } from "zod";
import { ModelDirectoryError, PolicyInputError } from "./errors.js";
import { buildLlamaOnnx, buildLlamaSharedPrefixOnnx, headDimOf } from "./llama-onnx-graph.js";
import { readModelWeights } from "./model-directory.js";
import { loadTokenizer, type ModelTokenizer, readModelJson } from "./model-tokenizer.js";
import { type DecoderShape, OnnxDecoder, selectCacheRows } from "./onnx-decoder.js";
import type { Policy, SampleControl, SampleGroup, SamplingOptionsInput } from "./policy.js";
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
  /**
   * Decode a group's samples with a graph that reads the prompt's cache once per step instead of once
   * per sample (buildLlamaSharedPrefixOnnx), built from the directory's model.safetensors when it has
   * one and checked against the ONNX file's logits at load; the plain Optimum graph otherwise.
   */
  sharedPrefix: z.boolean().default(true),
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

/** Largest model.safetensors a shared-prefix graph is built from (ONNX protobufs stop at 2 GiB). */
const SHARED_PREFIX_MAX_BYTES = 1.5 * 2 ** 30;

/**
 * A decoder that takes the prompt cache once (see OnnxPolicyOptions.sharedPrefix) for `dir`'s weights,
 * or undefined when the directory has no usable float32 Llama safetensors or the graph does not give
 * `main`'s logits (within 1e-4) on a probe sequence.
 */
async function sharedPrefixDecoder(
  dir: string,
  main: OnnxDecoder,
  threads: { threads?: number },
  loaded?: Awaited<ReturnType<typeof readModelWeights>>,
): Promise<OnnxDecoder | undefined> {
  const file = join(dir, "model.safetensors");
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0 || size > SHARED_PREFIX_MAX_BYTES) return undefined;
  let decoder: OnnxDecoder;
  try {
    const { config, weights } = loaded ?? (await readModelWeights(dir));
    decoder = await OnnxDecoder.create(
      buildLlamaSharedPrefixOnnx(config, weights),
      main.shape,
      threads,
      file,
    );
  } catch {
    return undefined; // not our model family's weights: the Optimum graph alone serves it
  }
  // probe: 5 tokens at once against 3 as a prefix, then 2 rows continuing with 1 and then 1 more token
  const vocab = main.shape.vocabSize;
  const ids = [1, 7, 3, 11, 5].map((id) => id % vocab);
  const full = await main.run([ids], main.emptyCache(1));
  const prefix = await main.run([ids.slice(0, 3)], main.emptyCache(1));
  const first = await decoder.run(
    [[ids[3] as number], [ids[3] as number]],
    decoder.emptyCache(2),
    prefix.cache,
  );
  const second = await decoder.run([[ids[4] as number], [ids[4] as number]], first.cache, prefix.cache);
  let diff = 0;
  for (const [got, position] of [
    [first.logits, 3],
    [second.logits, 4],
  ] as const)
    for (let row = 0; row < 2; row++)
      for (let v = 0; v < vocab; v++)
        diff = Math.max(
          diff,
          Math.abs((got[row * vocab + v] as number) - (full.logits[position * vocab + v] as number)),
        );
  if (diff <= 1e-4) return decoder;
  await decoder.release();
  return undefined;
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
  #shared: OnnxDecoder | undefined;
  #maxPositions: number;

  private constructor(
    model: string,
    tokenizer: ModelTokenizer,
    decoder: OnnxDecoder,
    shared: OnnxDecoder | undefined,
    maxPositions: number,
    options: z.infer<typeof OnnxPolicyOptions>,
  ) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.#decoder = decoder;
    this.#shared = shared;
    this.#maxPositions = maxPositions;
    this.#options = options;
  }

  /** Whether samples decode with the shared-prefix graph (see OnnxPolicyOptions.sharedPrefix). */
  get sharedPrefix(): boolean {
    return this.#shared !== undefined;
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
    const threads = options.threads ? { threads: options.threads } : {};
    const decoder = await OnnxDecoder.create(file, shape, threads);
    const shared = options.sharedPrefix ? await sharedPrefixDecoder(dir, decoder, threads) : undefined;
    return new OnnxPolicy(
      options.model ?? basename(resolve(dir)),
      tokenizer,
      decoder,
      shared,
      maxPositions,
      options,
    );
  }

  /**
   * Weight sync: a new session on the weights of `dir` (built in memory from config.json +
   * model.safetensors when present, else its onnx/model.onnx). Not to be called while `sample` runs.
   */
  async updateWeights(dir: string): Promise<void> {
    const { shape, maxPositions } = await decoderShape(dir);
    const threads = this.#options.threads ? { threads: this.#options.threads } : {};
    let decoder: OnnxDecoder;
    let loaded: Awaited<ReturnType<typeof readModelWeights>> | undefined;
    if (await exists(join(dir, "model.safetensors"))) {
      loaded = await readModelWeights(dir);
      decoder = await OnnxDecoder.create(
        buildLlamaOnnx(loaded.config, loaded.weights),
        shape,
        threads,
        join(dir, "model.safetensors"),
      );
    } else decoder = await OnnxDecoder.create(join(dir, "onnx", "model.onnx"), shape, threads);
    const shared = this.#options.sharedPrefix
      ? await sharedPrefixDecoder(dir, decoder, threads, loaded)
      : undefined;
    const old = [this.#decoder, this.#shared];
    this.#decoder = decoder;
    this.#shared = shared;
    this.#maxPositions = maxPositions;
    for (const session of old) await session?.release();
  }

  /** Logits of every position of `tokenIds` in one forward pass without a cache, [T][vocab]. */
  async logits(tokenIds: readonly number[]): Promise<Float32Array[]> {
    const { logits } = await this.#decoder.run([tokenIds], this.#decoder.emptyCache(1));
    const vocab = this.#decoder.shape.vocabSize;
    return tokenIds.map((_, t) => logits.slice(t * vocab, (t + 1) * vocab));
  }

  async sample(
    prompts: readonly string[],
    optionsInput: SamplingOptionsInput,
    control: SampleControl = {},
  ): Promise<SampleGroup[]> {
    const options = SamplingOptions.parse(optionsInput);
    const groups: SampleGroup[] = [];
    for (const [group, prompt] of prompts.entries()) {
      const promptTokenIds = this.tokenizer.encode(prompt);
      groups.push({
        promptTokenIds,
        samples: await this.#sampleGroup(group, promptTokenIds, options, control.signal),
      });
    }
    return groups;
  }

  async #sampleGroup(
    group: number,
    promptIds: number[],
    options: SamplingOptions,
    signal?: AbortSignal,
  ): Promise<RolloutSample[]> {
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
      // with a shared-prefix graph the rows' caches hold only generated tokens, after prefill.cache
      const shared = this.#shared;
      let cache = shared
        ? shared.emptyCache(running.length)
        : selectCacheRows(
            prefill.cache,
            running.map(() => 0),
          );
      let rowLogits: Float32Array[] = running.map(() => promptLogits);
      while (running.length > 0) {
        signal?.throwIfAborted();
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
        const next = running.map((run) => [run.tokenIds.at(-1) as number]);
        const step = shared ? await shared.run(next, cache, prefill.cache) : await decoder.run(next, cache);
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
    await this.#shared?.release();
  }
}
