import { open, stat, truncate } from "node:fs/promises";
import { calculateSearchReplaceReward } from "@swerl/reward";
import {
  JsonlWriter,
  type RecordError,
  RlInstance,
  RolloutGroup,
  readJsonl,
  readRecords,
} from "@swerl/schema";
import { z } from "zod";
import { PolicyInputError, PromptBudgetError } from "./errors.js";
import { OnnxPolicy } from "./onnx-policy.js";
import { buildRepairPrompt } from "./repair-prompt.js";
import { seededUniform } from "./seeded-uniform.js";

export const RunRolloutsOptions = z.object({
  /** RL instances (JSONL, JSON or Parquet). */
  instances: z.string().min(1),
  /** Model directory (contracts.md #4). */
  model: z.string().min(1),
  /** Output JSONL of RolloutGroup; groups already in it are kept and their instances skipped. */
  out: z.string().min(1),
  /** Samples per instance (G). */
  n: z.number().int().positive().default(4),
  temperature: z.number().nonnegative().default(1),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(0),
  maxTokens: z.number().int().positive().default(256),
  seed: z.number().int().nonnegative().default(0),
  /** ONNX Runtime threads. */
  threads: z.number().int().positive().optional(),
  /** Prompt budget in tokens; the model's positions minus maxTokens minus template overhead when absent. */
  maxPromptTokens: z.number().int().positive().optional(),
});
export type RunRolloutsOptions = z.input<typeof RunRolloutsOptions>;

export interface RolloutProgress {
  /** Groups written in this run. */
  groups: number;
  /** Instances in the input. */
  total: number;
  /** Instances skipped: already in the output, or prompts over the budget. */
  resumed: number;
  overBudget: number;
  /** Generated tokens in this run and their rate. */
  tokens: number;
  tokensPerSecond: number;
  meanReward: number;
}

export interface RolloutSummary extends RolloutProgress {
  out: string;
  /** Instance ids whose prompt did not fit, with the reason. */
  skipped: Array<{ instanceId: string; reason: string }>;
}

/** Tokens the ChatML wrapping adds around the message contents (turn markers and role names). */
const TEMPLATE_OVERHEAD = 16;

/** One instance's seed: the run seed mixed with its id, so samples do not depend on order or resumption. */
function instanceSeed(seed: number, instanceId: string): number {
  const codes = [...instanceId].map((c) => c.codePointAt(0) as number);
  return Math.floor(seededUniform(seed, codes, 0) * 2 ** 31);
}

/** Ids of the groups a previous run wrote; a torn last line (crash mid-write) is cut off first. */
async function finishedIds(out: string): Promise<Set<string>> {
  const size = await stat(out).then(
    (s) => s.size,
    () => -1,
  );
  const ids = new Set<string>();
  if (size <= 0) return ids;
  const handle = await open(out, "r");
  try {
    // find the last newline; anything after it is a partial record
    const chunk = 1 << 16;
    let end = size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      const at = buffer.lastIndexOf(10);
      if (at !== -1) {
        keep = start + at + 1;
        break;
      }
      end = start;
    }
    if (keep < size) await truncate(out, keep);
  } finally {
    await handle.close();
  }
  const invalid: RecordError[] = [];
  for await (const group of readJsonl(out, RolloutGroup, { onInvalid: (error) => invalid.push(error) }))
    ids.add(group.instanceId);
  if (invalid.length > 0) throw invalid[0];
  return ids;
}

/**
 * `swerl rollout`: G samples per RL instance from an ONNX model directory, each group scored with
 * the SWE-RL reward and appended to `out` as a RolloutGroup as soon as it is done, so an interrupted
 * run resumes where it stopped.
 */
export async function runRollouts(
  input: RunRolloutsOptions & {
    onProgress?: (progress: RolloutProgress) => void;
    signal?: AbortSignal;
  },
): Promise<RolloutSummary> {
  const options = RunRolloutsOptions.parse(input);
  const done = await finishedIds(options.out);
  const instances: RlInstance[] = [];
  for await (const instance of readRecords(options.instances, RlInstance)) instances.push(instance);
  const policy = await OnnxPolicy.fromDirectory(options.model, {
    ...(options.threads ? { threads: options.threads } : {}),
    batchSize: Math.max(1, options.n),
  });
  const maxPositions = policy.maxPositions;
  const budget = options.maxPromptTokens ?? Math.max(1, maxPositions - options.maxTokens - TEMPLATE_OVERHEAD);
  const writer = await JsonlWriter.open(options.out, RolloutGroup, { append: true });
  const progress: RolloutProgress = {
    groups: 0,
    total: instances.length,
    resumed: 0,
    overBudget: 0,
    tokens: 0,
    tokensPerSecond: 0,
    meanReward: 0,
  };
  const skipped: RolloutSummary["skipped"] = [];
  const started = performance.now();
  let rewardSum = 0;
  let rewardCount = 0;
  try {
    for (const instance of instances) {
      input.signal?.throwIfAborted();
      if (done.has(instance.instanceId)) {
        progress.resumed++;
        input.onProgress?.({ ...progress });
        continue;
      }
      let prompt: string;
      let samples: Awaited<ReturnType<OnnxPolicy["sample"]>>;
      try {
        const repair = buildRepairPrompt(instance, {
          maxPromptTokens: budget,
          countTokens: policy.tokenizer.countTokens,
        });
        prompt = policy.tokenizer.applyChatTemplate(repair.messages, { addGenerationPrompt: true });
        samples = await policy.sample([prompt], {
          n: options.n,
          temperature: options.temperature,
          topP: options.topP,
          topK: options.topK,
          maxTokens: options.maxTokens,
          seed: instanceSeed(options.seed, instance.instanceId),
        });
      } catch (error) {
        if (!(error instanceof PromptBudgetError || error instanceof PolicyInputError)) throw error;
        progress.overBudget++;
        skipped.push({ instanceId: instance.instanceId, reason: error.message });
        input.onProgress?.({ ...progress });
        continue;
      }
      const [group] = samples;
      if (!group) continue;
      const rewards = group.samples.map(
        (sample) =>
          calculateSearchReplaceReward(instance.codeContext, instance.oracleNewContent, sample.text).reward,
      );
      await writer.write({
        instanceId: instance.instanceId,
        prompt,
        promptTokenIds: group.promptTokenIds,
        model: policy.model,
        samples: group.samples,
        rewards,
      });
      progress.groups++;
      progress.tokens += group.samples.reduce((sum, sample) => sum + sample.tokenIds.length, 0);
      progress.tokensPerSecond = progress.tokens / ((performance.now() - started) / 1000);
      rewardSum += rewards.reduce((a, b) => a + b, 0);
      rewardCount += rewards.length;
      progress.meanReward = rewardSum / Math.max(1, rewardCount);
      input.onProgress?.({ ...progress });
    }
  } finally {
    await writer.close();
    await policy.close();
  }
  return { ...progress, out: options.out, skipped };
}
