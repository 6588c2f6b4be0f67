import { join } from "node:path";
import { type ChatMessage, loadTokenizer, ModelDirectoryError } from "@swerl/rollout";

/** What training needs from a model directory's tokenizer: ids, text, the chat template, end tokens. */
export interface ModelTokenizer {
  encode(text: string): number[];
  decode(tokenIds: readonly number[]): string;
  /** The conversation as the model sees it, ending with the header that opens the assistant turn. */
  renderPrompt(messages: readonly ChatMessage[]): string;
  /** Tokens that end a response. */
  eosTokenIds: readonly number[];
}

/**
 * The tokenizer of a model directory as training uses it: rollout's `loadTokenizer` (tokenizer.json,
 * tokenizer_config.json's chat template, end tokens from generation_config.json, else config.json, else
 * `eos_token`), decoding without special tokens.
 */
export async function loadModelTokenizer(dir: string): Promise<ModelTokenizer> {
  const tokenizer = await loadTokenizer(dir);
  if (tokenizer.eosTokenIds.length === 0)
    throw new ModelDirectoryError(
      join(dir, "generation_config.json"),
      "no eos_token_id (needed to end responses)",
    );
  return {
    encode: (text) => tokenizer.encode(text),
    decode: (tokenIds) => tokenizer.decode(tokenIds, { skipSpecialTokens: true }),
    renderPrompt: (messages) => tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }),
    eosTokenIds: tokenizer.eosTokenIds,
  };
}
