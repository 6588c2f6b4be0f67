import { access, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildRepairPrompt, createModel, DEMO_MODEL_CONFIG } from "@swerl/rollout";
import { LlamaConfig, RlInstance, readRecords } from "@swerl/schema";
import { z } from "zod";
import { OracleResponseError } from "./errors.js";
import { buildOracleResponse } from "./oracle-response.js";

/**
 * The model the local engine creates when none is given: rollout's `createModel` (byte-level BPE learnt
 * on the training instances' prompts and oracle responses, ChatML, seeded Hugging Face initial weights,
 * the ONNX graph). Architecture: rollout's DEMO_MODEL_CONFIG with 2048 positions, so that prompts of
 * whole-file code contexts (a few thousand characters, about 1000 tokens) fit; RoPE has no position
 * parameters, so the extra positions cost nothing unless used.
 */
export const DefaultModelSpec = z.strictObject({
  /** Llama config keys overriding the default architecture (vocab_size included; token ids are set). */
  config: z.record(z.string(), z.unknown()).default({}),
  seed: z.number().int().nonnegative().default(0),
  /** The tokenizer learns on the first N training instances (prompt texts + oracle responses). */
  corpusInstances: z.number().int().positive().default(200),
});
export type DefaultModelSpec = z.infer<typeof DefaultModelSpec>;
export type DefaultModelSpecInput = z.input<typeof DefaultModelSpec>;

/** DEMO_MODEL_CONFIG with the context the local engine's default model has. */
export const DEFAULT_MODEL_CONFIG: LlamaConfig = LlamaConfig.parse({
  ...DEMO_MODEL_CONFIG,
  max_position_embeddings: 2048,
});

/** The texts the default tokenizer learns from: each instance's system + user message and oracle response. */
export async function tokenizerCorpus(instancesFile: string, limit: number): Promise<string[]> {
  const corpus: string[] = [];
  let count = 0;
  for await (const instance of readRecords(instancesFile, RlInstance)) {
    if (count++ >= limit) break;
    corpus.push(...buildRepairPrompt(instance).messages.map((m) => m.content));
    try {
      corpus.push(buildOracleResponse(instance, { contextLines: 0 }));
    } catch (err) {
      if (!(err instanceof OracleResponseError)) throw err;
    }
  }
  return corpus;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Creates the default model directory at `dir` from `instancesFile` (see {@link DefaultModelSpec}), or
 * returns at once when a complete one is already there (resume). Built under `dir.partial` and renamed,
 * so an interrupted creation is never mistaken for a model.
 */
export async function createDefaultModel(options: {
  instancesFile: string;
  dir: string;
  spec?: DefaultModelSpecInput;
  signal?: AbortSignal;
}): Promise<string> {
  const { dir } = options;
  if (await exists(join(dir, "config.json"))) return dir;
  const spec = DefaultModelSpec.parse(options.spec ?? {});
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await createModel({
    outDir: partial,
    config: LlamaConfig.parse({ ...DEFAULT_MODEL_CONFIG, ...spec.config }),
    seed: spec.seed,
    corpus: await tokenizerCorpus(options.instancesFile, spec.corpusInstances),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await rename(partial, dir);
  return dir;
}
