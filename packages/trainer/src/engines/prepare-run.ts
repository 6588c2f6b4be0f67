import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildRepairPrompt } from "@swerl/rollout";
import { RlInstance, readRecords } from "@swerl/schema";
import type { GrpoConfig } from "../config.js";
import { type EnginePrompt, writeOpenRlhfDataset, writeVerlDataset } from "./datasets.js";
import { type EngineLaunchPlan, type ExternalEngine, planEngineRun, shellLine } from "./launch.js";

export interface PrepareEngineRunOptions {
  engine: ExternalEngine;
  /** RL instances (.jsonl or .parquet) the engine trains on. */
  instancesFile: string;
  config: GrpoConfig;
  /** Hugging Face model directory or hub id the engine trains. */
  modelPath: string;
  /** The Ray job's working_dir: the dataset and the reward glue are written here. */
  workDir: string;
  /** swerl's reward server as the engine's workers reach it. */
  rewardUrl: string;
  rayAddress?: string;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
}

export interface PreparedEngineRun {
  plan: EngineLaunchPlan;
  /** Absolute path of the dataset (written unless `dryRun`). */
  datasetPath: string;
  prompts: number;
  /** Absolute paths of the glue files (written unless `dryRun`), with their contents. */
  files: Record<string, string>;
  /** `ray job submit …` as one shell line. */
  submit: string;
}

/** Every prompt of `instancesFile` as an engine sees it: rollout's repair prompt and the reward label. */
async function enginePrompts(instancesFile: string): Promise<EnginePrompt[]> {
  const prompts: EnginePrompt[] = [];
  for await (const instance of readRecords(instancesFile, RlInstance)) {
    prompts.push({
      // The same system + user turns as the local engine's rollouts and SFT targets.
      messages: buildRepairPrompt(instance).messages,
      label: {
        instanceId: instance.instanceId,
        codeContext: instance.codeContext,
        oracleNewContent: instance.oracleNewContent,
      },
    });
  }
  return prompts;
}

/**
 * A GRPO run on verl or OpenRLHF, ready to submit: the dataset in the engine's format, the glue that makes
 * the engine ask swerl's reward server, and the `ray job submit` command (paper preset by default).
 */
export async function prepareEngineRun(options: PrepareEngineRunOptions): Promise<PreparedEngineRun> {
  const prompts = await enginePrompts(options.instancesFile);
  const workDir = resolve(options.workDir);
  const plan = planEngineRun({
    engine: options.engine,
    config: options.config,
    modelPath: options.modelPath,
    workDir,
    rewardUrl: options.rewardUrl,
    ...(options.rayAddress ? { rayAddress: options.rayAddress } : {}),
  });
  const datasetPath = join(workDir, plan.datasetFile);
  const files = Object.fromEntries(
    Object.entries(plan.files).map(([name, content]) => [join(workDir, name), content]),
  );
  if (!options.dryRun) {
    if (options.engine === "verl") await writeVerlDataset(datasetPath, prompts);
    else await writeOpenRlhfDataset(datasetPath, prompts);
    for (const [file, content] of Object.entries(files)) await writeFile(file, content);
  }
  return { plan, datasetPath, prompts: prompts.length, files, submit: shellLine(plan.command) };
}
