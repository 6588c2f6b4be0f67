import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { type ChatMessage, ChatTemplate } from "@swerl/rollout";
import { ModelDirError } from "./errors.js";

/** What training needs from a model directory's tokenizer: ids, text, the chat template, end tokens. */
export interface ModelTokenizer {
  encode(text: string): number[];
  decode(tokenIds: readonly number[]): string;
  /** The conversation as the model sees it, ending with the header that opens the assistant turn. */
  renderPrompt(messages: readonly ChatMessage[]): string;
  /** Tokens that end a response. */
  eosTokenIds: readonly number[];
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new ModelDirError(file, `cannot read JSON: ${(err as Error).message}`);
  }
}

function ids(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === "number");
  return [];
}

/**
 * Loads `tokenizer.json` + `tokenizer_config.json` (Hugging Face tokenizers, chat template) of a model
 * directory. End tokens: `generation_config.json`'s `eos_token_id`, else `config.json`'s, else the
 * tokenizer config's `eos_token`.
 */
export async function loadModelTokenizer(dir: string): Promise<ModelTokenizer> {
  const tokenizerJson = await readJson(join(dir, "tokenizer.json"));
  const tokenizerConfig = await readJson(join(dir, "tokenizer_config.json"));
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const template = new ChatTemplate(tokenizerConfig, { source: join(dir, "tokenizer_config.json") });
  let eos: number[] = [];
  for (const file of ["generation_config.json", "config.json"]) {
    const json = await readJson(join(dir, file)).catch(() => ({}) as Record<string, unknown>);
    eos = ids(json.eos_token_id);
    if (eos.length > 0) break;
  }
  const eosToken = tokenizerConfig.eos_token;
  const eosText =
    typeof eosToken === "string"
      ? eosToken
      : eosToken && typeof eosToken === "object" && "content" in eosToken
        ? String(eosToken.content)
        : undefined;
  if (eos.length === 0 && eosText !== undefined) {
    const id = tokenizer.token_to_id(eosText);
    if (id !== undefined) eos = [id];
  }
  if (eos.length === 0)
    throw new ModelDirError(join(dir, "generation_config.json"), "no eos_token_id (needed to end responses)");
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    // The tokenizers library throws on an empty id list; a response that is only the end token is "".
    decode: (tokenIds) =>
      tokenIds.length === 0 ? "" : tokenizer.decode([...tokenIds], { skip_special_tokens: true }),
    renderPrompt: (messages) => template.render(messages, { addGenerationPrompt: true }),
    eosTokenIds: eos,
  };
}
