import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { access, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildRepairPrompt, type ChatMessage, loadTokenizer } from "@swerl/rollout";
import { RlInstance, readRecords } from "@swerl/schema";
import { configErrorFrom } from "./config-error.js";
import { type EnginePrompt, writeOpenRlhfDataset, writeVerlDataset } from "./datasets.js";
import { EngineLaunchError, resolveEngine } from "./engine-surface.js";
import { engineDataFiles, planEngineRun, shellLine } from "./launch.js";
import { EngineLaunchConfig, type EngineLaunchConfigInput } from "./launch-config.js";
import type { EngineLaunchPlan } from "./launch-plan.js";

export interface PrepareEngineRunOptions {
  /** RL instances (.jsonl or .parquet) the engine trains on. */
  instancesFile: string;
  /** The Ray job's working_dir: the train and validation files and the reward glue are written here. */
  workDir: string;
  /** The launch (engine@version, preset, cluster, lengths, checkpoints). */
  launch: EngineLaunchConfigInput;
  /** `write` (default) writes the files; `dry-run` and `check` write nothing (`check` also checks the paths). */
  mode?: "write" | "dry-run" | "check";
  /** Names the launch config in errors. */
  source?: string;
}

/** What the prompts' lengths were measured with, and what they came to. */
export interface PromptLengths {
  measuredBy: string;
  longestKept: number;
  median: number;
  /** The engine's max prompt length: the longest kept prompt rounded up to 256. */
  maxPromptLength: number;
}

export interface PreparedEngineRun {
  plan: EngineLaunchPlan;
  trainPath: string;
  validationPath: string | null;
  prompts: { total: number; overlong: number; train: number; validation: number };
  /** Instance ids dropped because their prompt is longer than maxPromptTokens. */
  overlongInstances: string[];
  lengths: PromptLengths;
  /** Absolute paths of the glue files, with their contents. */
  files: Record<string, string>;
  /** `ray job submit …` as one shell line. */
  submit: string;
  written: boolean;
}

type Counter = { by: string; count: (messages: ChatMessage[]) => number };

async function promptCounter(tokenizerDir: string | undefined): Promise<Counter> {
  if (tokenizerDir) {
    const tokenizer = await loadTokenizer(tokenizerDir);
    return {
      by: `the tokenizer and chat template of ${tokenizerDir}`,
      count: (messages) =>
        tokenizer.countTokens(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true })),
    };
  }
  // No tokenizer here (a hub id): bound it by UTF-8 bytes / 3 (code averages 3.5-4 bytes per BPE token).
  return {
    by: "an estimate (UTF-8 bytes / 3 + 8 per message); give tokenizerDir for exact counts",
    count: (messages) =>
      messages.reduce((sum, m) => sum + Math.ceil(Buffer.byteLength(m.content, "utf8") / 3) + 8, 0) + 8,
  };
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * A GRPO run on a pinned verl or OpenRLHF, ready to submit: the prompts measured (overlong ones filtered
 * and counted), a held-out validation file beside the train file, the reward glue, and the validated
 * `ray job submit` command with the checkpoint and model paths.
 */
export async function prepareEngineRun(options: PrepareEngineRunOptions): Promise<PreparedEngineRun> {
  const source = options.source ?? "engine launch config";
  const parsed = EngineLaunchConfig.safeParse(options.launch);
  if (!parsed.success) throw configErrorFrom(source, parsed.error);
  const config = parsed.data;
  const target = resolveEngine(config.engine);
  const mode = options.mode ?? "write";
  if (mode === "check") {
    await access(options.instancesFile).catch(() => {
      throw new EngineLaunchError("instancesFile", `${options.instancesFile} cannot be read`);
    });
    if (config.tokenizerDir && !existsSync(join(config.tokenizerDir, "tokenizer.json")))
      throw new EngineLaunchError("tokenizerDir", `${config.tokenizerDir} has no tokenizer.json`);
  }
  const tokenizerDir =
    config.tokenizerDir ??
    (existsSync(join(config.modelPath, "tokenizer.json")) ? config.modelPath : undefined);
  const counter = await promptCounter(tokenizerDir);

  const kept: Array<EnginePrompt & { tokens: number; rank: string }> = [];
  const overlong: string[] = [];
  let total = 0;
  for await (const instance of readRecords(options.instancesFile, RlInstance)) {
    total++;
    const messages = buildRepairPrompt(instance).messages;
    const tokens = counter.count(messages);
    if (tokens > config.maxPromptTokens) {
      overlong.push(instance.instanceId);
      continue;
    }
    kept.push({
      messages,
      label: {
        instanceId: instance.instanceId,
        codeContext: instance.codeContext,
        oracleNewContent: instance.oracleNewContent,
      },
      tokens,
      rank: createHash("sha256").update(`${config.seed}:${instance.instanceId}`).digest("hex"),
    });
  }
  if (kept.length === 0)
    throw new EngineLaunchError(
      "maxPromptTokens",
      `all ${total} prompts of ${options.instancesFile} are longer than ${config.maxPromptTokens} tokens (measured with ${counter.by})`,
    );
  const validationCount = Math.min(config.validationPrompts, Math.floor(kept.length / 10));
  const heldout = new Set([...kept].sort((a, b) => a.rank.localeCompare(b.rank)).slice(0, validationCount));
  const train = kept.filter((p) => !heldout.has(p));
  const validation = kept.filter((p) => heldout.has(p));
  if (train.length < config.grpo.promptsPerBatch)
    throw new EngineLaunchError(
      "grpo.promptsPerBatch",
      `${train.length} training prompts (after ${overlong.length} overlong and ${validation.length} held out) are fewer than one batch of ${config.grpo.promptsPerBatch}`,
    );
  const sorted = kept.map((p) => p.tokens).sort((a, b) => a - b);
  const longest = sorted.at(-1)!;
  const lengths: PromptLengths = {
    measuredBy: counter.by,
    longestKept: longest,
    median: sorted[Math.floor(sorted.length / 2)]!,
    maxPromptLength: Math.min(roundUp(longest, 256), config.maxPromptTokens),
  };

  const workDir = resolve(options.workDir);
  const names = engineDataFiles(config.engine);
  const plan = planEngineRun(
    config,
    {
      trainFile: names.train,
      validationFile: validation.length > 0 ? names.validation : null,
      trainPrompts: train.length,
      maxPromptLength: lengths.maxPromptLength,
    },
    workDir,
    source,
  );
  const trainPath = join(workDir, names.train);
  const validationPath = validation.length > 0 ? join(workDir, names.validation) : null;
  const files = Object.fromEntries(
    Object.entries(plan.files).map(([name, content]) => [join(workDir, name), content]),
  );
  const written = mode === "write";
  if (written) {
    if (target.engine === "verl") {
      await writeVerlDataset(trainPath, train, "train");
      if (validationPath) await writeVerlDataset(validationPath, validation, "test");
    } else {
      await writeOpenRlhfDataset(trainPath, train);
      if (validationPath) await writeOpenRlhfDataset(validationPath, validation);
    }
    for (const [file, content] of Object.entries(files)) await writeFile(file, content);
  }
  return {
    plan,
    trainPath,
    validationPath,
    prompts: { total, overlong: overlong.length, train: train.length, validation: validation.length },
    overlongInstances: overlong,
    lengths,
    files,
    submit: shellLine(plan.command),
    written,
  };
}
