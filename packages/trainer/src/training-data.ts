import { type RewardFn, scoreWith, sweRlReward } from "@swerl/reward";
import {
  buildRepairPrompt,
  ChatMessage,
  type Policy,
  PromptBudgetError,
  promptBudget,
  templateOverhead,
} from "@swerl/rollout";
import { type RlInstance, RlInstance as RlInstanceSchema, readRecords } from "@swerl/schema";
import { z } from "zod";
import type { ModelTokenizer } from "./model-tokenizer.js";

/**
 * One supervised example beyond the RL instances' oracle responses: a conversation (system + user turns)
 * and the assistant response to teach, e.g. an Agentless localization prompt and its answer.
 */
export const SftExample = z.strictObject({
  /** Names the example in skip lists (e.g. `<instance id>/localize`). */
  id: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  response: z.string().min(1),
});
export type SftExample = z.infer<typeof SftExample>;

/** A tokenized supervised sequence: prompt then response and the end token; loss on the response only. */
export interface SftSequence {
  tokenIds: number[];
  promptLength: number;
}

/**
 * Reads SFT examples (JSONL or Parquet) and tokenizes each one with the model's chat template and end
 * token. Examples longer than `maxTokens` are skipped and returned by id.
 */
export async function loadSftExamples(
  file: string,
  tokenizer: ModelTokenizer,
  maxTokens: number,
): Promise<{ items: SftSequence[]; skipped: string[] }> {
  const items: SftSequence[] = [];
  const skipped: string[] = [];
  for await (const example of readRecords(file, SftExample)) {
    const promptIds = tokenizer.encode(tokenizer.renderPrompt(example.messages));
    const tokenIds = [
      ...promptIds,
      ...tokenizer.encode(example.response),
      tokenizer.eosTokenIds[0] as number,
    ];
    if (tokenIds.length > maxTokens) skipped.push(example.id);
    else items.push({ tokenIds, promptLength: promptIds.length });
  }
  return { items, skipped };
}

/** An RL instance with its repair prompt, chat-templated for the model and tokenized. */
export interface PromptedInstance {
  instance: RlInstance;
  prompt: string;
  promptIds: number[];
}

/**
 * The prompt budget of a training run (rollout's `promptBudget`): the model's context less the longest
 * response sampled from these prompts (`completionTokens`) and the chat template's measured tokens,
 * capped by an explicit `maxPromptTokens`. SFT and GRPO use the same rule, so they train and evaluate on
 * the same held-out prompts.
 */
export function trainingPromptBudget(
  contextLength: number,
  tokenizer: ModelTokenizer,
  completionTokens: number,
  maxPromptTokens: number | undefined,
): number {
  const templateTokens = templateOverhead({
    render: (messages) => tokenizer.renderPrompt(messages),
    countTokens: (text) => tokenizer.encode(text).length,
  });
  return promptBudget({
    contextLength,
    completionTokens,
    templateTokens,
    maxPromptTokens,
    completionOption: "maxTokens",
  }) as number;
}

/**
 * Reads RL instances (JSONL or Parquet) and builds each one's prompt with rollout's `buildRepairPrompt`
 * and the model's chat template. Instances whose prompt cannot fit `maxPromptTokens` (counted with the
 * model's tokenizer) are skipped and returned by id.
 */
export async function loadPromptedInstances(
  file: string,
  tokenizer: ModelTokenizer,
  maxPromptTokens?: number,
): Promise<{ items: PromptedInstance[]; skipped: string[] }> {
  const items: PromptedInstance[] = [];
  const skipped: string[] = [];
  for await (const instance of readRecords(file, RlInstanceSchema)) {
    try {
      const { messages } = buildRepairPrompt(instance, {
        ...(maxPromptTokens !== undefined ? { maxPromptTokens } : {}),
        countTokens: (text) => tokenizer.encode(text).length,
      });
      const prompt = tokenizer.renderPrompt(messages);
      items.push({ instance, prompt, promptIds: tokenizer.encode(prompt) });
    } catch (err) {
      if (!(err instanceof PromptBudgetError)) throw err;
      skipped.push(instance.instanceId);
    }
  }
  return { items, skipped };
}

export interface HeldoutResult {
  instances: number;
  rewardMean: number;
  formatErrorRate: number;
  responseLengthMean: number;
}

/**
 * One response per held-out instance (greedy when temperature is 0), scored with `reward` (the SWE-RL
 * reward by default); a score of -1 counts as a format error.
 */
export async function evaluateHeldout(
  policy: Policy,
  items: readonly PromptedInstance[],
  sampling: { temperature: number; maxTokens: number; topP?: number; topK?: number; seed: number },
  reward: RewardFn = sweRlReward,
): Promise<HeldoutResult> {
  if (items.length === 0) return { instances: 0, rewardMean: 0, formatErrorRate: 0, responseLengthMean: 0 };
  const groups = await policy.sample(
    items.map((item) => item.prompt),
    { ...sampling, n: 1 },
  );
  const samples = groups.map((g) => g.samples[0]);
  const rewards = await scoreWith(
    reward,
    items.map((item, i) => ({ instance: item.instance, response: samples[i]?.text ?? "" })),
  );
  return {
    instances: items.length,
    rewardMean: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    formatErrorRate: rewards.filter((r) => r === -1).length / rewards.length,
    responseLengthMean: samples.reduce((a, s) => a + (s?.tokenIds.length ?? 0), 0) / samples.length,
  };
}
