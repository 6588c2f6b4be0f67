import { init } from "@jax-js/jax";
import { type BackwardRule, llamaReferenceForward } from "@swerl/rollout";
import { LlamaConfig } from "@swerl/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_CONFIG } from "./default-model.js";
import { JitLlama, JitLlamaEngine, type LlamaWeights } from "./jit-llama.js";
import { OrtLlama } from "./ort-llama.js";
import { initWeights } from "./testing/toy-model.js";

beforeAll(async () => {
  await init("wasm");
});

const small = LlamaConfig.parse({
  vocab_size: 40,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  rms_norm_eps: 1e-5,
});
/** Llama-3.2-1B's config scaled down: theta 500000, llama3 RoPE scaling, GQA 4:1, tied embeddings. */
const llama32 = LlamaConfig.parse({
  vocab_size: 48,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  tie_word_embeddings: true,
  rope_scaling: {
    rope_type: "llama3",
    factor: 32,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
  },
});

let seed = 3;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
interface Sequence {
  tokenIds: number[];
  promptLength: number;
}
/** Sequences of different lengths in one batch; tokens repeat (the embedding gradient must sum them). */
function sequences(vocab: number, lengths: Array<[number, number]>): Sequence[] {
  return lengths.map(([prompt, response]) => ({
    tokenIds: Array.from({ length: prompt + response }, (_, i) => (i % 5 === 4 ? 1 : rand(vocab))),
    promptLength: prompt,
  }));
}
const upstream = (seqs: ReturnType<typeof sequences>) =>
  seqs.map((s, i) =>
    Array.from({ length: s.tokenIds.length - s.promptLength }, (_, t) => ((i + t) % 3) - 1 + 0.25),
  );

/** max |a - b| / max |b| over one tensor. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs((a[i] as number) - (b[i] as number)));
    den = Math.max(den, Math.abs(b[i] as number));
  }
  return num / Math.max(den, 1e-12);
}

async function ortGradients(
  config: LlamaConfig,
  weights: LlamaWeights,
  seqs: ReturnType<typeof sequences>,
  breakRule?: BackwardRule,
  sharePrompts = true,
) {
  const engine = await OrtLlama.create(config, weights, {
    maxBatchTokens: 64,
    sharePrompts,
    ...(breakRule ? { breakRule } : {}),
  });
  try {
    const pass = await engine.gradientPass(seqs);
    return { pass, grads: await pass.backward(upstream(seqs)) };
  } finally {
    await engine.dispose();
  }
}

async function jaxGradients(config: LlamaConfig, weights: LlamaWeights, seqs: ReturnType<typeof sequences>) {
  const engine = new JitLlamaEngine(new JitLlama(config, weights));
  try {
    const pass = await engine.gradientPass(seqs);
    return { pass, grads: await pass.backward(upstream(seqs)) };
  } finally {
    engine.dispose();
  }
}

/** sum g * logprob under the float64 reference forward. */
function referenceObjective(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  seqs: ReturnType<typeof sequences>,
): number {
  const g = upstream(seqs);
  let total = 0;
  for (const [i, s] of seqs.entries()) {
    const logits = llamaReferenceForward(config, weights, s.tokenIds.slice(0, -1));
    for (let t = s.promptLength - 1; t < s.tokenIds.length - 1; t++) {
      const row = logits[t] as Float64Array;
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      const lp = (row[s.tokenIds[t + 1] as number] as number) - max - Math.log(sum);
      total += (g[i]?.[t - s.promptLength + 1] as number) * lp;
    }
  }
  return total;
}

// Float32 tolerance: ORT and jax-js agree to 2e-4 of each tensor's largest gradient (float32 rounding
// through two layers and a softmax); central differences (float64 forward, h = 1e-3) to 2e-3.
const JAX_TOLERANCE = 2e-4;
const FD_TOLERANCE = 2e-3;

for (const [label, config] of [
  ["random small model (GQA 2:1, untied head)", small],
  ["Llama-3.2-1B scaled down (llama3 RoPE scaling, GQA 4:1, tied)", llama32],
] as const) {
  describe(`OrtLlama gradients: ${label}`, () => {
    const weights = initWeights(config, 5, 0.3);
    const seqs = sequences(config.vocab_size, [
      [6, 5],
      [9, 7],
      [3, 4],
    ]);

    it(`equal jax-js's gradients (relative error < ${JAX_TOLERANCE}) and logprobs`, async () => {
      const ours = await ortGradients(config, weights, seqs);
      const jax = await jaxGradients(config, weights, seqs);
      for (const [i, lp] of ours.pass.logprobs.entries())
        for (const [t, v] of lp.entries())
          expect(Math.abs(v - (jax.pass.logprobs[i]?.[t] as number))).toBeLessThan(1e-4);
      for (const [name, g] of jax.grads)
        expect([name, relativeError(ours.grads.get(name) as Float32Array, g)]).toSatisfy(
          ([, e]) => (e as number) < JAX_TOLERANCE,
        );
    });

    it(`equal central finite differences of the float64 reference (relative error < ${FD_TOLERANCE})`, async () => {
      const { grads } = await ortGradients(config, weights, seqs);
      const h = 1e-3;
      for (const [name, g] of grads) {
        const values = weights.values.get(name) as Float32Array;
        let largest = 0;
        for (const v of g) largest = Math.max(largest, Math.abs(v));
        for (const j of [0, Math.floor(values.length / 2), values.length - 1]) {
          const original = values[j] as number;
          values[j] = original + h;
          const up = referenceObjective(config, weights.values, seqs);
          values[j] = original - h;
          const down = referenceObjective(config, weights.values, seqs);
          values[j] = original;
          const fd = (up - down) / (2 * h);
          expect([name, j, Math.abs(fd - (g[j] as number)) / Math.max(largest, 1e-9)]).toSatisfy(
            ([, , e]) => (e as number) < FD_TOLERANCE,
          );
        }
      }
    });
  });
}

