import { z } from "zod";

/**
 * Llama 3's RoPE scaling (`rope_scaling` of every Llama 3.1+ config.json, `rope_type: "llama3"`; older
 * files spell the key `type`): low frequencies are divided by `factor`, high ones kept, those between
 * interpolated (transformers' `_compute_llama3_parameters`). Other scaling types are not supported.
 */
export const Llama3RopeScaling = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("rope_type" in value) && "type" in value
      ? { ...value, rope_type: (value as { type: unknown }).type }
      : value,
  z
    .looseObject({
      rope_type: z.literal("llama3"),
      factor: z.number().positive(),
      low_freq_factor: z.number().positive(),
      high_freq_factor: z.number().positive(),
      original_max_position_embeddings: z.number().int().positive(),
    })
    .refine((s) => s.high_freq_factor > s.low_freq_factor, {
      message: "high_freq_factor must exceed low_freq_factor",
      path: ["high_freq_factor"],
    }),
);
export type Llama3RopeScaling = z.infer<typeof Llama3RopeScaling>;

/**
 * The `config.json` of a Llama-architecture decoder, in Hugging Face's field names — the contract
 * between the rollout engine (ONNX) and the trainer (autodiff) for swerl's own model family and any
 * exported Llama model. Weights follow Hugging Face's tensor names (`model.embed_tokens.weight`,
 * `model.layers.N.self_attn.q_proj.weight`, …, `lm_head.weight`), stored [out, in] like torch.nn.Linear.
 */
export const LlamaConfig = z.looseObject({
  model_type: z.literal("llama").default("llama"),
  architectures: z.array(z.string()).default(["LlamaForCausalLM"]),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive(),
  head_dim: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive(),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: Llama3RopeScaling.nullable().optional(),
  tie_word_embeddings: z.boolean().default(false),
  hidden_act: z.literal("silu").default("silu"),
  bos_token_id: z.number().int().nonnegative().optional(),
  eos_token_id: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).optional(),
  pad_token_id: z.number().int().nonnegative().nullable().optional(),
  torch_dtype: z.string().default("float32"),
});
export type LlamaConfig = z.infer<typeof LlamaConfig>;
