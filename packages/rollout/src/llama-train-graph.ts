import type { LlamaConfig } from "@swerl/schema";
import { llamaTensorShapes } from "./model-directory.js";
import { GraphBuilder, onnx, valueInfo } from "./onnx-graph-builder.js";
import { headDimOf } from "./rope.js";

/**
 * A backward rule a test may break on purpose (`breakRule`) to show that the gradient tests catch it:
 * RMSNorm without its mean term, SiLU without its sigmoid-derivative term, softmax without the
 * subtracted row sum, RoPE's inverse rotation with the wrong sign, and (applied by the engine that adds
 * `grad.embedding_rows` into the table) embedding rows overwritten instead of summed when a token repeats.
 */
export type BackwardRule = "rmsnorm" | "silu" | "softmax" | "rope" | "embedding";

/** The backward graph's output holding d loss / d (embedding row of each input position), [B*T, d]. */
export const EMBEDDING_ROWS_GRAD = "grad.embedding_rows";

export interface TrainingGraphOptions {
  /** Test only: emit this backward rule wrongly (see {@link BackwardRule}). */
  breakRule?: BackwardRule;
}

/**
 * The training graphs of a Llama config, as serialised ModelProtos with the weights as graph INPUTS
 * (Hugging Face names and [out, in] layout, so an optimizer step changes inputs, never the session):
 *
 * - `score`: inputs the weights, `input_ids` int64 [B, T] (right-padded rows), `rope_cos`/`rope_sin`
 *   [B or 1, 1, T, hd] (rollout's `ropeTables` at each column's position), `attention_bias`
 *   [B or 1, 1, 1, T, T] (0 where a query may see a key, -1e9 elsewhere: causal, or blocks of responses
 *   sharing a prompt), `head_rows` int64 [M] (flat indices b*T + t of the positions whose next token is
 *   scored, each once) and `targets` int64 [M]; outputs `logprobs` [M] and `entropy` [M]. The output
 *   head runs on the M rows only.
 * - `forward`: the same, plus every activation the backward pass needs as `saved.*` outputs.
 * - `backward`: inputs the weights, `input_ids`, `rope_cos`, `rope_sin`, `head_rows`, `targets`, the
 *   `saved.*` tensors and `grad_logprobs` [M] (d loss / d logprob); outputs `grad.<weight name>` for every
 *   weight but the embedding table, and `grad.embedding_rows` [B*T, d], the gradient of each position's
 *   embedding row, which the caller adds into row `input_ids[i]` of the table's gradient (for a tied head,
 *   `grad.model.embed_tokens.weight` is the head's part, to add them to). The hand-derived reverse pass of
 *   the forward graph, op by op. The rows are not summed in the graph because ONNX Runtime's CPU ScatterND
 *   with `reduction=add` races across threads when indices repeat (tokens do): at 2 threads and 7680 rows
 *   it lost updates, the table's gradient off by 34% and different each run.
 */
export interface LlamaTrainingGraphs {
  score: Uint8Array;
  forward: Uint8Array;
  backward: Uint8Array;
  /** The `saved.*` names, forward outputs and backward inputs. */
  savedNames: string[];
  /** Weight names and shapes, the graphs' weight inputs. */
  weightShapes: Array<[string, number[]]>;
}

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