/** Two GRPO-like groups (each member the same prompt, responses of different lengths, one of a single token) and a lone sequence. */
function groupedSequences(vocab: number) {
  const [a, b, lone] = sequences(vocab, [
    [7, 6],
    [5, 4],
    [9, 3],
  ]) as [Sequence, Sequence, Sequence];
  const member = (s: Sequence, response: number): Sequence => ({
    tokenIds: [
      ...s.tokenIds.slice(0, s.promptLength),
      ...Array.from({ length: response }, () => rand(vocab)),
    ],
    promptLength: s.promptLength,
  });
  return [a, member(b, 2), member(a, 1), lone, b, member(a, 4), member(b, 5)];
}

describe("OrtLlama with prompts shared across a group", () => {
  for (const [label, config] of [
    ["random small model", small],
    ["Llama-3.2-1B scaled down", llama32],
  ] as const) {
    it(`${label}: packed rows give jax-js's logprobs and gradients (relative error < ${JAX_TOLERANCE}), and the unpacked engine's`, async () => {
      const weights = initWeights(config, 5, 0.3);
      const seqs = groupedSequences(config.vocab_size);
      const packed = await ortGradients(config, weights, seqs, undefined, true);
      const unpacked = await ortGradients(config, weights, seqs, undefined, false);
      const jax = await jaxGradients(config, weights, seqs);
      for (const [i, lp] of packed.pass.logprobs.entries()) {
        expect(lp.length).toBe((seqs[i]?.tokenIds.length as number) - (seqs[i]?.promptLength as number));
        for (const [t, v] of lp.entries()) {
          expect(Math.abs(v - (jax.pass.logprobs[i]?.[t] as number))).toBeLessThan(1e-4);
          expect(Math.abs(v - (unpacked.pass.logprobs[i]?.[t] as number))).toBeLessThan(1e-5);
        }
      }
      for (const [name, g] of jax.grads) {
        const ours = packed.grads.get(name) as Float32Array;
        expect([name, relativeError(ours, g)]).toSatisfy(([, e]) => (e as number) < JAX_TOLERANCE);
        expect([name, relativeError(ours, unpacked.grads.get(name) as Float32Array)]).toSatisfy(
          ([, e]) => (e as number) < JAX_TOLERANCE,
        );
      }
    });
  }
});

describe("OrtLlama gradients on the default model", () => {
  it(`equal jax-js's (relative error < ${JAX_TOLERANCE})`, async () => {
    const weights = initWeights(DEFAULT_MODEL_CONFIG, 1);
    const seqs = sequences(DEFAULT_MODEL_CONFIG.vocab_size, [
      [40, 12],
      [25, 20],
    ]);
    const ours = await ortGradients(DEFAULT_MODEL_CONFIG, weights, seqs);
    const jax = await jaxGradients(DEFAULT_MODEL_CONFIG, weights, seqs);
    for (const [name, g] of jax.grads)
      expect([name, relativeError(ours.grads.get(name) as Float32Array, g)]).toSatisfy(
        ([, e]) => (e as number) < JAX_TOLERANCE,
      );
  }, 60_000);
});

describe("OrtLlama gradients are the same from run to run", () => {
  it("on a batch large enough for ONNX Runtime to split its ops across threads (4 x 1200-1900 tokens, default model)", async () => {
    const seqs = sequences(DEFAULT_MODEL_CONFIG.vocab_size, [
      [1000, 200],
      [1000, 437],
      [1000, 674],
      [1000, 911],
    ]);
    const engine = await OrtLlama.create(DEFAULT_MODEL_CONFIG, initWeights(DEFAULT_MODEL_CONFIG, 1), {
      threads: 2,
    });
    try {
      const runs = [];
      for (let r = 0; r < 3; r++) runs.push(await (await engine.gradientPass(seqs)).backward(upstream(seqs)));
      const [first, ...others] = runs as [Map<string, Float32Array>, ...Array<Map<string, Float32Array>>];
      for (const other of others)
        for (const [name, g] of first)
          expect([name, other.get(name)?.every((v, i) => v === g[i])]).toEqual([name, true]);
    } finally {
      await engine.dispose();
    }
  }, 60_000);
});

describe("a broken backward rule fails the comparison", () => {
  for (const rule of ["rmsnorm", "silu", "softmax", "rope", "embedding"] as const) {
    it(`breakRule ${rule}: some tensor's error exceeds the tolerance 100-fold`, async () => {
      const weights = initWeights(small, 5, 0.3);
      const seqs = groupedSequences(small.vocab_size);
      const broken = await ortGradients(small, weights, seqs, rule);
      const jax = await jaxGradients(small, weights, seqs);
      const worst = Math.max(
        ...[...jax.grads].map(([n, g]) => relativeError(broken.grads.get(n) as Float32Array, g)),
      );
      expect(worst).toBeGreaterThan(100 * JAX_TOLERANCE);
    });
  }
});
