import { SwerlError } from "@swerl/schema";

/**
 * The prompt cannot fit the token budget even after every unmodified file was dropped, or (`detail`
 * given) the model's context leaves no budget for any prompt.
 */
export class PromptBudgetError extends SwerlError {
  readonly instanceId: string;
  readonly tokens: number;
  readonly budget: number;

  constructor(instanceId: string, tokens: number, budget: number, detail?: string) {
    super(
      "E_PROMPT_BUDGET",
      detail ??
        `instance ${instanceId}: the prompt needs ${tokens} tokens with only the modified files left, over the budget of ${budget}; raise the prompt budget or skip this instance`,
    );
    this.instanceId = instanceId;
    this.tokens = tokens;
    this.budget = budget;
  }
}

/** A tokenizer_config.json without a usable chat template, or a template that failed to render. */
export class ChatTemplateError extends SwerlError {
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super("E_CHAT_TEMPLATE", `${source}: ${detail}`, options);
  }
}

/** A model directory is missing a file or holds one that does not fit the others. */
export class ModelDirectoryError extends SwerlError {
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super("E_MODEL_DIRECTORY", `${file}: ${detail}`, options);
  }
}

/** A prompt a policy cannot sample from (empty, or too long for the model's positions). */
export class PolicyInputError extends SwerlError {
  constructor(detail: string) {
    super("E_POLICY_INPUT", detail);
  }
}
