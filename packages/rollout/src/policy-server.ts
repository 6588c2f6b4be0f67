import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { HttpError, type HttpRequestContext, parseJsonBody, startHttpServer } from "@swerl/reward";
import { SwerlError } from "@swerl/schema";
import { z } from "zod";
import type { ChatMessage } from "./chat-message.js";
import type { ChatTemplate } from "./chat-template.js";
import { ChatCompletionRequest, CompletionRequest, TOKEN_ID_PREFIX } from "./openai-policy-wire.js";
import type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";

/** Every serialisable option of the policy server (`swerl serve-policy` generates its flags from this). */
export const PolicyServerConfig = z.strictObject({
  host: z.string().min(1).default("127.0.0.1").describe("address to bind; 0.0.0.0: all"),
  port: z.number().int().min(0).max(65535).default(0).describe("port; 0 picks a free one"),
  maxBodyMb: z.number().positive().default(32).describe("largest body accepted, MiB"),
  maxN: z.number().int().positive().default(64).describe("most samples per prompt (n); over: 400"),
  maxTokens: z.number().int().positive().default(4096).describe("most max_tokens; over: 400"),
  maxPrompts: z.number().int().positive().default(256).describe("most prompts per request; over: 400"),
  requestTimeoutSeconds: z.number().positive().default(600).describe("seconds a request may take; then 504"),
});
export type PolicyServerConfig = z.infer<typeof PolicyServerConfig>;
export type PolicyServerConfigInput = z.input<typeof PolicyServerConfig>;

export interface PolicyServerOptions extends PolicyServerConfigInput {
  policy: Policy;
  /**
   * How `/v1/chat/completions` turns messages into the policy's prompt text; a model's chat template
   * (from its tokenizer_config.json) for a real model. Without one, a plain `<|role|>` layout is used.
   */
  chatTemplate?: Pick<ChatTemplate, "render">;
  /** @deprecated use `maxBodyMb`. */
  maxBodyBytes?: number;
}

