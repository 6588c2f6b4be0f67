/**
 * Training tokens/s of one GRPO update of the local engine on the default model (DEFAULT_MODEL_CONFIG:
 * rollout's demo Llama with 2048 positions) at the demo's batch shape (4 prompts x G=4, ~400-token prompts,
 * ~70-token responses, KL on), through the same jitted `grpoUpdate` the training loop calls, and the FLOP
 * rate it reaches as a share of jax-js's own 512^3 matmul rate measured in the same run (the physical
 * limit here). FLOPs counted as executed: per position 2M for each of the policy, reference and old-policy
 * forward passes' matmuls (M = every weight matrix, embedding one-hot and output projection included) and
 * 6M for forward + backward of the gradient pass, plus the attention matmuls (full T x T, as computed).
 *   node --conditions=@swerl/source --import tsx bench/grpo-step.ts
 */
import { loadavg } from "node:os";
import { init, numpy as jnp } from "@jax-js/jax";
import {
  AdamConfig,
  AdamOptimizer,
  DEFAULT_MODEL_CONFIG,
  GrpoConfig,
  grpoUpdate,
  JitLlama,
} from "../src/index.js";
import { initWeights } from "../src/testing/toy-model.js";

await init("wasm");
const config = DEFAULT_MODEL_CONFIG;
const weights = initWeights(config, 1);
const reference = initWeights(config, 1);
const prompts = 4;
const group = 4;
const promptLength = 400;
const responseLength = 70;
let state = 7;
const random = (n: number) => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % n;
};
const sequences = Array.from({ length: prompts * group }, (_, i) => ({
  tokenIds: Array.from({ length: promptLength + responseLength }, () => random(config.vocab_size)),
  promptLength,
  advantage: i % 2 ? 1 : -1,
}));
const optimizer = new AdamOptimizer(AdamConfig.parse({ learningRate: 1e-4 }));
const grpo = GrpoConfig.parse({ klBeta: 0.01, promptsPerBatch: prompts, rolloutsPerPrompt: group });
const policy = new JitLlama(config, weights);
const ref = new JitLlama(config, reference);

const { hidden_size: h, intermediate_size: f, vocab_size: v, num_hidden_layers: layers } = config;
const headDim = h / config.num_attention_heads;
const kv = headDim * config.num_key_value_heads;
const matrixParams = layers * (2 * h * h + 2 * kv * h + 3 * h * f) + 2 * v * h;
const positions = sequences.reduce((a, s) => a + s.tokenIds.length - 1, 0);
const padded = Math.ceil((promptLength + responseLength - 1) / 64) * 64;
// QK^T and attention x V per layer: 2 x heads x T x T x headDim each, for the padded length T.
const attentionPerSequence = layers * 2 * 2 * config.num_attention_heads * padded * padded * headDim;
const passFlops = (multiplier: number) =>
  multiplier * (matrixParams * padded * sequences.length + (attentionPerSequence / 2) * sequences.length);
// Policy (old) and reference scoring: 1 forward each (2M); gradient: forward + backward (6M).
const stepFlops = passFlops(2) * 2 + passFlops(6);

const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
await grpoUpdate(policy, ref, sequences, grpo, optimizer); // compiles
const reps = 3;
const start = performance.now();
for (let r = 0; r < reps; r++) await grpoUpdate(policy, ref, sequences, grpo, optimizer);
const seconds = (performance.now() - start) / 1000 / reps;
const scoreStart = performance.now();
for (const s of sequences) await policy.score(s.tokenIds);
const scoreSeconds = (performance.now() - scoreStart) / 1000;

const a = jnp.array(Float32Array.from({ length: 512 * 512 }, () => Math.random())).reshape([512, 512]);
const b = jnp.array(Float32Array.from({ length: 512 * 512 }, () => Math.random())).reshape([512, 512]);
await jnp.matmul(a.ref, b.ref).data();
const mStart = performance.now();
for (let r = 0; r < 10; r++) await jnp.matmul(a.ref, b.ref).data();
const peak = (2 * 512 ** 3) / ((performance.now() - mStart) / 1000 / 10) / 1e9;
const achieved = stepFlops / seconds / 1e9;
console.log(
  `GRPO update on the default model (${(matrixParams / 1e6).toFixed(2)} M matrix params, ${sequences.length} x ${promptLength + responseLength} tokens, KL on): ${(seconds * 1000).toFixed(0)} ms; one scoring pass ${(scoreSeconds * 1000).toFixed(0)} ms (${((100 * scoreSeconds) / seconds).toFixed(0)}%)`,
);
console.log(
  `training tokens/s: ${(positions / seconds).toFixed(0)} (response tokens/s ${((sequences.length * responseLength) / seconds).toFixed(0)})`,
);
console.log(
  `achieved ${achieved.toFixed(2)} GFLOP/s vs jax-js matmul 512^3 peak ${peak.toFixed(2)} GFLOP/s: ratio ${(achieved / peak).toFixed(3)}; load ${load} -> ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
policy.dispose();
ref.dispose();
