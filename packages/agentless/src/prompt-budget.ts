import type { ChatTemplate, TokenCounter } from "@swerl/rollout";
import { AgentlessInputError } from "./errors.js";

export interface PromptBudgetInput {
  /** The configured prompt budget (`maxInputTokens`). */
  maxInputTokens: number;
  /** Completion budget per sample. */
  maxTokens: number;
  /** The policy's context length in tokens (its position limit), when known. */
  contextLength?: number;
  /** The model's chat template and token counter: its own tokens come out of the context too. */
  chatTemplate?: Pick<ChatTemplate, "render">;
  countTokens?: TokenCounter;
}

/**
 * The prompt budget of Agentless Mini: the configured `maxInputTokens`, lowered to what the policy's
 * context leaves after the completion and the chat template's own tokens (with 8 for merges at the seams;
 * 32 when the template's tokens cannot be counted).
 *
 * TODO(#14): the one prompt-budget rule moves to `promptBudget()` in @swerl/rollout (branch `core`); call
 * that here once it is on main. Until then this is the only copy of the rule in Agentless, the CLI and the
 * pipeline stage.
 */
export function agentlessPromptBudget(input: PromptBudgetInput): number {
  if (input.contextLength === undefined) return input.maxInputTokens;
  const templateTokens =
    input.chatTemplate && input.countTokens
      ? input.countTokens(
          input.chatTemplate.render(
            [
              { role: "system", content: "" },
              { role: "user", content: "" },
            ],
            { addGenerationPrompt: true },
          ),
        ) + 8
      : 32;
  const left = input.contextLength - input.maxTokens - templateTokens;
  if (left <= 0)
    throw new AgentlessInputError(
      `maxTokens: ${input.maxTokens} leaves no room for a prompt in the policy's ${input.contextLength}-token context; lower it`,
    );
  return Math.min(input.maxInputTokens, left);
}
