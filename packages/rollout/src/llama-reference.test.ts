import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LlamaConfig } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { LlamaWeightError, llamaReferenceForward } from "./llama-reference.js";
import { seededUniform } from "./seeded-uniform.js";

const numpyReference = fileURLToPath(new URL("./testing/llama_numpy.py", import.meta.url));

function randomWeights(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  const d = config.hidden_size;
  const hd = config.head_dim ?? d / config.num_attention_heads;
  const f = config.intermediate_size;
  const shapes: Array<[string, number]> = [["model.embed_tokens.weight", config.vocab_size * d]];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    shapes.push(
      [`${p}.self_attn.q_proj.weight`, config.num_attention_heads * hd * d],
      [`${p}.self_attn.k_proj.weight`, config.num_key_value_heads * hd * d],
      [`${p}.self_attn.v_proj.weight`, config.num_key_value_heads * hd * d],
      [`${p}.self_attn.o_proj.weight`, d * config.num_attention_heads * hd],
      [`${p}.input_layernorm.weight`, d],
      [`${p}.post_attention_layernorm.weight`, d],
      [`${p}.mlp.gate_proj.weight`, f * d],
      [`${p}.mlp.up_proj.weight`, f * d],
      [`${p}.mlp.down_proj.weight`, d * f],
    );
  }
  shapes.push(["model.norm.weight", d]);
  if (!config.tie_word_embeddings) shapes.push(["lm_head.weight", config.vocab_size * d]);
  return new Map(
    shapes.map(([name, size], index) => [
      name,
      Float32Array.from(
        { length: size },
        (_, j) =>
          (seededUniform(seed, [index], j) - 0.5) * 0.6 +
          (name.endsWith("layernorm.weight") || name === "model.norm.weight" ? 1 : 0),
      ),
    ]),
  );
}

function numpyForward(
  config: LlamaConfig,
  weights: Map<string, Float32Array>,
  inputIds: number[],
): number[][] {
  const input = JSON.stringify({
    config,
    weights: Object.fromEntries([...weights].map(([name, value]) => [name, Array.from(value)])),
    input_ids: inputIds,
  });
  return JSON.parse(
    execFileSync("python3", [numpyReference], { input, encoding: "utf8", maxBuffer: 1 << 26 }),
  );
}

const base = {
  vocab_size: 50,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
};

describe("llamaReferenceForward", () => {
  for (const [name, overrides] of [
    ["grouped-query attention, separate lm_head", {}],
    [
      "tied embeddings, multi-query attention, explicit head_dim, theta 500000",
      { tie_word_embeddings: true, num_key_value_heads: 1, head_dim: 16, rope_theta: 500000 },
    ],
    [
      "Llama-3.2-1B scaled down: llama3 rope_scaling (factor 32, low 1, high 4, original 8192), GQA 4:1, tied",
      {
        tie_word_embeddings: true,
        num_attention_heads: 8,
        num_key_value_heads: 2,
        rope_theta: 500000,
        rope_scaling: {
          rope_type: "llama3",
          factor: 32,
          low_freq_factor: 1,
          high_freq_factor: 4,
          original_max_position_embeddings: 8192,
        },
      },
    ],
  ] as const) {
    it(`equals an independent numpy port of HF Llama (${name})`, () => {
      const config = LlamaConfig.parse({ ...base, ...overrides });
      const weights = randomWeights(config, 11);
      const inputIds = [3, 17, 42, 0, 49, 8, 8, 25];
      const ours = llamaReferenceForward(config, weights, inputIds);
      const reference = numpyForward(config, weights, inputIds);
      expect(ours).toHaveLength(inputIds.length);
      for (let t = 0; t < inputIds.length; t++)
        for (let v = 0; v < config.vocab_size; v++)
          expect(Math.abs((ours[t]?.[v] as number) - (reference[t]?.[v] as number))).toBeLessThan(1e-9);
    });
  }

  it("is causal: logits of a prefix do not change when tokens are appended", () => {
    const config = LlamaConfig.parse(base);
    const weights = randomWeights(config, 5);
    const short = llamaReferenceForward(config, weights, [1, 2, 3]);
    const long = llamaReferenceForward(config, weights, [1, 2, 3, 4, 5]);
    expect(long.slice(0, 3)).toEqual(short);
  });

  it("names a missing or mis-sized tensor", () => {
    const config = LlamaConfig.parse(base);
    const weights = randomWeights(config, 5);
    weights.delete("lm_head.weight");
    expect(() => llamaReferenceForward(config, weights, [1])).toThrow(LlamaWeightError);
    expect(() => llamaReferenceForward(config, weights, [1])).toThrow(/tensor lm_head.weight: missing/);
    weights.set("lm_head.weight", new Float32Array(3));
    expect(() => llamaReferenceForward(config, weights, [1])).toThrow(/has 3 elements, expected 1600/);
  });
});
