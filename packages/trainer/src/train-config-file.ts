import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { TrainerConfigError } from "./errors.js";
import { parseTrainLocalConfig, type TrainLocalConfigInput, type TrainLocalOptions } from "./train-local.js";

/**
 * The file `swerl train --config FILE` reads (JSON) for the local engine. Paths are relative to the file.
 * `sft` and `grpo` hold overrides of the tuned defaults (LOCAL_SFT_DEFAULTS, LOCAL_GRPO_DEFAULTS); with
 * neither section both phases run, with one only that phase runs, and `false` skips a phase. Without
 * `modelDir` the default model (`model`: a DefaultModelSpec) is created in `outDir/base-model`.
 */
export const TrainConfigFile = z.strictObject({
  instancesFile: z.string().min(1),
  heldoutFile: z.string().min(1).optional(),
  outDir: z.string().min(1),
  modelDir: z.string().min(1).optional(),
  model: z.unknown().optional(),
  maxPromptTokens: z.unknown().optional(),
  sft: z.unknown().optional(),
  grpo: z.unknown().optional(),
});
export type TrainConfigFile = z.infer<typeof TrainConfigFile>;

/** trainLocal's options from a parsed config file (`source` names it in errors; `baseDir` resolves paths). */
export function trainOptionsFromConfig(
  input: unknown,
  source: string,
  baseDir: string,
): Omit<TrainLocalOptions, "onProgress" | "signal"> {
  const parsed = TrainConfigFile.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerConfigError(source, issue?.path.join(".") ?? "", issue?.message ?? "invalid");
  }
  const file = parsed.data;
  const neither = file.sft === undefined && file.grpo === undefined;
  const config: Record<string, unknown> = {
    sft: file.sft ?? (neither ? {} : false),
    grpo: file.grpo ?? (neither ? {} : false),
  };
  if (file.model !== undefined) config.model = file.model;
  if (file.maxPromptTokens !== undefined) config.maxPromptTokens = file.maxPromptTokens;
  parseTrainLocalConfig(config, source);
  const path = (p: string) => resolve(baseDir, p);
  return {
    instancesFile: path(file.instancesFile),
    ...(file.heldoutFile ? { heldoutFile: path(file.heldoutFile) } : {}),
    outDir: path(file.outDir),
    ...(file.modelDir ? { modelDir: path(file.modelDir) } : {}),
    config: config as TrainLocalConfigInput,
  };
}

/** Reads and validates a `swerl train --config` file. */
export async function readTrainConfigFile(
  file: string,
): Promise<Omit<TrainLocalOptions, "onProgress" | "signal">> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new TrainerConfigError(file, "", `cannot read JSON: ${(err as Error).message}`);
  }
  return trainOptionsFromConfig(raw, file, dirname(resolve(file)));
}
