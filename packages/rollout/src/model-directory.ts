import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  float32Tensor,
  LlamaConfig,
  readSafetensors,
  type Tensor,
  tensorToFloat32,
  writeSafetensors,
} from "@swerl/schema";
import type { z } from "zod";
import { tokenizerJson, trainByteLevelBpe } from "./byte-level-bpe.js";
import { ModelDirectoryError } from "./errors.js";
import { buildLlamaOnnx, headDimOf } from "./llama-onnx-graph.js";
import { readModelJson } from "./model-tokenizer.js";
import { SYSTEM_PROMPT } from "./repair-prompt.js";
import { seededUniform } from "./seeded-uniform.js";

/** The embedded default model of the demo (contracts.md #4): about 0.5 M parameters. */
export const DEMO_MODEL_CONFIG: LlamaConfig = LlamaConfig.parse({
  vocab_size: 1024,
  hidden_size: 96,
  intermediate_size: 256,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 1024,
  rope_theta: 10000,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: false,
});

/** Special tokens of swerl's tokenizers: ids 0, 1, 2 (ChatML turns; `<|im_end|>` ends a reply). */
export const SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

function jinjaString(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}

/** ChatML, with SYSTEM_PROMPT as the system turn when the conversation brings none. */
export const CHAT_TEMPLATE =
  `{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\n' + ${jinjaString(SYSTEM_PROMPT)} + '<|im_end|>\\n' }}{% endif %}` +
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Hugging Face's Llama initialisation scale (`initializer_range`). */
const INITIALIZER_RANGE = 0.02;

export interface CreateModelOptions {
  outDir: string;
  /** Architecture; DEMO_MODEL_CONFIG when absent. Token ids of config.json are set from the tokenizer. */
  config?: z.input<typeof LlamaConfig>;
  /** Weight initialisation seed: same seed and config, same bytes. */
  seed: number;
  /** Texts the byte-level BPE is trained on (deterministically) up to `vocab_size` tokens. */
  corpus: readonly string[];
  onProgress?: (step: string) => void;
  signal?: AbortSignal;
}

/** A float32 stream of N(0, std²) values from (seed, tensor index): mulberry32 uniforms + Box-Muller. */
function normalTensor(size: number, std: number, seed: number, stream: number): Float32Array {
  let state = Math.floor(seededUniform(seed, [stream], 0) * 2 ** 32) >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform())) * std;
    const angle = 2 * Math.PI * uniform();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < size) values[i + 1] = radius * Math.sin(angle);
  }
  return values;
}

/** HF tensor names and shapes of a Llama config, in the order of ARCHITECTURE-CONTRACT.md. */
export function llamaTensorShapes(config: LlamaConfig): Array<[string, number[]]> {
  const d = config.hidden_size;
  const hd = headDimOf(config);
  const q = config.num_attention_heads * hd;
  const kv = config.num_key_value_heads * hd;
  const f = config.intermediate_size;
  const shapes: Array<[string, number[]]> = [["model.embed_tokens.weight", [config.vocab_size, d]]];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    shapes.push(
      [`${p}.input_layernorm.weight`, [d]],
      [`${p}.self_attn.q_proj.weight`, [q, d]],
      [`${p}.self_attn.k_proj.weight`, [kv, d]],
      [`${p}.self_attn.v_proj.weight`, [kv, d]],
      [`${p}.self_attn.o_proj.weight`, [d, q]],
      [`${p}.post_attention_layernorm.weight`, [d]],
      [`${p}.mlp.gate_proj.weight`, [f, d]],
      [`${p}.mlp.up_proj.weight`, [f, d]],
      [`${p}.mlp.down_proj.weight`, [d, f]],
    );
  }
  shapes.push(["model.norm.weight", [d]]);
  if (!config.tie_word_embeddings) shapes.push(["lm_head.weight", [config.vocab_size, d]]);
  return shapes;
}

/** Hugging Face's initial Llama weights (norms 1, everything else N(0, 0.02²)) from a seed. */
export function initialLlamaWeights(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  return new Map(
    llamaTensorShapes(config).map(([name, shape], index) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = name.endsWith("norm.weight")
        ? new Float32Array(size).fill(1)
        : normalTensor(size, INITIALIZER_RANGE, seed, index);
      return [name, values] as const;
    }),
  );
}

