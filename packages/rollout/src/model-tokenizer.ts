import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { z } from "zod";
import type { ChatMessage } from "./chat-message.js";
import { ChatTemplate, type ChatTemplateOptions } from "./chat-template.js";
import { ModelDirectoryError } from "./errors.js";

const TokenIds = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]);

/** The fields of generation_config.json (or config.json) that name the end tokens. */
const EndTokens = z.looseObject({ eos_token_id: TokenIds.nullish() });

/** Reads and parses one JSON file of a model directory, naming the file on any failure. */
export async function readModelJson(dir: string, name: string): Promise<unknown> {
  const file = join(dir, name);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ModelDirectoryError(file, `cannot read: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ModelDirectoryError(file, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

function idList(value: number | number[] | null | undefined): number[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The tokenizer of a model directory: tokenizer.json, its chat template and its end tokens. */
export class ModelTokenizer {
  readonly #tokenizer: Tokenizer;
  readonly chatTemplate: ChatTemplate;
  /** Token ids that end a generation (generation_config.json, else config.json, else eos_token). */
  readonly eosTokenIds: readonly number[];
  readonly vocabSize: number;

  constructor(
    tokenizerJson: unknown,
    tokenizerConfig: unknown,
    eosTokenIds: readonly number[],
    source = "tokenizer_config.json",
  ) {
    this.#tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig as object);
    this.chatTemplate = new ChatTemplate(tokenizerConfig, { source });
    this.vocabSize = this.#tokenizer.get_vocab(true).size;
    const eos = new Set(eosTokenIds);
    const eosToken = z.looseObject({ eos_token: z.string().optional() }).safeParse(tokenizerConfig);
    const eosTokenId =
      eosToken.success && eosToken.data.eos_token ? this.tokenId(eosToken.data.eos_token) : undefined;
    if (eos.size === 0 && eosTokenId !== undefined) eos.add(eosTokenId);
    this.eosTokenIds = [...eos];
  }

  /** Token ids of `text`, special tokens in it recognised, nothing added around it. */
  encode(text: string): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(tokenIds: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (tokenIds.length === 0) return "";
    return this.#tokenizer.decode([...tokenIds], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  tokenId(token: string): number | undefined {
    return this.#tokenizer.token_to_id(token);
  }

  /** The chat rendered by the model's template (text, as `apply_chat_template(tokenize=False)`). */
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: Pick<ChatTemplateOptions, "addGenerationPrompt"> = {},
  ): string {
    return this.chatTemplate.render(messages, options);
  }

  /** Token count of `text`, for prompt budgets. */
  countTokens = (text: string): number => this.encode(text).length;
}

/** Loads tokenizer.json, tokenizer_config.json and the end tokens of a Hugging Face model directory. */
export async function loadTokenizer(dir: string): Promise<ModelTokenizer> {
  const [tokenizerJson, tokenizerConfig] = await Promise.all([
    readModelJson(dir, "tokenizer.json"),
    readModelJson(dir, "tokenizer_config.json"),
  ]);
  let eos: number[] = [];
  for (const name of ["generation_config.json", "config.json"]) {
    if (eos.length > 0) break;
    const parsed = EndTokens.safeParse(await readModelJson(dir, name).catch(() => ({})));
    if (parsed.success) eos = idList(parsed.data.eos_token_id);
  }
  return new ModelTokenizer(tokenizerJson, tokenizerConfig, eos, join(dir, "tokenizer_config.json"));
}
