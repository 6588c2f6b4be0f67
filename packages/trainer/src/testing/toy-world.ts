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
