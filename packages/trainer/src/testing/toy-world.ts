import { join } from "node:path";
import { buildRepairPrompt } from "@swerl/rollout";
import { type LlamaConfig, RlInstance, writeRecords } from "@swerl/schema";
import { buildOracleResponse } from "../oracle-response.js";
import { toyInstances } from "./toy-instances.js";
import { writeToyModel } from "./toy-model.js";

export interface ToyWorld {
  modelDir: string;
  instancesFile: string;
  heldoutFile: string;
  config: LlamaConfig;
}

/** The one-layer, 1024-token model the SFT and GRPO phase tests train: fast on a CPU, big enough to learn. */
export const PHASE_TEST_MODEL = {
  vocabSize: 1024,
  useRegex: false,
  config: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    max_position_embeddings: 1024,
  },
} as const;

/**
 * A model dir (tokenizer learned on the training prompts and oracle responses) plus train and held-out
 * RL instance files under `dir`: what the trainer's tests and demo run train on.
 */
export async function writeToyWorld(options: {
  dir: string;
  train: number;
  heldout: number;
  vocabSize: number;
  config: Omit<Partial<LlamaConfig>, "vocab_size">;
  seed?: number;
  oracleContextLines?: number;
  useRegex?: boolean;
}): Promise<ToyWorld> {
  const train = toyInstances(options.train, 1);
  const heldout = toyInstances(options.heldout, 2);
  // The tokenizer learns on at most 60 instances: enough for the shared prompt text, and fast.
  const corpus = train
    .slice(0, 60)
    .flatMap((instance) => [
      ...buildRepairPrompt(instance).messages.map((m) => m.content),
      buildOracleResponse(instance, { contextLines: options.oracleContextLines ?? 0 }),
    ]);
  const modelDir = join(options.dir, "model");
  const config = await writeToyModel({
    outDir: modelDir,
    config: options.config,
    corpus,
    vocabSize: options.vocabSize,
    seed: options.seed ?? 1,
    ...(options.useRegex !== undefined ? { useRegex: options.useRegex } : {}),
  });
  const instancesFile = join(options.dir, "train.jsonl");
  const heldoutFile = join(options.dir, "heldout.jsonl");
  await writeRecords(instancesFile, RlInstance, train);
  await writeRecords(heldoutFile, RlInstance, heldout);
  return { modelDir, instancesFile, heldoutFile, config };
}
