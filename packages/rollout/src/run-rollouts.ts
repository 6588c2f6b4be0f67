import { open, stat, truncate } from "node:fs/promises";
import { type RewardFn, scoreWith, sweRlReward } from "@swerl/reward";
import {
  JsonlWriter,
  parseConfig,
  type RecordError,
  RlInstance,
  RolloutGroup,
  readJsonl,
  readRecords,
} from "@swerl/schema";
import { z } from "zod";
import { PolicyInputError, PromptBudgetError } from "./errors.js";
import type { ModelTokenizer } from "./model-tokenizer.js";
import { OnnxPolicy } from "./onnx-policy.js";
import type { Policy, SampleGroup } from "./policy.js";
import { promptBudget, templateOverhead } from "./prompt-budget.js";
import { buildRepairPrompt } from "./repair-prompt.js";
import { seededUniform } from "./seeded-uniform.js";

/** Everything `runRollouts` (and `swerl rollout`) can be told; every field has its default here. */
export const RolloutConfig = z.object({
  instances: z.string().min(1).describe("RL instances (JSONL, JSON or Parquet)"),
  modelDir: z
    .string()
    .min(1)
    .optional()
    .describe("model directory sampled with an OnnxPolicy (when no policy object is given)"),
  out: z
    .string()
    .min(1)
    .describe("RolloutGroup JSONL; groups already in it are kept and their instances skipped"),
  n: z.number().int().positive().default(4).describe("samples per instance (G)"),
  temperature: z.number().nonnegative().default(1).describe("sampling temperature (0: greedy)"),
  topP: z.number().gt(0).max(1).default(1).describe("nucleus sampling mass"),
  topK: z.number().int().nonnegative().default(0).describe("keep the k likeliest tokens (0: all)"),
  maxTokens: z.number().int().positive().default(256).describe("most tokens per sample"),
  seed: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("run seed; each instance's seed mixes it with the instance id"),
  threads: z.number().int().positive().optional().describe("ONNX Runtime threads (a local model)"),
  maxPromptTokens: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("prompt budget in tokens (default: context length - max tokens - chat template)"),
  workers: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "instances sampled at once; groups are still written in input order (default: 1 for a local ONNX model, 4 for any other policy)",
    ),
});
export type RolloutConfig = z.infer<typeof RolloutConfig>;
export type RolloutConfigInput = z.input<typeof RolloutConfig>;

/** What runRollouts takes: its config, and the runtime objects that are not options. */
export interface RunRolloutsInput extends RolloutConfigInput {
  /**
   * The policy to sample from (for example an OpenAIPolicy); the caller closes it. Without one, an
   * OnnxPolicy over `modelDir` is loaded and closed.
   */
  policy?: Policy;
  /** Templates and counts the prompts; an OnnxPolicy's own tokenizer when absent. */
  tokenizer?: ModelTokenizer;
  /** The policy model's `max_position_embeddings`, for the default prompt budget; an OnnxPolicy's own when absent. */
  maxPositions?: number;
  /** Scores each group's samples against its instance; the SWE-RL reward (`sweRlReward`) when absent. */
  reward?: RewardFn;
  onProgress?: (progress: RolloutProgress) => void;
  signal?: AbortSignal;
}

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

type Outcome =
  | { kind: "resumed" }
  | { kind: "skipped"; reason: string }
  | { kind: "group"; group: RolloutGroup; rewards: number[]; tokens: number };

/**
 * `swerl rollout`: G samples per RL instance from a policy (an OnnxPolicy over a model directory, or
 * any `Policy` such as an OpenAIPolicy), each group scored with `reward` (default: the SWE-RL reward) and appended to `out`
 * as a RolloutGroup as soon as it and the groups before it are done, so an interrupted run resumes where
 * it stopped and writes the same bytes.
 */
