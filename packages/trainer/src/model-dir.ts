import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { llamaTensorShapes, readModelWeights } from "@swerl/rollout";
import { float32Tensor, type LlamaConfig, writeSafetensors } from "@swerl/schema";
import type { LlamaWeights } from "./jit-llama.js";

/** The weights file of a model directory (Hugging Face layout). */
export const WEIGHTS_FILE = "model.safetensors";

/** A Llama model directory read for training: its config and float32 weights. */
export interface LoadedModel {
  dir: string;
  config: LlamaConfig;
  weights: LlamaWeights;
}

/**
 * Reads `config.json` and `model.safetensors` of a model directory (every tensor as float32) through
 * rollout's `readModelWeights`, the one reader (and validator) of model directories; shapes from the
 * config's Llama tensor layout.
 */
export async function readModelDir(dir: string): Promise<LoadedModel> {
  const { config, weights: values } = await readModelWeights(dir);
  const layout = new Map(llamaTensorShapes(config));
  const weights: LlamaWeights = { values, shapes: new Map() };
  for (const [name, tensor] of values) weights.shapes.set(name, layout.get(name) ?? [tensor.length]);
  return { dir, config, weights };
}

/** Writes `weights` as `dir/model.safetensors` (float32, atomically). */
export async function writeWeights(dir: string, weights: LlamaWeights): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = new Map(
    [...weights.values].map(([name, values]) => [
      name,
      float32Tensor(values, weights.shapes.get(name) as number[]),
    ]),
  );
  await writeSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: "pt" });
}

/**
 * Writes a full model directory at `dest`: every top-level file of `source` except the weights (config,
 * tokenizer, generation config; not `onnx/`, which is rebuilt from the weights), then `weights`.
 */
export async function writeModelDir(source: string, dest: string, weights: LlamaWeights): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== WEIGHTS_FILE && !entry.name.includes(".partial"))
      await copyFile(join(source, entry.name), join(dest, entry.name));
  }
  await writeWeights(dest, weights);
}

/** A deep copy of float32 weights (for a frozen reference or a comparison). */
export function cloneWeights(weights: LlamaWeights): LlamaWeights {
  return {
    values: new Map([...weights.values].map(([n, v]) => [n, Float32Array.from(v)])),
    shapes: new Map([...weights.shapes].map(([n, s]) => [n, [...s]])),
  };
}
