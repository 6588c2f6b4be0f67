import { type BackwardRule, buildLlamaTrainingGraphs, EMBEDDING_ROWS_GRAD, ropeTables } from "@swerl/rollout";
import type { LlamaConfig } from "@swerl/schema";
import ort from "onnxruntime-node";
import { z } from "zod";
import { ModelWeightsError } from "./errors.js";
import type { LlamaWeights } from "./jit-llama.js";
import { attentionBias, isShared, type PackedRow, packRows } from "./packed-rows.js";
import type { GradientPass, ResponseScores, ResponseSequence, TrainingEngine } from "./training-engine.js";

/** Session options of the ONNX Runtime training engine. */
export const OrtEngineConfig = z.strictObject({
  threads: z.number().int().positive().default(2).describe("ONNX Runtime intra-op threads per session"),
  executionProviders: z
    .array(z.string())
    .default(["cpu"])
    .describe("ONNX Runtime execution providers in order of preference (e.g. cuda, cpu)"),
  maxBatchTokens: z
    .number()
    .int()
    .positive()
    .default(8192)
    .describe("padded positions (sequences x length) per micro-batch"),
  sharePrompts: z
    .boolean()
    .default(true)
    .describe("sequences with the same prompt (a GRPO group) share one copy of it in a packed row"),
  lengthBucket: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe("sequence lengths are padded to a multiple of this"),
});
export type OrtEngineConfigInput = z.input<typeof OrtEngineConfig>;

const EMBED = "model.embed_tokens.weight";

interface MicroBatch {
  /** Per sequence of the micro-batch, its index, its first row in the M head rows and its response length. */
  spans: Array<{ index: number; start: number; length: number }>;
  feeds: Record<string, ort.Tensor>;
}

/**
 * The local training engine on ONNX Runtime: rollout's hand-derived training graphs
 * (`buildLlamaTrainingGraphs`) in three sessions (score, forward with saved activations, backward), the
 * weights fed as inputs (the Float32Arrays Adam updates in place, wrapped without copying), the output
 * head run only at response positions. Sequences that share a prompt share it in one packed row
 * (`sharePrompts`, see packed-rows.ts); rows are sorted by length and cut into micro-batches of at most
 * `maxBatchTokens` padded positions.
 */
export class OrtLlama implements TrainingEngine {
  readonly config: LlamaConfig;
  readonly weights: LlamaWeights;
  readonly #options: z.infer<typeof OrtEngineConfig>;
  readonly #score: ort.InferenceSession;
  readonly #forward: ort.InferenceSession;
  readonly #backward: ort.InferenceSession;
  readonly #savedNames: string[];
  readonly #weightShapes: Array<[string, number[]]>;
  readonly #breakRule: BackwardRule | undefined;
  /** Causal tables of plain micro-batches, by padded length: broadcast over the batch. */
  readonly #tables = new Map<number, { cos: ort.Tensor; sin: ort.Tensor; bias: ort.Tensor }>();
  #fullRope: { cos: Float32Array; sin: Float32Array } | undefined;

  private constructor(
    config: LlamaConfig,
    weights: LlamaWeights,
    options: z.infer<typeof OrtEngineConfig>,
    sessions: [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession],
    savedNames: string[],
    weightShapes: Array<[string, number[]]>,
    breakRule: BackwardRule | undefined,
  ) {
    this.config = config;
    this.weights = weights;
    this.#options = options;
    [this.#score, this.#forward, this.#backward] = sessions;
    this.#savedNames = savedNames;
    this.#weightShapes = weightShapes;
    this.#breakRule = breakRule;
  }

  static async create(
    config: LlamaConfig,
    weights: LlamaWeights,
    options: OrtEngineConfigInput & { breakRule?: BackwardRule } = {},
  ): Promise<OrtLlama> {
    const { breakRule, ...rest } = options;
    const parsed = OrtEngineConfig.parse(rest);
    const graphs = buildLlamaTrainingGraphs(config, breakRule ? { breakRule } : {});
    for (const [name, shape] of graphs.weightShapes) {
      const values = weights.values.get(name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!values || values.length !== size)
        throw new ModelWeightsError(name, values ? `${values.length} values, expected ${size}` : "missing");
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      intraOpNumThreads: parsed.threads,
      interOpNumThreads: 1,
      executionProviders: parsed.executionProviders,
    };
    const sessions = (await Promise.all(
      [graphs.score, graphs.forward, graphs.backward].map((bytes) =>
        ort.InferenceSession.create(bytes, sessionOptions),
      ),
    )) as [ort.InferenceSession, ort.InferenceSession, ort.InferenceSession];
    return new OrtLlama(config, weights, parsed, sessions, graphs.savedNames, graphs.weightShapes, breakRule);
  }

  /** Weights are read at every run: nothing to do (kept for the TrainingEngine contract). */
  weightsChanged(): void {}

  #weightFeeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, shape] of this.#weightShapes)
      feeds[name] = new ort.Tensor("float32", this.weights.values.get(name) as Float32Array, shape);
    return feeds;
  }

