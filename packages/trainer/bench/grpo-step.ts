/**
 * One GRPO update at the demo shape (4 prompts x G=4, 400-token prompts shared by each group's four
 * 70-token responses, KL on) on the default model (DEFAULT_MODEL_CONFIG), through the same `grpoUpdate`
 * the training loop calls, on the ONNX Runtime engine (OrtLlama, 2 intra-op threads; each group's prompt
 * packed once, and also with `sharePrompts: false`) and on the jax-js engine (JitLlamaEngine), and ONNX
 * Runtime's own float32 matmul rate on this machine (a 1024^3 MatMul session, same threads, best of 20) as the peak.
 * FLOPs of the ORT update counted as its graphs execute them: per layer the weight matmuls (2 per
 * multiply-add, forward; twice that backward) over the packed columns, the attention matmuls over the
 * padded T x T, the head on response positions only; the reference's scoring pass forward only.
 *   node --conditions=@swerl/source --import tsx bench/grpo-step.ts
 * The last line: grpo-update tokens/s=<n> speedup=<x vs jax-js> peak-fraction=<of the ORT matmul peak>
 */
import { loadavg } from "node:os";
import { init } from "@jax-js/jax";
import onnxProto from "onnx-proto";
import ort from "onnxruntime-node";
import {
  AdamConfig,
  AdamOptimizer,
  DEFAULT_MODEL_CONFIG,
  GrpoConfig,
  grpoUpdate,
  JitLlama,
} from "../src/index.js";
import { JitLlamaEngine } from "../src/jit-llama.js";
import { OrtLlama } from "../src/ort-llama.js";
import { initWeights } from "../src/testing/toy-model.js";

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const loadBefore = load();
await init("wasm");
const config = DEFAULT_MODEL_CONFIG;
const prompts = 4;
const group = 4;
const promptLength = 400;
const responseLength = 70;
let state = 7;
const random = (n: number) => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % n;
};
const tokens = (n: number) => Array.from({ length: n }, () => random(config.vocab_size));
const sequences = Array.from({ length: prompts }, () => tokens(promptLength)).flatMap((prompt) =>
  Array.from({ length: group }, (_, i) => ({
    tokenIds: [...prompt, ...tokens(responseLength)],
    promptLength,
    advantage: i % 2 ? 1 : -1,
  })),
);
const grpo = GrpoConfig.parse({ klBeta: 0.01, promptsPerBatch: prompts, rolloutsPerPrompt: group });
const positions = sequences.reduce((a, s) => a + s.tokenIds.length - 1, 0);

/** Median seconds of `reps` runs after a warm-up (jit compile / session first run). */
async function time(run: () => Promise<unknown>, reps: number) {
  await run();
  const seconds: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await run();
    seconds.push((performance.now() - start) / 1000);
  }
  return seconds.sort((x, y) => x - y)[Math.floor(reps / 2)] as number;
}

async function ortUpdate(sharePrompts: boolean): Promise<number> {
  const policy = await OrtLlama.create(config, initWeights(config, 1), { sharePrompts });
  const reference = await OrtLlama.create(config, initWeights(config, 1), { sharePrompts });
  const optimizer = new AdamOptimizer(AdamConfig.parse({ learningRate: 1e-4 }));
  const seconds = await time(() => grpoUpdate(policy, reference, sequences, grpo, optimizer), 5);
  await policy.dispose();
  await reference.dispose();
  return seconds;
}

// ONNX Runtime engine, each group's prompt packed once (the default), then one row per sequence.
const ortSeconds = await ortUpdate(true);
const unpackedSeconds = await ortUpdate(false);

// jax-js engine (the previous local engine).
const jaxPolicy = new JitLlamaEngine(new JitLlama(config, initWeights(config, 1)));
const jaxReference = new JitLlamaEngine(new JitLlama(config, initWeights(config, 1)));
const jaxOptimizer = new AdamOptimizer(AdamConfig.parse({ learningRate: 1e-4 }));
const jaxSeconds = await time(() => grpoUpdate(jaxPolicy, jaxReference, sequences, grpo, jaxOptimizer), 1);
jaxPolicy.dispose();
jaxReference.dispose();

