import type { LlamaConfig } from "@swerl/schema";
import { LlamaWeightError, type LlamaWeights } from "./llama-reference.js";
import { GraphBuilder, onnx, valueInfo } from "./onnx-graph-builder.js";

export { LLAMA_ONNX_OPSET } from "./onnx-graph-builder.js";

import { headDimOf, ropeTables } from "./rope.js";

export { headDimOf } from "./rope.js";

/** W [out, in] stored row-major -> W^T [in, out], so that y = x W^T is one MatMul. */
function transposed(weight: Float32Array, out: number, inSize: number): Float32Array {
  const result = new Float32Array(weight.length);
  for (let o = 0; o < out; o++)
    for (let i = 0; i < inSize; i++) result[i * out + o] = weight[o * inSize + i] as number;
  return result;
}

/**
 * The ONNX graph (Optimum "decoder with past" layout, see ARCHITECTURE-CONTRACT.md) of a Llama
 * decoder with the given weights as initializers, serialised as a ModelProto. Inputs `input_ids`,
 * `attention_mask`, `position_ids`, `past_key_values.{i}.key/value`; outputs `logits`,
 * `present.{i}.key/value`. Positions index precomputed RoPE tables, so they must stay below
 * `max_position_embeddings`.
 */
export function buildLlamaOnnx(config: LlamaConfig, weights: LlamaWeights): Uint8Array {
  return buildGraph(config, weights, false);
}

/**
 * A decode graph for G samples of one prompt: the Optimum inputs and outputs, except that `past_key_values`
 * and `present` hold only what each row generated after the prompt, and the prompt's cache comes once,
 * unbatched, as `prefix_key_values.{i}.key/value` [1, K, P0, hd]; `attention_mask` covers the generated
 * part ([B, P+S]) and `position_ids` stay absolute (P0 + P + s). Each step then reads and copies the prompt's
 * keys and values once instead of G times. Same function as `buildLlamaOnnx` on the concatenated cache.
 */
export function buildLlamaSharedPrefixOnnx(config: LlamaConfig, weights: LlamaWeights): Uint8Array {
  return buildGraph(config, weights, true);
}