/** Builds the three graphs (see {@link LlamaTrainingGraphs}) for `config`. */
export function buildLlamaTrainingGraphs(
  config: LlamaConfig,
  options: TrainingGraphOptions = {},
): LlamaTrainingGraphs {
  const weightShapes = llamaTensorShapes(config);
  const weightInputs = weightShapes.map(([name, dims]) => valueInfo(name, F, dims));
  const dataInputs = [
    valueInfo("input_ids", I64, ["batch", "length"]),
    valueInfo("rope_cos", F, ["rope_batch", 1, "length", headDimOf(config)]),
    valueInfo("rope_sin", F, ["rope_batch", 1, "length", headDimOf(config)]),
    valueInfo("head_rows", I64, ["rows"]),
    valueInfo("targets", I64, ["rows"]),
  ];
  const biasInput = valueInfo("attention_bias", F, ["bias_batch", 1, 1, "length", "length"]);
  const outputs = [valueInfo("logprobs", F, ["rows"]), valueInfo("entropy", F, ["rows"])];

  const score = new GraphBuilder();
  emitForward(score, config, null);
  const forward = new GraphBuilder();
  const saved: string[] = [];
  emitForward(forward, config, saved);
  const savedInfo = saved.map((name) => ({ name, type: { tensorType: { elemType: F } } }));

  const backward = new GraphBuilder();
  emitBackward(backward, config, options.breakRule);
  return {
    score: score.encode("llama_score", [...weightInputs, ...dataInputs, biasInput], outputs),
    forward: forward.encode(
      "llama_forward",
      [...weightInputs, ...dataInputs, biasInput],
      [...outputs, ...savedInfo],
    ),
    backward: backward.encode(
      "llama_backward",
      [...weightInputs, ...dataInputs, valueInfo("grad_logprobs", F, ["rows"]), ...savedInfo],
      [
        ...weightShapes
          .filter(([name]) => config.tie_word_embeddings || name !== "model.embed_tokens.weight")
          .map(([name, dims]) => valueInfo(`grad.${name}`, F, dims)),
        valueInfo(EMBEDDING_ROWS_GRAD, F, ["positions", config.hidden_size]),
      ],
    ),
    savedNames: saved,
    weightShapes,
  };
}

interface Dims {
  d: number;
  heads: number;
  kvHeads: number;
  groups: number;
  headDim: number;
  vocab: number;
}

function dims(config: LlamaConfig): Dims {
  return {
    d: config.hidden_size,
    heads: config.num_attention_heads,
    kvHeads: config.num_key_value_heads,
    groups: config.num_attention_heads / config.num_key_value_heads,
    headDim: headDimOf(config),
    vocab: config.vocab_size,
  };
}