function checkConfig(config: LlamaConfig, file: string): void {
  const hd = headDimOf(config);
  const problems: string[] = [];
  if (config.num_attention_heads % config.num_key_value_heads !== 0)
    problems.push(
      `num_attention_heads ${config.num_attention_heads} is not a multiple of num_key_value_heads ${config.num_key_value_heads}`,
    );
  if (!Number.isInteger(hd) || hd % 2 !== 0) problems.push(`head_dim ${hd} must be an even integer for RoPE`);
  if (problems.length > 0) throw new ModelDirectoryError(file, problems.join("; "));
}

async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.partial`;
  await writeFile(temp, data);
  await rename(temp, file);
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** config.json and model.safetensors of a model directory, checked against each other. */
export async function readModelWeights(
  dir: string,
): Promise<{ config: LlamaConfig; weights: Map<string, Float32Array> }> {
  const configFile = join(dir, "config.json");
  const parsed = LlamaConfig.safeParse(await readModelJson(dir, "config.json"));
  if (!parsed.success)
    throw new ModelDirectoryError(configFile, `not a Llama config: ${parsed.error.message}`);
  checkConfig(parsed.data, configFile);
  const { tensors } = await readSafetensors(join(dir, "model.safetensors"));
  const weights = new Map<string, Float32Array>();
  for (const [name, tensor] of tensors) weights.set(name, tensorToFloat32(tensor));
  return { config: parsed.data, weights };
}

/** Rebuilds `onnx/model.onnx` from config.json + model.safetensors (after the trainer rewrote the weights). */
export async function exportOnnx(dir: string): Promise<string> {
  const { config, weights } = await readModelWeights(dir);
  const file = join(dir, "onnx", "model.onnx");
  await mkdir(join(dir, "onnx"), { recursive: true });
  await writeAtomically(file, buildLlamaOnnx(config, weights));
  return file;
}

/**
 * Writes a new model directory in the Hugging Face / Optimum layout (contracts.md #4): a byte-level BPE
 * trained on `corpus`, ChatML template, seeded initial weights, and the ONNX graph of those weights.
 */
export async function createModel(options: CreateModelOptions): Promise<LlamaConfig> {
  const { outDir, signal } = options;
  const base = LlamaConfig.parse(options.config ?? DEMO_MODEL_CONFIG);
  checkConfig(base, "config");
  await mkdir(join(outDir, "onnx"), { recursive: true });
  options.onProgress?.("tokenizer");
  const bpe = trainByteLevelBpe(options.corpus, base.vocab_size, SPECIAL_TOKENS);
  signal?.throwIfAborted();
  const [endOfText, , imEnd] = SPECIAL_TOKENS.map((token) => bpe.vocab.get(token) as number) as [
    number,
    number,
    number,
  ];
  const config: LlamaConfig = LlamaConfig.parse({
    ...base,
    bos_token_id: endOfText,
    eos_token_id: imEnd,
    pad_token_id: endOfText,
    initializer_range: INITIALIZER_RANGE,
    use_cache: true,
  });
  const addedTokens = Object.fromEntries(
    SPECIAL_TOKENS.map((content) => [
      String(bpe.vocab.get(content)),
      { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true },
    ]),
  );
  await writeAtomically(join(outDir, "tokenizer.json"), json(tokenizerJson(bpe, SPECIAL_TOKENS)));
  await writeAtomically(
    join(outDir, "tokenizer_config.json"),
    json({
      tokenizer_class: "PreTrainedTokenizerFast",
      added_tokens_decoder: addedTokens,
      bos_token: "<|endoftext|>",
      eos_token: "<|im_end|>",
      pad_token: "<|endoftext|>",
      unk_token: null,
      add_bos_token: false,
      add_eos_token: false,
      clean_up_tokenization_spaces: false,
      model_max_length: config.max_position_embeddings,
      chat_template: CHAT_TEMPLATE,
    }),
  );
  await writeAtomically(join(outDir, "config.json"), json(config));
  await writeAtomically(
    join(outDir, "generation_config.json"),
    json({ bos_token_id: endOfText, eos_token_id: [imEnd, endOfText], pad_token_id: endOfText }),
  );
  options.onProgress?.("weights");
  const weights = initialLlamaWeights(config, options.seed);
  const shapes = new Map(llamaTensorShapes(config));
  const tensors = new Map<string, Tensor>();
  for (const [name, values] of weights)
    tensors.set(name, float32Tensor(values, shapes.get(name) ?? [values.length]));
  await writeSafetensors(join(outDir, "model.safetensors"), tensors, { format: "pt" });
  signal?.throwIfAborted();
  options.onProgress?.("onnx");
  await writeAtomically(join(outDir, "onnx", "model.onnx"), buildLlamaOnnx(config, weights));
  return config;
}
