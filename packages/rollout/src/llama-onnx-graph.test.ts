import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { llamaReferenceForward } from "./llama-reference.js";
import { exportOnnx, readModelWeights } from "./model-directory.js";
import { TINY_CONFIG, tinyModel } from "./testing/tiny-model.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Full-sequence logits of the ONNX graph in a model dir, with an empty cache. */
async function onnxLogits(dir: string, ids: number[], kvHeads: number, headDim: number, layers: number) {
  const session = await ort.InferenceSession.create(join(dir, "onnx", "model.onnx"));
  const T = ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, T]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, T]),
  };
  for (let layer = 0; layer < layers; layer++)
    for (const kind of ["key", "value"])
      feeds[`past_key_values.${layer}.${kind}`] = new ort.Tensor("float32", new Float32Array(0), [
        1,
        kvHeads,
        0,
        headDim,
      ]);
  const outputs = await session.run(feeds);
  await session.release();
  return {
    logits: outputs.logits?.data as Float32Array,
    present: outputs[`present.${layers - 1}.value`]?.dims,
  };
}

function maxAbsDiff(onnx: Float32Array, reference: Float64Array[], vocab: number): number {
  let max = 0;
  reference.forEach((row, t) => {
    row.forEach((value, v) => {
      max = Math.max(max, Math.abs((onnx[t * vocab + v] as number) - value));
    });
  });
  return max;
}

describe("buildLlamaOnnx", () => {
  const ids = [5, 40, 41, 120, 7, 300, 2, 99, 64, 64, 3, 12];

  it.each([
    ["grouped-query attention, untied head", TINY_CONFIG],
    [
      "multi-query attention, tied embeddings, explicit head_dim",
      {
        ...TINY_CONFIG,
        num_key_value_heads: 1,
        tie_word_embeddings: true,
        head_dim: 6,
        num_hidden_layers: 1,
      },
    ],
    ["multi-head attention, 3 layers", { ...TINY_CONFIG, num_key_value_heads: 4, num_hidden_layers: 3 }],
  ])("gives the float64 reference logits within 1e-4 (%s)", async (_, input) => {
    const { dir, config } = await tinyModel(input);
    dirs.push(dir);
    const { weights } = await readModelWeights(dir);
    const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    const { logits, present } = await onnxLogits(
      dir,
      ids,
      config.num_key_value_heads,
      headDim,
      config.num_hidden_layers,
    );
    const reference = llamaReferenceForward(config, weights, ids);
    expect(maxAbsDiff(logits, reference, config.vocab_size)).toBeLessThan(1e-4);
    expect(present).toEqual([1, config.num_key_value_heads, ids.length, headDim]);
    // the logits are not trivially equal: positions differ from each other
    expect(Math.abs((logits[0] as number) - (logits[config.vocab_size] as number))).toBeGreaterThan(1e-6);
  });

  it("is rebuilt byte for byte by exportOnnx from config.json + model.safetensors", async () => {
    const { dir } = await tinyModel();
    dirs.push(dir);
    const created = await readFile(join(dir, "onnx", "model.onnx"));
    await rm(join(dir, "onnx"), { recursive: true });
    await exportOnnx(dir);
    expect((await readFile(join(dir, "onnx", "model.onnx"))).equals(created)).toBe(true);
  });
});