/** Small op helpers over a GraphBuilder. */
class Ops {
  readonly g: GraphBuilder;
  readonly #config: LlamaConfig;
  constructor(g: GraphBuilder, config: LlamaConfig) {
    this.g = g;
    this.#config = config;
  }
  op = (type: string, inputs: string[], attributes: Record<string, number | number[]> = {}, out?: string) =>
    this.g.op(type, inputs, attributes, out);
  mul = (a: string, b: string, out?: string) => this.op("Mul", [a, b], {}, out);
  add = (a: string, b: string, out?: string) => this.op("Add", [a, b], {}, out);
  sub = (a: string, b: string) => this.op("Sub", [a, b]);
  /** x [N, in] W^T for W [out, in]. */
  linear = (x: string, w: string, out?: string) => this.op("Gemm", [x, w], { transB: 1 }, out);
  /** dY^T X: the [out, in] gradient of a linear layer. */
  weightGrad = (dy: string, x: string, out?: string) => this.op("Gemm", [dy, x], { transA: 1 }, out);
  matmul = (a: string, b: string) => this.op("MatMul", [a, b]);
  transpose = (x: string, perm: number[]) => this.op("Transpose", [x], { perm });
  reshape = (x: string, shape: string) => this.op("Reshape", [x, shape]);
  sumAxes = (x: string, axes: number[], keepdims: 0 | 1) =>
    this.op("ReduceSum", [x, this.g.int64(axes)], { keepdims });
  meanLast = (x: string) => this.op("ReduceMean", [x], { axes: [-1], keepdims: 1 });
  /** [B, T] from input_ids, concatenated with constant trailing dims. */
  shapeBT = (...trailing: number[]) =>
    this.op("Concat", [this.op("Shape", ["input_ids"]), this.g.int64(trailing)], { axis: 0 });
  /** HF rotate_half: concat(-x2, x1) on the last axis. */
  rotate = (x: string) => {
    const [first, second] = this.g.opMulti("Split", [x], 2, { axis: -1 }) as [string, string];
    return this.op("Concat", [this.op("Neg", [second]), first], { axis: -1 });
  };
  get eps() {
    return this.g.scalarFloat(this.#config.rms_norm_eps);
  }
}

/** [N, H*hd] rows -> [B, H, T, hd]. */
function toHeads(o: Ops, x: string, count: number, headDim: number): string {
  return o.transpose(o.reshape(x, o.shapeBT(count, headDim)), [0, 2, 1, 3]);
}

/** [B, H, T, hd] -> [N, H*hd] rows. */
function toRows(o: Ops, x: string, count: number, headDim: number): string {
  return o.reshape(o.transpose(x, [0, 2, 1, 3]), o.g.int64([-1, count * headDim]));
}

function emitForward(g: GraphBuilder, config: LlamaConfig, saved: string[] | null): void {
  const o = new Ops(g, config);
  const { heads, kvHeads, groups, headDim } = dims(config);
  const keep = (name: string, make: (out?: string) => string): string => {
    if (!saved) return make();
    saved.push(`saved.${name}`);
    return make(`saved.${name}`);
  };
  const eps = o.eps;
  const rms = (x: string, name: string) => {
    const r = keep(`${name}.r`, (out) =>
      o.op("Reciprocal", [o.op("Sqrt", [o.add(o.meanLast(o.mul(x, x)), eps)])], {}, out),
    );
    const n = keep(`${name}.n`, (out) => o.mul(x, r, out));
    return o.mul(n, name);
  };
  const rope = (x: string) => o.add(o.mul(x, "rope_cos"), o.mul(o.rotate(x), "rope_sin"));
  const scale = g.scalarFloat(1 / Math.sqrt(headDim));
  let h = o.op("Gather", ["model.embed_tokens.weight", o.reshape("input_ids", g.int64([-1]))], { axis: 0 });
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    const x = rms(h, `${p}.input_layernorm.weight`);
    const q = rope(toHeads(o, o.linear(x, `${p}.self_attn.q_proj.weight`), heads, headDim));
    const qg = keep(`${p}.qg`, (out) =>
      o.op("Reshape", [q, g.int64([0, kvHeads, groups, -1, headDim])], {}, out),
    );
    const k = rope(toHeads(o, o.linear(x, `${p}.self_attn.k_proj.weight`), kvHeads, headDim));
    const k5 = keep(`${p}.k5`, (out) => o.op("Unsqueeze", [k, g.int64([2])], {}, out));
    const v = toHeads(o, o.linear(x, `${p}.self_attn.v_proj.weight`), kvHeads, headDim);
    const v5 = keep(`${p}.v5`, (out) => o.op("Unsqueeze", [v, g.int64([2])], {}, out));
    const scores = o.add(o.mul(o.matmul(qg, o.transpose(k5, [0, 1, 2, 4, 3])), scale), "attention_bias");
    const probs = keep(`${p}.probs`, (out) => o.op("Softmax", [scores], { axis: -1 }, out));
    const attended = o.reshape(o.matmul(probs, v5), g.int64([0, heads, -1, headDim]));
    const merged = keep(`${p}.attended`, (out) =>
      o.op("Reshape", [o.transpose(attended, [0, 2, 1, 3]), g.int64([-1, heads * headDim])], {}, out),
    );
    h = o.add(h, o.linear(merged, `${p}.self_attn.o_proj.weight`));
    const x2 = rms(h, `${p}.post_attention_layernorm.weight`);
    const gate = keep(`${p}.gate`, (out) => o.linear(x2, `${p}.mlp.gate_proj.weight`, out));
    const up = keep(`${p}.up`, (out) => o.linear(x2, `${p}.mlp.up_proj.weight`, out));
    const sig = keep(`${p}.sigmoid`, (out) => o.op("Sigmoid", [gate], {}, out));
    const act = keep(`${p}.act`, (out) => o.mul(o.mul(gate, sig), up, out));
    h = o.add(h, o.linear(act, `${p}.mlp.down_proj.weight`));
  }
  const normed = rms(h, "model.norm.weight");
  const rows = keep("head.rows", (out) => o.op("Gather", [normed, "head_rows"], { axis: 0 }, out));
  const head = config.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  const logSoftmax = o.op("LogSoftmax", [o.linear(rows, head)], { axis: -1 });
  const picked = o.op("GatherElements", [logSoftmax, o.op("Unsqueeze", ["targets", g.int64([1])])], {
    axis: 1,
  });
  o.op("Squeeze", [picked, g.int64([1])], {}, "logprobs");
  const probs = keep("head.probs", (out) => o.op("Exp", [logSoftmax], {}, out));
  o.op("Neg", [o.sumAxes(o.mul(probs, logSoftmax), [-1], 0)], {}, "entropy");
}