  get #headDim(): number {
    return this.config.head_dim ?? this.config.hidden_size / this.config.num_attention_heads;
  }

  /** RoPE tables [1, 1, T, hd] and the causal bias [1, 1, 1, T, T] of a micro-batch of lone sequences. */
  #plainTables(length: number) {
    let tables = this.#tables.get(length);
    if (!tables) {
      const { cos, sin } = ropeTables(this.config, length);
      const bias = new Float32Array(length * length);
      for (let q = 0; q < length; q++) for (let k = q + 1; k < length; k++) bias[q * length + k] = -1e9;
      tables = {
        cos: new ort.Tensor("float32", cos, [1, 1, length, this.#headDim]),
        sin: new ort.Tensor("float32", sin, [1, 1, length, this.#headDim]),
        bias: new ort.Tensor("float32", bias, [1, 1, 1, length, length]),
      };
      this.#tables.set(length, tables);
    }
    return tables;
  }

  /** Per-row RoPE tables [B, 1, T, hd] (each column at its own position) and block biases [B, 1, 1, T, T]. */
  #packedTables(rows: PackedRow[], length: number) {
    const hd = this.#headDim;
    this.#fullRope ??= ropeTables(this.config, this.config.max_position_embeddings);
    const full = this.#fullRope;
    const cos = new Float32Array(rows.length * length * hd);
    const sin = new Float32Array(rows.length * length * hd);
    const bias = new Float32Array(rows.length * length * length);
    rows.forEach((row, b) => {
      for (let t = 0; t < length; t++) {
        // padding columns take position 0: no real column sees them
        const position = row.positions[t] ?? 0;
        cos.set(full.cos.subarray(position * hd, (position + 1) * hd), (b * length + t) * hd);
        sin.set(full.sin.subarray(position * hd, (position + 1) * hd), (b * length + t) * hd);
      }
      attentionBias(row, length, bias, b * length * length);
    });
    return {
      cos: new ort.Tensor("float32", cos, [rows.length, 1, length, hd]),
      sin: new ort.Tensor("float32", sin, [rows.length, 1, length, hd]),
      bias: new ort.Tensor("float32", bias, [rows.length, 1, 1, length, length]),
    };
  }

  #batches(sequences: readonly ResponseSequence[]): MicroBatch[] {
    const limit = this.config.max_position_embeddings;
    sequences.forEach((s, i) => {
      if (s.promptLength < 1 || s.promptLength >= s.tokenIds.length)
        throw new ModelWeightsError(`sequences[${i}]`, "needs a prompt token and a response token");
      if (s.tokenIds.length - 1 > limit)
        throw new ModelWeightsError(
          `sequences[${i}]`,
          `${s.tokenIds.length} tokens exceed max_position_embeddings ${limit}`,
        );
    });
    const rows = packRows(sequences, this.#options.sharePrompts);
    const bucket = this.#options.lengthBucket;
    const padded = (row: PackedRow) => Math.ceil(row.tokenIds.length / bucket) * bucket;
    // Longest first, so a micro-batch's length is its first row's; ties keep the sequences' order.
    const order = rows
      .map((row, r) => ({ row, r }))
      .sort((a, b) => b.row.tokenIds.length - a.row.tokenIds.length || a.r - b.r)
      .map(({ row }) => row);
    const groups: PackedRow[][] = [];
    for (const row of order) {
      const current = groups[groups.length - 1];
      if (current && (current.length + 1) * padded(current[0] as PackedRow) <= this.#options.maxBatchTokens)
        current.push(row);
      else groups.push([row]);
    }
    return groups.map((batchRows) => {
      const length = padded(batchRows[0] as PackedRow);
      const ids = new BigInt64Array(batchRows.length * length);
      const headRows: bigint[] = [];
      const targets: bigint[] = [];
      const spans: MicroBatch["spans"] = [];
      batchRows.forEach((row, b) => {
        row.tokenIds.forEach((id, t) => {
          ids[b * length + t] = BigInt(id);
        });
        row.members.forEach((index, m) => {
          const head = row.heads[m] as PackedRow["heads"][number];
          spans.push({ index, start: headRows.length, length: head.columns.length });
          for (const column of head.columns) headRows.push(BigInt(b * length + column));
          for (const target of head.targets) targets.push(BigInt(target));
        });
      });
      const tables = batchRows.some(isShared)
        ? this.#packedTables(batchRows, length)
        : this.#plainTables(length);
      return {
        spans,
        feeds: {
          input_ids: new ort.Tensor("int64", ids, [batchRows.length, length]),
          rope_cos: tables.cos,
          rope_sin: tables.sin,
          attention_bias: tables.bias,
          head_rows: new ort.Tensor("int64", BigInt64Array.from(headRows), [headRows.length]),
          targets: new ort.Tensor("int64", BigInt64Array.from(targets), [targets.length]),
        },
      };
    });
  }

  #collect(batch: MicroBatch, out: Record<string, ort.Tensor>, scores: ResponseScores): void {
    const logprobs = out.logprobs?.data as Float32Array;
    const entropy = out.entropy?.data as Float32Array;
    for (const { index, start, length } of batch.spans) {
      scores.logprobs[index] = Array.from(logprobs.subarray(start, start + length));
      scores.entropy[index] = Array.from(entropy.subarray(start, start + length));
    }
  }

  async score(sequences: readonly ResponseSequence[]): Promise<ResponseScores> {
    const scores: ResponseScores = { logprobs: [], entropy: [] };
    const weights = this.#weightFeeds();
    for (const batch of this.#batches(sequences))
      this.#collect(batch, await this.#score.run({ ...weights, ...batch.feeds }), scores);
    return scores;
  }

  async gradientPass(sequences: readonly ResponseSequence[]): Promise<GradientPass> {
    const scores: ResponseScores = { logprobs: [], entropy: [] };
    const weights = this.#weightFeeds();
    const batches = this.#batches(sequences);
    const saved: Array<Record<string, ort.Tensor>> = [];
    for (const batch of batches) {
      const out = await this.#forward.run({ ...weights, ...batch.feeds });
      this.#collect(batch, out, scores);
      saved.push(Object.fromEntries(this.#savedNames.map((name) => [name, out[name] as ort.Tensor])));
    }
    return {
      ...scores,
      backward: async (gradLogprobs) => {
        const total = new Map<string, Float32Array>();
        const current = this.#weightFeeds();
        for (const [k, batch] of batches.entries()) {
          const rows = batch.feeds.head_rows?.dims[0] as number;
          const grad = new Float32Array(rows);
          for (const { index, start, length } of batch.spans) {
            const g = gradLogprobs[index];
            if (!g || g.length !== length)
              throw new ModelWeightsError(
                `gradLogprobs[${index}]`,
                `${g?.length ?? 0} values for ${length} response tokens`,
              );
            grad.set(g, start);
          }
          const { attention_bias: _, ...feeds } = batch.feeds;
          const out = await this.#backward.run({
            ...current,
            ...feeds,
            ...(saved[k] as Record<string, ort.Tensor>),
            grad_logprobs: new ort.Tensor("float32", grad, [rows]),
          });
          for (const [name, shape] of this.#weightShapes) {
            let sum = total.get(name);
            if (!sum) {
              sum = new Float32Array(shape.reduce((a, b) => a * b, 1));
              total.set(name, sum);
            }
            const g = out[`grad.${name}`]?.data as Float32Array | undefined;
            if (!g) {
              // An untied table's gradient is only its rows, added below.
              if (name === EMBED && !this.config.tie_word_embeddings) continue;
              throw new ModelWeightsError(name, "the backward graph returned no gradient for it");
            }
            for (let j = 0; j < g.length; j++) sum[j] = (sum[j] as number) + (g[j] as number);
          }
          this.#addEmbeddingRows(
            total.get(EMBED) as Float32Array,
            out[EMBEDDING_ROWS_GRAD]?.data as Float32Array,
            feeds.input_ids?.data as BigInt64Array,
          );
        }
        return total;
      },
    };
  }

  /**
   * Adds each position's embedding-row gradient into its token's row of the table's gradient, in
   * position order (deterministic; ONNX Runtime's ScatterND with reduction=add races across threads).
   */
  #addEmbeddingRows(table: Float32Array, rows: Float32Array, ids: BigInt64Array): void {
    const d = this.config.hidden_size;
    const overwrite = this.#breakRule === "embedding";
    for (let position = 0; position < ids.length; position++) {
      const base = Number(ids[position]) * d;
      const from = position * d;
      for (let j = 0; j < d; j++)
        table[base + j] = (overwrite ? 0 : (table[base + j] as number)) + (rows[from + j] as number);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([this.#score.release(), this.#forward.release(), this.#backward.release()]);
  }
}
