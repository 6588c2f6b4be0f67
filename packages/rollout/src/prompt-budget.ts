import type { ChatMessage } from "./chat-message.js";
import { PromptBudgetError } from "./errors.js";

/**
 * Tokens added for merges where the template's text meets the message contents: a tokenizer may fuse
 * the last template character with the first content character differently from either counted alone.
 */
export const TEMPLATE_SEAM_TOKENS = 8;

/** What measuring a chat template needs: the prompt as the model sees it, and a token counter. */
export interface PromptTemplate {
  /** The conversation rendered by the model's chat template, ending with the assistant turn's header. */
  render(messages: readonly ChatMessage[]): string;
  countTokens(text: string): number;
}

/**
 * Tokens a chat template adds around the message contents of a repair prompt (system + user turn and
 * the generation prompt), measured by rendering empty messages, plus `TEMPLATE_SEAM_TOKENS`.
 */
export function templateOverhead(template: PromptTemplate): number {
  const empty = template.render([
    { role: "system", content: "" },
    { role: "user", content: "" },
  ]);
  return template.countTokens(empty) + TEMPLATE_SEAM_TOKENS;
}

export interface PromptBudgetOptions {
  /** The model's context length (`max_position_embeddings`), in tokens; unknown for some remote policies. */
  contextLength?: number | undefined;
  /** Tokens kept free for the response (the largest `maxTokens` sampled from these prompts). */
  completionTokens: number;
  /** Tokens the chat template adds around the contents: `templateOverhead(template)`. */
  templateTokens?: number | undefined;
  /** An explicit budget for the message contents; lowered to what the context leaves when that is less. */
  maxPromptTokens?: number | undefined;
  /** Names the option in errors (e.g. `--max-tokens`, `sampling.maxTokens`); `completionTokens` when absent. */
  completionOption?: string;
}

/**
 * THE prompt-budget rule of swerl: the tokens left for a prompt's message contents (what
 * `buildRepairPrompt`'s `maxPromptTokens` bounds, and Agentless's prompts too) once the response and
 * the chat template's own tokens are taken out of the model's context:
 *
 *     min(maxPromptTokens, contextLength - completionTokens - templateTokens)
 *
 * Either side may be missing: with no context length the explicit budget alone (undefined, meaning
 * unlimited, when that is missing too); with no explicit budget the context alone. Throws
 * `PromptBudgetError` when the context leaves no room at all, naming the completion option.
 *
 * It replaces five copies with their own constants: SFT (`max_position_embeddings - 64`), GRPO
 * (`- sampling.maxTokens - 64`), `runRollouts` (`- maxTokens - 16`, TEMPLATE_OVERHEAD), the pipeline's
 * agentless stage (`- maxTokens - 32`, at least 256) and `swerl agentless` (`- maxTokens -` the
 * measured template `+ 8`, at most 16384). Template overhead is now always measured
 * (`templateOverhead`), never guessed.
 */
export function promptBudget(options: PromptBudgetOptions): number | undefined {
  const explicit = options.maxPromptTokens;
  if (options.contextLength === undefined) return explicit;
  const room = options.contextLength - options.completionTokens - (options.templateTokens ?? 0);
  if (room <= 0)
    throw new PromptBudgetError(
      "(every prompt)",
      options.completionTokens + (options.templateTokens ?? 0),
      options.contextLength,
      `${options.completionOption ?? "completionTokens"} ${options.completionTokens} plus the chat template's ${options.templateTokens ?? 0} tokens leave no room for a prompt in the model's ${options.contextLength} positions; lower it`,
    );
  return explicit === undefined ? room : Math.min(explicit, room);
}