function emitBackward(g: GraphBuilder, config: LlamaConfig, breakRule: BackwardRule | undefined): void {
  const o = new Ops(g, config);
  const { heads, kvHeads, groups, headDim, vocab } = dims(config);
  const s = (name: string) => `saved.${name}`;
  /** RMSNorm y = (x r) w: dw = sum_rows dy n, dx = r (dn - n mean(dn n)) with dn = dy w. */
  const rmsBack = (dy: string, name: string): { dx: string; dw: string } => {
    const n = s(`${name}.n`);
    const dw = o.op("ReduceSum", [o.mul(dy, n), g.int64([0])], { keepdims: 0 }, `grad.${name}`);
    const dn = o.mul(dy, name);
    const centred = breakRule === "rmsnorm" ? dn : o.sub(dn, o.mul(n, o.meanLast(o.mul(dn, n))));
    return { dx: o.mul(s(`${name}.r`), centred), dw };
  };
  /** y = x cos + rot(x) sin, rot^T = -rot: dx = dy cos - rot(dy sin). */
  const ropeBack = (dy: string) => {
    const rotated = o.rotate(o.mul(dy, "rope_sin"));
    const cos = o.mul(dy, "rope_cos");
    return breakRule === "rope" ? o.add(cos, rotated) : o.sub(cos, rotated);
  };
  const scale = g.scalarFloat(1 / Math.sqrt(headDim));
  const one = g.scalarFloat(1);
  const tied = config.tie_word_embeddings;
  const head = tied ? "model.embed_tokens.weight" : "lm_head.weight";

  // Head: logprob = logsoftmax(logits)[target]; d logits = g (onehot - p).
  const onehot = o.op(
    "OneHot",
    ["targets", g.int64([vocab], []), g.float(`onehot_values`, Float32Array.of(0, 1), [2])],
    {
      axis: -1,
    },
  );
  const dLogits = o.mul(o.op("Unsqueeze", ["grad_logprobs", g.int64([1])]), o.sub(onehot, s("head.probs")));
  // A tied head's part of the table's gradient (the rows are added by the caller).
  o.weightGrad(dLogits, s("head.rows"), tied ? "grad.model.embed_tokens.weight" : "grad.lm_head.weight");
  const dRows = o.matmul(dLogits, head);
  const zeros = o.op("ConstantOfShape", [o.op("Shape", [s("model.norm.weight.n")])]);
  const dNormed = o.op("ScatterND", [zeros, o.op("Unsqueeze", ["head_rows", g.int64([1])]), dRows]);
  let dh = rmsBack(dNormed, "model.norm.weight").dx;

  for (let layer = config.num_hidden_layers - 1; layer >= 0; layer--) {
    const p = `model.layers.${layer}`;
    // MLP: h' = h2 + down(silu(gate) * up).
    const x2 = o.mul(s(`${p}.post_attention_layernorm.weight.n`), `${p}.post_attention_layernorm.weight`);
    o.weightGrad(dh, s(`${p}.act`), `grad.${p}.mlp.down_proj.weight`);
    const dAct = o.matmul(dh, `${p}.mlp.down_proj.weight`);
    const gate = s(`${p}.gate`);
    const sig = s(`${p}.sigmoid`);
    const dUp = o.mul(dAct, o.mul(gate, sig));
    // silu'(x) = s (1 + x (1 - s)).
    const siluGrad = breakRule === "silu" ? sig : o.mul(sig, o.add(one, o.mul(gate, o.sub(one, sig))));
    const dGate = o.mul(o.mul(dAct, s(`${p}.up`)), siluGrad);
    o.weightGrad(dGate, x2, `grad.${p}.mlp.gate_proj.weight`);
    o.weightGrad(dUp, x2, `grad.${p}.mlp.up_proj.weight`);
    const dx2 = o.add(o.matmul(dGate, `${p}.mlp.gate_proj.weight`), o.matmul(dUp, `${p}.mlp.up_proj.weight`));
    const dh2 = o.add(dh, rmsBack(dx2, `${p}.post_attention_layernorm.weight`).dx);

    // Attention: h2 = h + o_proj(merge(softmax(q k^T / sqrt(hd) + bias) v)).
    o.weightGrad(dh2, s(`${p}.attended`), `grad.${p}.self_attn.o_proj.weight`);
    const dMerged = o.matmul(dh2, `${p}.self_attn.o_proj.weight`);
    const dAttended = o.reshape(
      toHeads(o, dMerged, heads, headDim),
      g.int64([0, kvHeads, groups, -1, headDim]),
    );
    const probs = s(`${p}.probs`);
    const dProbs = o.matmul(dAttended, o.transpose(s(`${p}.v5`), [0, 1, 2, 4, 3]));
    const dV = o.sumAxes(o.matmul(o.transpose(probs, [0, 1, 2, 4, 3]), dAttended), [2], 0);
    const dScores = o.mul(
      breakRule === "softmax"
        ? o.mul(probs, dProbs)
        : o.mul(probs, o.sub(dProbs, o.sumAxes(o.mul(dProbs, probs), [-1], 1))),
      scale,
    );
    const dQGrouped = o.matmul(dScores, s(`${p}.k5`));
    const dK = o.sumAxes(o.matmul(o.transpose(dScores, [0, 1, 2, 4, 3]), s(`${p}.qg`)), [2], 0);
    const dQ = toRows(o, ropeBack(o.reshape(dQGrouped, g.int64([0, heads, -1, headDim]))), heads, headDim);
    const dKRows = toRows(o, ropeBack(dK), kvHeads, headDim);
    const dVRows = toRows(o, dV, kvHeads, headDim);
    const x = o.mul(s(`${p}.input_layernorm.weight.n`), `${p}.input_layernorm.weight`);
    o.weightGrad(dQ, x, `grad.${p}.self_attn.q_proj.weight`);
    o.weightGrad(dKRows, x, `grad.${p}.self_attn.k_proj.weight`);
    o.weightGrad(dVRows, x, `grad.${p}.self_attn.v_proj.weight`);
    const dx = o.add(
      o.add(o.matmul(dQ, `${p}.self_attn.q_proj.weight`), o.matmul(dKRows, `${p}.self_attn.k_proj.weight`)),
      o.matmul(dVRows, `${p}.self_attn.v_proj.weight`),
    );
    dh = o.add(dh2, rmsBack(dx, `${p}.input_layernorm.weight`).dx);
  }
  // Embedding rows: summed into the table by the caller (see EMBEDDING_ROWS_GRAD).
  o.op("Identity", [dh], {}, EMBEDDING_ROWS_GRAD);
}