export interface RunningPolicyServer {
  /** `http://host:port` (the API is under `/v1`). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The chat rendering used when no chat template is given. */
export function plainChatPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `<|${m.role}|>\n${m.content}\n`).join("")}<|assistant|>\n`;
}

function samplingOptions(request: {
  n?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  max_tokens?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
}): SamplingOptionsInput {
  const stop = request.stop == null ? [] : typeof request.stop === "string" ? [request.stop] : request.stop;
  return {
    n: request.n ?? 1,
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? 1,
    topK: request.top_k != null && request.top_k > 0 ? request.top_k : 0,
    maxTokens: request.max_tokens ?? 256,
    stop: stop.filter((s) => s.length > 0),
    seed: request.seed ?? 0,
  };
}

function usage(groups: readonly SampleGroup[]) {
  const prompt = groups.reduce((sum, g) => sum + g.promptTokenIds.length, 0);
  const completion = groups.reduce((sum, g) => sum + g.samples.reduce((s, x) => s + x.tokenIds.length, 0), 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function startEvents(response: ServerResponse): (data: unknown) => void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  return (data) => response.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

/**
 * Serves any `Policy` over the OpenAI API: `GET /v1/models`, `POST /v1/completions` (prompt text in,
 * `n` choices out, with `logprobs` as vLLM's `token_id:N` tokens and `token_ids`/`prompt_token_ids` on
 * every choice) and `POST /v1/chat/completions`, both with `stream: true` as server-sent events. Choices
 * of a multi-prompt request are numbered prompt by prompt (`index = prompt * n + sample`). A request for
 * another model answers 404 `model_not_found`. The `Policy` interface is not incremental, so a stream
 * carries each choice's text in one chunk once the group is sampled, then a finish chunk per choice.
 */
export async function startPolicyServer(options: PolicyServerOptions): Promise<RunningPolicyServer> {
  const { policy, chatTemplate, maxBodyBytes, ...rest } = options;
  const config = PolicyServerConfig.parse({
    ...rest,
    ...(maxBodyBytes !== undefined && rest.maxBodyMb === undefined
      ? { maxBodyMb: maxBodyBytes / 1024 / 1024 }
      : {}),
  });
  const renderChat = (messages: ChatMessage[]) =>
    chatTemplate ? chatTemplate.render(messages, { addGenerationPrompt: true }) : plainChatPrompt(messages);

  const checkModel = (model: string) => {
    if (model !== policy.model)
      throw new HttpError(
        404,
        `The model \`${model}\` does not exist. This server serves \`${policy.model}\`.`,
        "invalid_request_error",
        "model_not_found",
      );
  };

  /** The request's sampling options, within the caps (a 400 naming the field over its cap). */
  const capped = (sampling: SamplingOptionsInput, prompts: number): SamplingOptionsInput => {
    if ((sampling.n ?? 1) > config.maxN)
      throw new HttpError(
        400,
        `n: ${sampling.n} is over this server's cap of ${config.maxN} samples per prompt`,
      );
    if ((sampling.maxTokens ?? 0) > config.maxTokens)
      throw new HttpError(
        400,
        `max_tokens: ${sampling.maxTokens} is over this server's cap of ${config.maxTokens}`,
      );
    if (prompts > config.maxPrompts)
      throw new HttpError(
        400,
        `prompt: ${prompts} prompts is over this server's cap of ${config.maxPrompts}`,
      );
    return sampling;
  };

  /** Samples until done, the client disconnects or the time limit passes (then a 504). */
  const sample = async (ctx: HttpRequestContext, prompts: string[], sampling: SamplingOptionsInput) => {
    try {
      return await policy.sample(prompts, sampling, { signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) {
        const reason = ctx.signal.reason as { name?: string; message?: string } | undefined;
        throw new HttpError(
          reason?.name === "TimeoutError" ? 504 : 499,
          reason?.message ?? "the request was aborted",
          "timeout_error",
        );
      }
      throw error;
    }
  };

  const completions = async (ctx: HttpRequestContext) => {
    const request = parseJsonBody(CompletionRequest, await ctx.json());
    const response = ctx.response;
    checkModel(request.model);
    const prompts = typeof request.prompt === "string" ? [request.prompt] : request.prompt;
    const sampling = capped(samplingOptions(request), prompts.length);
    const groups = await sample(ctx, prompts, sampling);
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const choices = groups.flatMap((group, p) =>
      group.samples.map((sample, i) => ({
        index: p * group.samples.length + i,
        text: sample.text,
        logprobs:
          request.logprobs == null
            ? null
            : {
                tokens: sample.tokenIds.map((t) => `${TOKEN_ID_PREFIX}${t}`),
                token_logprobs: sample.tokenLogprobs.length
                  ? sample.tokenLogprobs
                  : sample.tokenIds.map(() => null),
                top_logprobs: null,
                text_offset: null,
              },
        finish_reason: sample.finishReason === "length" ? "length" : "stop",
        token_ids: sample.tokenIds,
        prompt_token_ids: group.promptTokenIds,
      })),
    );
    const base = { id, object: "text_completion", created, model: policy.model };
    if (!request.stream) return ctx.send(200, { ...base, choices, usage: usage(groups) });
    const send = startEvents(response);
    for (const choice of choices)
      send({
        ...base,
        choices: [{ index: choice.index, text: choice.text, logprobs: choice.logprobs, finish_reason: null }],
      });
    for (const choice of choices)
      send({
        ...base,
        choices: [{ index: choice.index, text: "", logprobs: null, finish_reason: choice.finish_reason }],
      });
    send("[DONE]");
    response.end();
  };

  const chatCompletions = async (ctx: HttpRequestContext) => {
    const request = parseJsonBody(ChatCompletionRequest, await ctx.json());
    const response = ctx.response;
    checkModel(request.model);
    const prompt = renderChat(request.messages);
    const sampling = capped(
      samplingOptions({ ...request, max_tokens: request.max_completion_tokens ?? request.max_tokens }),
      1,
    );
    const [group] = await sample(ctx, [prompt], sampling);
    if (!group) throw new HttpError(500, "the policy returned no group for one prompt", "server_error");
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: "chat.completion", created, model: policy.model };
    const choices = group.samples.map((sample, index) => ({
      index,
      message: { role: "assistant", content: sample.text },
      logprobs: request.logprobs
        ? {
            content: sample.tokenIds.map((t, k) => ({
              token: `${TOKEN_ID_PREFIX}${t}`,
              logprob: sample.tokenLogprobs[k] ?? null,
              bytes: null,
              top_logprobs: [],
            })),
          }
        : null,
      finish_reason: sample.finishReason === "length" ? "length" : "stop",
      token_ids: sample.tokenIds,
    }));
    if (!request.stream) return ctx.send(200, { ...base, choices, usage: usage([group]) });
    const send = startEvents(response);
    const chunk = { ...base, object: "chat.completion.chunk" };
    for (const choice of choices) {
      send({
        ...chunk,
        choices: [{ index: choice.index, delta: { role: "assistant", content: "" }, finish_reason: null }],
      });
      send({
        ...chunk,
        choices: [{ index: choice.index, delta: { content: choice.message.content }, finish_reason: null }],
      });
    }
    for (const choice of choices)
      send({ ...chunk, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason }] });
    send("[DONE]");
    response.end();
  };

  const routes: Record<string, Record<string, (ctx: HttpRequestContext) => Promise<void>>> = {
    "/v1/models": {
      GET: async (ctx) =>
        ctx.send(200, {
          object: "list",
          data: [{ id: policy.model, object: "model", created: 0, owned_by: "swerl" }],
        }),
    },
    "/v1/completions": { POST: completions },
    "/v1/chat/completions": { POST: chatCompletions },
  };

  const http = await startHttpServer({
    host: config.host,
    port: config.port,
    maxBodyBytes: Math.floor(config.maxBodyMb * 1024 * 1024),
    requestTimeoutSeconds: config.requestTimeoutSeconds,
    handle: async (ctx) => {
      const route = routes[ctx.path];
      if (!route)
        throw new HttpError(
          404,
          `no route ${ctx.path}; this server answers /v1/models, /v1/completions, /v1/chat/completions`,
        );
      const handler = route[ctx.method];
      if (!handler) throw new HttpError(405, `${ctx.method} is not allowed on ${ctx.path}`);
      await handler(ctx);
    },
    errorBody: (_status, error) => ({
      error: { message: error.message, type: error.type, code: error.errorCode },
    }),
    // a policy's own refusal (a replay script with no answer, a prompt over budget) is the request's fault
    mapError: (error) =>
      error instanceof SwerlError
        ? new HttpError(422, error.message)
        : new HttpError(500, error instanceof Error ? error.message : String(error), "server_error"),
  });
  return { url: http.url, port: http.port, close: () => http.close() };
}