export async function runRollouts(input: RunRolloutsInput): Promise<RolloutSummary> {
  const options = parseConfig(RolloutConfig, input, "runRollouts");
  const done = await finishedIds(options.out);
  const instances: RlInstance[] = [];
  for await (const instance of readRecords(options.instances, RlInstance)) instances.push(instance);
  let owned: OnnxPolicy | undefined;
  if (!input.policy) {
    if (!options.modelDir)
      throw new PolicyInputError("runRollouts needs a `policy` or a `modelDir` (model directory)");
    owned = await OnnxPolicy.fromDirectory(options.modelDir, {
      ...(options.threads ? { threads: options.threads } : {}),
      batchSize: Math.max(1, options.n),
    });
  }
  const policy: Policy = input.policy ?? (owned as OnnxPolicy);
  try {
    const onnx = policy instanceof OnnxPolicy ? policy : undefined;
    const tokenizer = input.tokenizer ?? onnx?.tokenizer;
    if (!tokenizer)
      throw new PolicyInputError(
        `runRollouts needs the tokenizer of ${policy.model} (tokenizer.json and tokenizer_config.json) to template and budget its prompts`,
      );
    const maxPositions = input.maxPositions ?? onnx?.maxPositions;
    if (options.maxPromptTokens === undefined && maxPositions === undefined)
      throw new PolicyInputError(
        `runRollouts needs maxPromptTokens or the context length (maxPositions) of ${policy.model}`,
      );
    const budget = promptBudget({
      contextLength: maxPositions,
      completionTokens: options.maxTokens,
      templateTokens: templateOverhead({
        render: (messages) => tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }),
        countTokens: tokenizer.countTokens,
      }),
      maxPromptTokens: options.maxPromptTokens,
      completionOption: "maxTokens",
    }) as number;
    return await sampleAll(options, input, policy, tokenizer, budget, done, instances);
  } finally {
    await owned?.close();
  }
}

async function sampleAll(
  options: RolloutConfig,
  input: RunRolloutsInput,
  policy: Policy,
  tokenizer: ModelTokenizer,
  budget: number,
  done: Set<string>,
  instances: readonly RlInstance[],
): Promise<RolloutSummary> {
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

  const roll = async (instance: RlInstance): Promise<Outcome> => {
    if (done.has(instance.instanceId)) return { kind: "resumed" };
    let prompt: string;
    let groups: SampleGroup[];
    try {
      const repair = buildRepairPrompt(instance, {
        maxPromptTokens: budget,
        countTokens: tokenizer.countTokens,
      });
      prompt = tokenizer.applyChatTemplate(repair.messages, { addGenerationPrompt: true });
      groups = await policy.sample([prompt], {
        n: options.n,
        temperature: options.temperature,
        topP: options.topP,
        topK: options.topK,
        maxTokens: options.maxTokens,
        seed: instanceSeed(options.seed, instance.instanceId),
      });
    } catch (error) {
      if (!(error instanceof PromptBudgetError || error instanceof PolicyInputError)) throw error;
      return { kind: "skipped", reason: error.message };
    }
    const [group] = groups;
    if (!group) throw new PolicyInputError(`${policy.model} returned no group for ${instance.instanceId}`);
    const rewards = await scoreWith(
      input.reward ?? sweRlReward,
      group.samples.map((sample) => ({ instance, response: sample.text })),
      input.signal ? { signal: input.signal } : undefined,
    );
    return {
      kind: "group",
      group: {
        instanceId: instance.instanceId,
        prompt,
        promptTokenIds: group.promptTokenIds,
        model: policy.model,
        samples: group.samples,
        rewards,
      },
      rewards,
      tokens: group.samples.reduce((sum, sample) => sum + sample.tokenIds.length, 0),
    };
  };

  const workers = options.workers ?? (policy instanceof OnnxPolicy ? 1 : 4);
  const writer = await JsonlWriter.open(options.out, RolloutGroup, { append: true });
  // A window of at most `workers` instances in flight, finished in input order.
  const inFlight: Array<{ instance: RlInstance; outcome: Promise<Outcome> }> = [];
  let next = 0;
  try {
    while (next < instances.length || inFlight.length > 0) {
      while (next < instances.length && inFlight.length < workers) {
        input.signal?.throwIfAborted();
        const instance = instances[next++] as RlInstance;
        const outcome = roll(instance);
        outcome.catch(() => {}); // awaited below in order; this only keeps a later failure from going unhandled
        inFlight.push({ instance, outcome });
      }
      const head = inFlight.shift();
      if (!head) break;
      const outcome = await head.outcome;
      if (outcome.kind === "resumed") progress.resumed++;
      else if (outcome.kind === "skipped") {
        progress.overBudget++;
        skipped.push({ instanceId: head.instance.instanceId, reason: outcome.reason });
      } else {
        await writer.write(outcome.group);
        progress.groups++;
        progress.tokens += outcome.tokens;
        progress.tokensPerSecond = progress.tokens / ((performance.now() - started) / 1000);
        rewardSum += outcome.rewards.reduce((a, b) => a + b, 0);
        rewardCount += outcome.rewards.length;
        progress.meanReward = rewardSum / Math.max(1, rewardCount);
      }
      input.onProgress?.({ ...progress });
      // a group finished when the run was stopped is kept; the ones still being sampled are not
      input.signal?.throwIfAborted();
    }
  } finally {
    await Promise.allSettled(inFlight.map((f) => f.outcome));
    await writer.close();
  }
  return { ...progress, out: options.out, skipped };
}
