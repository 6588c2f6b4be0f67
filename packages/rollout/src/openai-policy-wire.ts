import { z } from "zod";
import { ChatMessage } from "./chat-message.js";

/**
 * The OpenAI-compatible wire format, as far as swerl speaks it: the legacy `/v1/completions` API (the
 * one that takes already chat-templated text), `/v1/chat/completions` and `/v1/models`. Unknown fields
 * are kept (servers add their own), so these schemas read responses from vLLM, SGLang, llama.cpp and
 * Ollama as well as from `startPolicyServer`.
 */

const StopField = z.union([z.string(), z.array(z.string())]).nullish();

/** The sampling fields both request kinds share (vLLM's `top_k` and `return_token_ids` included). */
const SamplingFields = {
  model: z.string().min(1),
  n: z.number().int().positive().nullish(),
  temperature: z.number().nonnegative().nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stop: StopField,
  seed: z.number().int().nonnegative().nullish(),
  stream: z.boolean().nullish(),
  return_token_ids: z.boolean().nullish(),
};

export const CompletionRequest = z.looseObject({
  ...SamplingFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  /** Legacy API: how many top alternatives to return per token; any number means "give logprobs". */
  logprobs: z.number().int().nonnegative().nullish(),
});
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const ChatCompletionRequest = z.looseObject({
  ...SamplingFields,
  messages: z.array(ChatMessage).min(1),
  logprobs: z.boolean().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionLogprobs = z.looseObject({
  tokens: z.array(z.string()).nullish(),
  token_logprobs: z.array(z.number().nullable()).nullish(),
});

export const CompletionChoice = z.looseObject({
  index: z.number().int().nonnegative(),
  text: z.string(),
  finish_reason: z.string().nullish(),
  logprobs: CompletionLogprobs.nullish(),
  /** vLLM with `return_token_ids`, and startPolicyServer: the sampled token ids. */
  token_ids: z.array(z.number().int().nonnegative()).nullish(),
  prompt_token_ids: z.array(z.number().int().nonnegative()).nullish(),
});
export type CompletionChoice = z.infer<typeof CompletionChoice>;

export const CompletionResponse = z.looseObject({
  choices: z.array(CompletionChoice),
  prompt_token_ids: z.array(z.number().int().nonnegative()).nullish(),
});
export type CompletionResponse = z.infer<typeof CompletionResponse>;

export const ModelList = z.looseObject({
  data: z.array(z.looseObject({ id: z.string() })),
});
export type ModelList = z.infer<typeof ModelList>;

/** The error body OpenAI-compatible servers answer with. */
export const ErrorBody = z.looseObject({
  error: z.union([z.looseObject({ message: z.string() }), z.string()]),
});

/** The prefix vLLM uses for tokens returned as ids (`return_tokens_as_token_ids`). */
export const TOKEN_ID_PREFIX = "token_id:";