// ONNX Runtime's matmul peak here: C = A B, 1024^3, same session options as the engine.
const n = 1024;
const { onnx } = onnxProto;
const matrix = (name: string) => ({
  name,
  type: {
    tensorType: {
      elemType: onnx.TensorProto.DataType.FLOAT,
      shape: { dim: [{ dimValue: n }, { dimValue: n }] },
    },
  },
});
const matmul = await ort.InferenceSession.create(
  onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "matmul",
        node: [{ opType: "MatMul", input: ["a", "b"], output: ["c"] }],
        input: [matrix("a"), matrix("b")],
        output: [matrix("c")],
      },
    }),
  ).finish(),
  { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all" },
);
const a = new ort.Tensor(
  "float32",
  Float32Array.from({ length: n * n }, () => Math.random()),
  [n, n],
);
const b = new ort.Tensor(
  "float32",
  Float32Array.from({ length: n * n }, () => Math.random()),
  [n, n],
);
await matmul.run({ a, b });
// The peak is the best of 20 runs: the rate the machine reaches, not an average over interruptions.
let best = Infinity;
for (let r = 0; r < 20; r++) {
  const start = performance.now();
  await matmul.run({ a, b });
  best = Math.min(best, (performance.now() - start) / 1000);
}
const peak = (2 * n ** 3) / best;
await matmul.release();

// FLOPs the ORT updates execute: packed, one row per group (the prompt but its last token, then per
// response that token and the response but its last).
const { hidden_size: h, intermediate_size: f, vocab_size: v, num_hidden_layers: layers } = config;
const headDim = h / config.num_attention_heads;
const kv = headDim * config.num_key_value_heads;
const layerParams = layers * (2 * h * h + 2 * kv * h + 3 * h * f);
const headRows = responseLength * sequences.length;
/** FLOPs of one update over `count` rows of `columns` padded columns: policy forward + backward (2x), reference forward. */
const updateFlops = (count: number, columns: number) => {
  const padded = Math.ceil(columns / 16) * 16;
  const attention = count * layers * 2 * 2 * config.num_attention_heads * padded * padded * headDim;
  const forward = 2 * layerParams * padded * count + attention + 2 * v * h * headRows;
  return 3 * forward + forward;
};
const achieved = updateFlops(prompts, promptLength - 1 + group * responseLength) / ortSeconds;
const unpackedAchieved = updateFlops(sequences.length, promptLength + responseLength - 1) / unpackedSeconds;
console.log(
  `GRPO update, default model, ${prompts} prompts of ${promptLength} tokens x ${group} responses of ${responseLength}, KL on: ORT ${(ortSeconds * 1000).toFixed(0)} ms (prompts shared), ORT ${(unpackedSeconds * 1000).toFixed(0)} ms (one row per sequence), jax-js ${(jaxSeconds * 1000).toFixed(0)} ms`,
);
console.log(
  `ORT achieved ${(achieved / 1e9).toFixed(2)} GFLOP/s vs ORT matmul ${n}^3 peak ${(peak / 1e9).toFixed(2)} GFLOP/s; one row per sequence ${(unpackedAchieved / 1e9).toFixed(2)} GFLOP/s (peak-fraction ${(unpackedAchieved / peak).toFixed(3)}, tokens/s ${(positions / unpackedSeconds).toFixed(0)}); sharing the prompt: ${(unpackedSeconds / ortSeconds).toFixed(2)}x faster; load ${loadBefore} -> ${load()}`,
);
console.log(
  `grpo-update tokens/s=${(positions / ortSeconds).toFixed(0)} speedup=${(jaxSeconds / ortSeconds).toFixed(2)} peak-fraction=${(achieved / peak).toFixed(3)}`,
);
