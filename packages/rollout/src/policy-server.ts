import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SwerlError } from "@swerl/schema";
import type { z } from "zod";
import type { ChatMessage } from "./chat-message.js";
import type { ChatTemplate } from "./chat-template.js";
import { ChatCompletionRequest, CompletionRequest, TOKEN_ID_PREFIX } from "./openai-policy-wire.js";
import type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";

export interface PolicyServerOptions {
  policy: Policy;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * How `/v1/chat/completions` turns messages into the policy's prompt text; a model's chat template
   * (from its tokenizer_config.json) for a real model. Without one, a plain `<|role|>` layout is used.
   */
  chatTemplate?: Pick<ChatTemplate, "render">;
  /** Largest request body accepted; default 32 MiB. */
  maxBodyBytes?: number;
}

export interface RunningPolicyServer {
  /** `http://host:port` (the API is under `/v1`). */
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The chat rendering used when no chat template is given. */
export function plainChatPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `<|${m.role}|>\n${m.content}\n`).join("")}<|assistant|>\n`;
}

async function readBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body is over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new HttpError(400, `request body is not JSON: ${(error as Error).message}`);
  }
}

function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new HttpError(400, `${issue.path.join(".") || "body"}: ${issue.message}`);
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
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
  const { policy } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const renderChat = (messages: ChatMessage[]) =>
    options.chatTemplate
      ? options.chatTemplate.render(messages, { addGenerationPrompt: true })
      : plainChatPrompt(messages);

  const checkModel = (model: string) => {
    if (model !== policy.model)
      throw new HttpError(
        404,
        `The model \`${model}\` does not exist. This server serves \`${policy.model}\`.`,
        "invalid_request_error",
        "model_not_found",
      );
  };

  const completions = async (body: unknown, response: ServerResponse) => {
    const request = parseRequest(CompletionRequest, body);
    checkModel(request.model);
    const prompts = typeof request.prompt === "string" ? [request.prompt] : request.prompt;
    const sampling = samplingOptions(request);
    const groups = await policy.sample(prompts, sampling);
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
    if (!request.stream) return sendJson(response, 200, { ...base, choices, usage: usage(groups) });
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

  const chatCompletions = async (body: unknown, response: ServerResponse) => {
    const request = parseRequest(ChatCompletionRequest, body);
    checkModel(request.model);
    const prompt = renderChat(request.messages);
    const sampling = samplingOptions({
      ...request,
      max_tokens: request.max_completion_tokens ?? request.max_tokens,
    });
    const [group] = await policy.sample([prompt], sampling);
    if (!group) throw new Error("the policy returned no group for one prompt");
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
    if (!request.stream) return sendJson(response, 200, { ...base, choices, usage: usage([group]) });
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

  const routes: Record<string, Record<string, (body: unknown, response: ServerResponse) => Promise<void>>> = {
    "/v1/models": {
      GET: async (_body, response) =>
        sendJson(response, 200, {
          object: "list",
          data: [{ id: policy.model, object: "model", created: 0, owned_by: "swerl" }],
        }),
    },
    "/v1/completions": { POST: completions },
    "/v1/chat/completions": { POST: chatCompletions },
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    const handle = async () => {
      const route = routes[path];
      if (!route)
        throw new HttpError(
          404,
          `no route ${path}; this server answers /v1/models, /v1/completions, /v1/chat/completions`,
        );
      const handler = route[request.method ?? "GET"];
      if (!handler) throw new HttpError(405, `${request.method} is not allowed on ${path}`);
      const body = request.method === "POST" ? await readBody(request, maxBodyBytes) : undefined;
      await handler(body, response);
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
        return;
      }
      if (error instanceof HttpError)
        return sendJson(response, error.status, {
          error: { message: error.message, type: error.type, code: error.code },
        });
      // a policy's own refusal (a replay script with no answer, a prompt over budget) is the request's fault
      const status = error instanceof SwerlError ? 422 : 500;
      const message = error instanceof Error ? error.message : String(error);
      sendJson(response, status, {
        error: { message, type: status === 422 ? "invalid_request_error" : "server_error", code: null },
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
