import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tokenizerJson } from "@swerl/rollout";
import { LlamaConfig, type LlamaConfig as LlamaConfigType } from "@swerl/schema";
import type { LlamaWeights } from "../jit-llama.js";
import { writeWeights } from "../model-dir.js";
import { learnByteBpe } from "./byte-bpe.js";

export const SPECIAL_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"] as const;
const CHAT_TEMPLATE =
  "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n{% endfor %}" +
  "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

/** Llama weight shapes by Hugging Face name for `config`. */
export function llamaShapes(config: LlamaConfigType): Map<string, number[]> {
  const h = config.hidden_size;
  const hd = config.head_dim ?? h / config.num_attention_heads;
  const q = config.num_attention_heads * hd;
  const kv = config.num_key_value_heads * hd;
  const f = config.intermediate_size;
  const shapes = new Map<string, number[]>([
    ["model.embed_tokens.weight", [config.vocab_size, h]],
    ["model.norm.weight", [h]],
  ]);
  if (!config.tie_word_embeddings) shapes.set("lm_head.weight", [config.vocab_size, h]);
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    shapes.set(`${p}input_layernorm.weight`, [h]);
    shapes.set(`${p}post_attention_layernorm.weight`, [h]);
    shapes.set(`${p}self_attn.q_proj.weight`, [q, h]);
    shapes.set(`${p}self_attn.k_proj.weight`, [kv, h]);
    shapes.set(`${p}self_attn.v_proj.weight`, [kv, h]);
    shapes.set(`${p}self_attn.o_proj.weight`, [h, q]);
    shapes.set(`${p}mlp.gate_proj.weight`, [f, h]);
    shapes.set(`${p}mlp.up_proj.weight`, [f, h]);
    shapes.set(`${p}mlp.down_proj.weight`, [h, f]);
  }
  return shapes;
}

/** Seeded normal(0, std) initialisation (norms at 1), as a fresh Hugging Face Llama would be. */
export function initWeights(config: LlamaConfigType, seed: number, std = 0.02): LlamaWeights {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const shapes = llamaShapes(config);
  const values = new Map(
    [...shapes].map(([name, shape]) => [
      name,
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
        shape.length === 1 ? 1 : std * normal(),
      ),
    ]),
  );
  return { values, shapes };
}

export interface ToyModelOptions {
  outDir: string;
  /** Architecture without vocab_size (set from the tokenizer). */
  config: Omit<Partial<LlamaConfigType>, "vocab_size">;
  corpus: readonly string[];
  /** Target vocabulary size (bytes + merges + special tokens). */
  vocabSize: number;
  seed: number;
  /** GPT-2 pre-split before BPE (true) or merges across spaces and lines (false). */
  useRegex?: boolean;
}

/**
 * Writes a model directory in the contract's layout (config.json, generation_config.json,
 * model.safetensors, tokenizer.json with byte-level BPE learned on `corpus`, tokenizer_config.json with a
 * chat template): a stand-in for @swerl/rollout's createModel in the trainer's tests and demo run.
 */
export async function writeToyModel(options: ToyModelOptions): Promise<LlamaConfigType> {
  const { vocab, merges } = learnByteBpe(
    options.corpus,
    options.vocabSize - 256 - SPECIAL_TOKENS.length,
    options.useRegex ?? true,
  );
  const specialIds = SPECIAL_TOKENS.map((_, i) => vocab.length + i);
  const eos = specialIds[3] as number;
  const config = LlamaConfig.parse({
    hidden_size: 64,
    intermediate_size: 192,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 1024,
    rms_norm_eps: 1e-5,
    ...options.config,
    vocab_size: vocab.length + SPECIAL_TOKENS.length,
    eos_token_id: eos,
  });
  await mkdir(options.outDir, { recursive: true });
  // The learnt vocabulary, then the special tokens (ids vocab.length + i), as rollout writes tokenizer.json
  const bpe = {
    vocab: new Map([...vocab, ...SPECIAL_TOKENS].map((token, id) => [token, id])),
    merges: merges.map((merge) => merge.split(" ") as [string, string]),
  };
  const tokenizer = tokenizerJson(bpe, SPECIAL_TOKENS, { useRegex: options.useRegex ?? true });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(options.outDir, "tokenizer.json"), json(tokenizer));
  await writeFile(
    join(options.outDir, "tokenizer_config.json"),
    json({
      chat_template: CHAT_TEMPLATE,
      eos_token: "<|end|>",
      model_max_length: config.max_position_embeddings,
    }),
  );
  await writeFile(join(options.outDir, "config.json"), json(config));
  await writeFile(join(options.outDir, "generation_config.json"), json({ eos_token_id: eos }));
  await writeWeights(options.outDir, initWeights(config, options.seed));
  return config;
}