function buildGraph(config: LlamaConfig, weights: LlamaWeights, sharedPrefix: boolean): Uint8Array {
  const d = config.hidden_size;
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads;
  const headDim = headDimOf(config);
  const f = config.intermediate_size;
  const vocab = config.vocab_size;
  const groups = heads / kvHeads;
  const weight = (name: string, size: number): Float32Array => {
    const value = weights.get(name);
    if (!value) throw new LlamaWeightError(name, "missing");
    if (value.length !== size)
      throw new LlamaWeightError(name, `has ${value.length} elements, expected ${size}`);
    return value;
  };
  const g = new GraphBuilder();
  const linear = (x: string, name: string, out: number, inSize: number) =>
    g.op("MatMul", [
      x,
      g.float(`${name}.T`, transposed(weight(name, out * inSize), out, inSize), [inSize, out]),
    ]);
  const eps = g.scalarFloat(config.rms_norm_eps);
  const rmsNorm = (x: string, name: string) => {
    const meanSquare = g.op("ReduceMean", [g.op("Mul", [x, x])], { axes: [-1], keepdims: 1 });
    const normed = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [meanSquare, eps])])]);
    return g.op("Mul", [normed, g.float(name, weight(name, d), [d])]);
  };

  // Attention bias [B, 1, 1, S, T]: query s (cache index P + s) sees key t when t <= P + s and the mask is 1.
  const zero = g.int64([0], []);
  const one = g.int64([1], []);
  const queryLength = g.op("Gather", [g.op("Shape", ["input_ids"]), one], { axis: 0 });
  const totalLength = g.op("Gather", [g.op("Shape", ["attention_mask"]), one], { axis: 0 });
  const pastLength = g.op("Sub", [totalLength, queryLength]);
  const keyIndex = g.op("Unsqueeze", [g.op("Range", [zero, totalLength, one]), g.int64([0])]);
  const queryIndex = g.op("Unsqueeze", [g.op("Range", [pastLength, totalLength, one]), g.int64([1])]);
  const causal = g.op("LessOrEqual", [keyIndex, queryIndex]);
  const padding = g.op("Unsqueeze", [
    g.op("Cast", ["attention_mask"], { to: onnx.TensorProto.DataType.BOOL }),
    g.int64([1]),
  ]);
  const allowed = g.op("And", [causal, padding]);
  const bias = g.op("Where", [allowed, g.scalarFloat(0), g.scalarFloat(-1e9)]);
  const bias5 = g.op("Unsqueeze", [bias, g.int64([1, 2])]);

  const tables = ropeTables(config, config.max_position_embeddings);
  const maxPositions = config.max_position_embeddings;
  const cos = g.op("Unsqueeze", [
    g.op("Gather", [g.float("rope.cos", tables.cos, [maxPositions, headDim]), "position_ids"], { axis: 0 }),
    g.int64([1]),
  ]);
  const sin = g.op("Unsqueeze", [
    g.op("Gather", [g.float("rope.sin", tables.sin, [maxPositions, headDim]), "position_ids"], { axis: 0 }),
    g.int64([1]),
  ]);
  const rope = (x: string) => {
    const [first, second] = g.opMulti("Split", [x], 2, { axis: -1 }) as [string, string];
    const rotated = g.op("Concat", [g.op("Neg", [second]), first], { axis: -1 });
    return g.op("Add", [g.op("Mul", [x, cos]), g.op("Mul", [rotated, sin])]);
  };
  const splitHeads = (x: string, count: number) =>
    g.op("Transpose", [g.op("Reshape", [x, g.int64([0, 0, count, headDim])])], { perm: [0, 2, 1, 3] });

  const embed = weight("model.embed_tokens.weight", vocab * d);
  let hidden = g.op("Gather", [g.float("model.embed_tokens.weight", embed, [vocab, d]), "input_ids"], {
    axis: 0,
  });
  const scale = g.scalarFloat(1 / Math.sqrt(headDim));
  const inputs = [
    valueInfo("input_ids", onnx.TensorProto.DataType.INT64, ["batch_size", "sequence_length"]),
    valueInfo("attention_mask", onnx.TensorProto.DataType.INT64, ["batch_size", "total_sequence_length"]),
    valueInfo("position_ids", onnx.TensorProto.DataType.INT64, ["batch_size", "sequence_length"]),
  ];
  const outputs = [
    valueInfo("logits", onnx.TensorProto.DataType.FLOAT, ["batch_size", "sequence_length", vocab]),
  ];
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}`;
    for (const kind of ["key", "value"]) {
      inputs.push(
        valueInfo(`past_key_values.${layer}.${kind}`, onnx.TensorProto.DataType.FLOAT, [
          "batch_size",
          kvHeads,
          "past_sequence_length",
          headDim,
        ]),
      );
      outputs.push(
        valueInfo(`present.${layer}.${kind}`, onnx.TensorProto.DataType.FLOAT, [
          "batch_size",
          kvHeads,
          "total_sequence_length",
          headDim,
        ]),
      );
    }
    if (sharedPrefix)
      for (const kind of ["key", "value"])
        inputs.push(
          valueInfo(`prefix_key_values.${layer}.${kind}`, onnx.TensorProto.DataType.FLOAT, [
            1,
            kvHeads,
            "prefix_sequence_length",
            headDim,
          ]),
        );
    const x = rmsNorm(hidden, `${p}.input_layernorm.weight`);
    const q = rope(splitHeads(linear(x, `${p}.self_attn.q_proj.weight`, heads * headDim, d), heads));
    const k = rope(splitHeads(linear(x, `${p}.self_attn.k_proj.weight`, kvHeads * headDim, d), kvHeads));
    const v = splitHeads(linear(x, `${p}.self_attn.v_proj.weight`, kvHeads * headDim, d), kvHeads);
    const presentKey = g.op(
      "Concat",
      [`past_key_values.${layer}.key`, k],
      { axis: 2 },
      `present.${layer}.key`,
    );
    const presentValue = g.op(
      "Concat",
      [`past_key_values.${layer}.value`, v],
      { axis: 2 },
      `present.${layer}.value`,
    );
    // Grouped-query attention without copying keys: queries [B, K, groups, S, hd] against keys [B, K, 1, hd, T].
    const grouped = g.op("Reshape", [q, g.int64([0, kvHeads, groups, -1, headDim])]);
    const keysT = g.op("Unsqueeze", [g.op("Transpose", [presentKey], { perm: [0, 1, 3, 2] }), g.int64([2])]);
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [grouped, keysT]), scale]), bias5]);
    let attended: string;
    if (!sharedPrefix) {
      const probs = g.op("Softmax", [scores], { axis: -1 });
      attended = g.op("MatMul", [probs, g.op("Unsqueeze", [presentValue, g.int64([2])])]);
    } else {
      // The prompt's keys [1, K, 1, hd, P0] broadcast to every row: a matrix product per row and head, as
      // for the rows' own keys, so a row's numbers do not depend on how many rows share the batch.
      const prefixKeysT = g.op("Unsqueeze", [
        g.op("Transpose", [`prefix_key_values.${layer}.key`], { perm: [0, 1, 3, 2] }),
        g.int64([2]),
      ]);
      const prefixScores = g.op("Mul", [g.op("MatMul", [grouped, prefixKeysT]), scale]);
      const probs = g.op("Softmax", [g.op("Concat", [prefixScores, scores], { axis: -1 })], { axis: -1 });
      const prefixLength = g.op("Shape", [`prefix_key_values.${layer}.key`], { start: 2, end: 3 });
      const last = g.int64([-1]);
      const prefixProbs = g.op("Slice", [probs, g.int64([0]), prefixLength, last]);
      const generatedProbs = g.op("Slice", [probs, prefixLength, g.int64([2 ** 62]), last]);
      attended = g.op("Add", [
        g.op("MatMul", [prefixProbs, g.op("Unsqueeze", [`prefix_key_values.${layer}.value`, g.int64([2])])]),
        g.op("MatMul", [generatedProbs, g.op("Unsqueeze", [presentValue, g.int64([2])])]),
      ]);
    }
    const merged = g.op("Reshape", [
      g.op("Transpose", [g.op("Reshape", [attended, g.int64([0, heads, -1, headDim])])], {
        perm: [0, 2, 1, 3],
      }),
      g.int64([0, 0, heads * headDim]),
    ]);
    hidden = g.op("Add", [hidden, linear(merged, `${p}.self_attn.o_proj.weight`, d, heads * headDim)]);
    const x2 = rmsNorm(hidden, `${p}.post_attention_layernorm.weight`);
    const gate = linear(x2, `${p}.mlp.gate_proj.weight`, f, d);
    const activated = g.op("Mul", [
      g.op("Mul", [gate, g.op("Sigmoid", [gate])]),
      linear(x2, `${p}.mlp.up_proj.weight`, f, d),
    ]);
    hidden = g.op("Add", [hidden, linear(activated, `${p}.mlp.down_proj.weight`, d, f)]);
  }
  const normed = rmsNorm(hidden, "model.norm.weight");
  const head = config.tie_word_embeddings ? embed : weight("lm_head.weight", vocab * d);
  g.op("MatMul", [normed, g.float("lm_head.weight.T", transposed(head, vocab, d), [d, vocab])], {}, "logits");
  return g.encode(
    sharedPrefix ? "llama_decoder_with_shared_prefix" : "llama_decoder_with_past",
    inputs,
    outputs,
  );
}
