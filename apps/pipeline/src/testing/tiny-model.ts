import { createModel } from "@swerl/rollout";

/** A tiny model of our Llama family (2 layers, 32 wide, grouped-query attention) for command tests. */
export const TINY_MODEL = {
  vocab_size: 300,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 2048,
};

const CORPUS = ["def add(a, b):\n    return a + b\n", "<think>fix add</think>\n<solution>\n</solution>"];

/** Writes a {@link TINY_MODEL} directory (ONNX decoder and a tokenizer learnt on `corpus`) to `outDir`. */
export async function createTinyModel(
  outDir: string,
  options: { seed: number; corpus?: string[]; maxPositions?: number },
): Promise<void> {
  await createModel({
    outDir,
    seed: options.seed,
    corpus: options.corpus ?? CORPUS,
    config: {
      ...TINY_MODEL,
      max_position_embeddings: options.maxPositions ?? TINY_MODEL.max_position_embeddings,
    },
  });
}
