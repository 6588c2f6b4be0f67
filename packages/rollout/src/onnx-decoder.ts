import ort from "onnxruntime-node";
import { ModelDirectoryError } from "./errors.js";

/** What the decoder needs to know about the graph's cache tensors. */
export interface DecoderShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
}

/**
 * The key/value cache of a batch of equally long sequences: per layer the key then the value tensor,
 * each [batch, kvHeads, length, headDim] row-major.
 */
export interface KvCache {
  batch: number;
  length: number;
  tensors: Float32Array[];
}

export interface DecoderSessionOptions {
  /** Intra-op threads of ONNX Runtime; its default (all cores) when absent. */
  threads?: number;
}

/**
 * One ONNX Runtime session over an Optimum-layout decoder with past (`input_ids`, `attention_mask`,
 * `position_ids`, `past_key_values.N.key/value` -> `logits`, `present.N.key/value`), run on batches of
 * sequences that share one length, so no padding is ever needed.
 */
export class OnnxDecoder {
  readonly shape: DecoderShape;
  readonly #session: ort.InferenceSession;
  readonly #hasPositionIds: boolean;
  /** The graph takes the prompt's cache once as `prefix_key_values` (buildLlamaSharedPrefixOnnx). */
  readonly sharedPrefix: boolean;

  private constructor(session: ort.InferenceSession, shape: DecoderShape) {
    this.#session = session;
    this.shape = shape;
    this.#hasPositionIds = session.inputNames.includes("position_ids");
    this.sharedPrefix = session.inputNames.includes("prefix_key_values.0.key");
  }

  /** Loads a graph from a file path or from serialised ModelProto bytes. */
  static async create(
    model: string | Uint8Array,
    shape: DecoderShape,
    options: DecoderSessionOptions = {},
    source = typeof model === "string" ? model : "<onnx bytes>",
  ): Promise<OnnxDecoder> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      interOpNumThreads: 1,
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    };
    let session: ort.InferenceSession;
    try {
      session =
        typeof model === "string"
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
    } catch (cause) {
      throw new ModelDirectoryError(source, `ONNX Runtime cannot load the model: ${String(cause)}`, {
        cause,
      });
    }
    const missing = ["input_ids", "attention_mask", "past_key_values.0.key"].filter(
      (name) => !session.inputNames.includes(name),
    );
    if (missing.length > 0 || !session.outputNames.includes("logits"))
      throw new ModelDirectoryError(
        source,
        `not an Optimum decoder with past: inputs ${session.inputNames.join(", ")}; outputs ${session.outputNames.join(", ")}`,
      );
    return new OnnxDecoder(session, shape);
  }

  emptyCache(batch: number): KvCache {
    return {
      batch,
      length: 0,
      tensors: Array.from({ length: 2 * this.shape.layers }, () => new Float32Array(0)),
    };
  }

  /**
   * Feeds `tokens` (one row per cached sequence, all rows the same length) after `cache` and returns
   * the logits of every fed position, [batch, rows' length, vocab], and the grown cache. With `prefix`
   * (a batch-1 cache every row continues; shared-prefix graphs only), `cache` holds only what follows it.
   */
  async run(
    tokens: ReadonlyArray<readonly number[]>,
    cache: KvCache,
    prefix?: KvCache,
  ): Promise<{ logits: Float32Array; cache: KvCache }> {
    const batch = tokens.length;
    const length = tokens[0]?.length ?? 0;
    const total = cache.length + length;
    const offset = (prefix?.length ?? 0) + cache.length;
    const inputIds = new BigInt64Array(batch * length);
    const positions = new BigInt64Array(batch * length);
    for (const [b, row] of tokens.entries())
      for (const [s, id] of row.entries()) {
        inputIds[b * length + s] = BigInt(id);
        positions[b * length + s] = BigInt(offset + s);
      }
    const { kvHeads, headDim } = this.shape;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", inputIds, [batch, length]),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(batch * total).fill(1n), [batch, total]),
    };
    if (this.#hasPositionIds) feeds.position_ids = new ort.Tensor("int64", positions, [batch, length]);
    for (let layer = 0; layer < this.shape.layers; layer++)
      ["key", "value"].forEach((kind, k) => {
        feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor(
          "float32",
          cache.tensors[2 * layer + k] as Float32Array,
          [batch, kvHeads, cache.length, headDim],
        );
      });
    if (prefix) {
      if (!this.sharedPrefix)
        throw new TypeError(
          "a prefix cache needs a graph with prefix_key_values inputs (buildLlamaSharedPrefixOnnx)",
        );
      for (let layer = 0; layer < this.shape.layers; layer++)
        ["key", "value"].forEach((kind, k) => {
          feeds[`prefix_key_values.${layer}.${kind}`] = new ort.Tensor(
            "float32",
            prefix.tensors[2 * layer + k] as Float32Array,
            [1, kvHeads, prefix.length, headDim],
          );
        });
    }
    const outputs = await this.#session.run(feeds);
    const tensors: Float32Array[] = [];
    for (let layer = 0; layer < this.shape.layers; layer++)
      for (const kind of ["key", "value"])
        tensors.push(outputs[`present.${layer}.${kind}`]?.data as Float32Array);
    return { logits: outputs.logits?.data as Float32Array, cache: { batch, length: total, tensors } };
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

/** The cache of `rows` of `cache`, in that order (a row may repeat: prefix sharing). */
export function selectCacheRows(cache: KvCache, rows: readonly number[]): KvCache {
  return {
    batch: rows.length,
    length: cache.length,
    tensors: cache.tensors.map((tensor) => {
      const rowSize = tensor.length / cache.batch;
      const out = new Float32Array(rows.length * rowSize);
      rows.forEach((row, i) => {
        out.set(tensor.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      });
      return out;
    }),
  };
}
