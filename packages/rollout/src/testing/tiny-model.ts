import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaConfig } from "@swerl/schema";
import type { z } from "zod";
import { createModel } from "../model-directory.js";

export const TINY_CORPUS = [
  "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n",
  "We are currently solving the following issue within our repository.\n",
  "<think>the bug is in add</think>\n<solution>\n```python\n### src/util.py\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n```\n</solution>",
];

/** Grouped-query attention (2 query heads per key head), untied head, 2 layers: small and fast. */
export const TINY_CONFIG: z.input<typeof LlamaConfig> = {
  vocab_size: 320,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 96,
  rms_norm_eps: 1e-5,
};

/** A fresh model directory under the OS temp dir, from `createModel`. */
export async function tinyModel(
  config: z.input<typeof LlamaConfig> = TINY_CONFIG,
  seed = 7,
): Promise<{ dir: string; config: LlamaConfig }> {
  const dir = await mkdtemp(join(tmpdir(), "swerl-model-"));
  return { dir, config: await createModel({ outDir: dir, config, seed, corpus: TINY_CORPUS }) };
}
