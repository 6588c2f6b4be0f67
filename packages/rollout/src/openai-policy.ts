import { type FinishReason, type RolloutSample, SwerlError } from "@swerl/schema";
import {
  type CompletionChoice,
  CompletionResponse,
  ErrorBody,
  ModelList,
  TOKEN_ID_PREFIX,
} from "./openai-policy-wire.js";
import { type Policy, type SampleGroup, SamplingOptions, type SamplingOptionsInput } from "./policy.js";

/** An OpenAI-compatible server could not be used: unreachable, wrong model, or an answer we cannot read. */
export class OpenAIPolicyError extends SwerlError {
  readonly status: number | undefined;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.status = options.status;
  }
}

export interface OpenAIPolicyOptions {
  /** Server address, with or without the trailing `/v1` (e.g. `http://127.0.0.1:8000`). */
  baseUrl: string;
  /** The served model name sent with every request. */
  model: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string;
  /** Requests in flight at once (one request per prompt); default 4. */
  concurrency?: number;
  /** Retries after a 408/429/5xx answer, a timeout or a dropped connection; default 4. */
  maxRetries?: number;
  /** First backoff delay; it doubles per retry (with jitter, capped at 30 s); `Retry-After` wins. Default 500 ms. */
  retryBaseMs?: number;
  /** Time limit of one HTTP request; default 10 minutes. */
  timeoutMs?: number;
  /**
   * Send vLLM's extensions (`top_k`, `return_token_ids`), which vLLM and SGLang accept and startPolicyServer
   * honours; turn off for servers that reject unknown fields. Default true.
   */
  extensions?: boolean;
  fetch?: typeof globalThis.fetch;
  /** Told before each retry: which attempt failed, why, and how long the policy waits. */
  onRetry?: (retry: { url: string; attempt: number; reason: string; delayMs: number }) => void;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function apiBase(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new OpenAIPolicyError(
      "E_OPENAI_URL",
      `"${baseUrl}" is not a URL; expected e.g. http://127.0.0.1:8000/v1`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new OpenAIPolicyError("E_OPENAI_URL", `"${baseUrl}" is not an http(s) URL`);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/v1") ? path : `${path}/v1`;
  return url.toString().replace(/\/+$/, "");
}

function finishReason(reason: string | null | undefined): FinishReason {
  if (reason === "length") return "length";
  // "stop", "eos", "stop_sequence", null on the last chunk of some servers: the model ended the text
  return "stop";
}

/** Token ids of a choice: vLLM's `token_ids`, else `token_id:N` strings in `logprobs.tokens`, else none. */
function choiceTokenIds(choice: CompletionChoice): number[] {
  if (choice.token_ids) return choice.token_ids;
  const tokens = choice.logprobs?.tokens;
  if (tokens && tokens.length > 0 && tokens.every((t) => t.startsWith(TOKEN_ID_PREFIX))) {
    const ids = tokens.map((t) => Number(t.slice(TOKEN_ID_PREFIX.length)));
    if (ids.every((id) => Number.isInteger(id) && id >= 0)) return ids;
  }
  return [];
}

/** A choice as a rollout sample; logprobs are kept only when they line up with known token ids. */
export function choiceToSample(choice: CompletionChoice): RolloutSample {
  const tokenIds = choiceTokenIds(choice);
  const logprobs = choice.logprobs?.token_logprobs;
  const tokenLogprobs =
    tokenIds.length > 0 &&
    logprobs &&
    logprobs.length === tokenIds.length &&
    logprobs.every((l) => l !== null)
      ? (logprobs as number[])
      : [];
  return { text: choice.text, tokenIds, tokenLogprobs, finishReason: finishReason(choice.finish_reason) };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** A network failure (refused, reset, DNS) as fetch reports it: a TypeError with a `cause.code`. */
function networkCode(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const cause = error.cause as { code?: string } | undefined;
  return cause?.code ?? "EFETCH";
}

/**
 * A `Policy` served by any OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, `swerl
 * serve-policy`) through `/v1/completions`: prompts are sent as already chat-templated text, one request
 * per prompt asking for `n` samples with logprobs; at most `concurrency` requests are in flight; 408, 429
 * and 5xx answers, timeouts and dropped connections are retried with exponential backoff. Token ids come
 * back when the server gives them (vLLM's `return_token_ids`, `token_id:N` tokens); otherwise samples have
 * text only, and no logprobs (a logprob needs its token).
 */
export class OpenAIPolicy implements Policy {
  readonly model: string;
  readonly baseUrl: string;
  readonly #options: Required<
    Omit<OpenAIPolicyOptions, "apiKey" | "fetch" | "baseUrl" | "model" | "onRetry">
  >;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  readonly #onRetry: OpenAIPolicyOptions["onRetry"];
  readonly #closed = new AbortController();
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: OpenAIPolicyOptions) {
    this.baseUrl = apiBase(options.baseUrl);
    if (!options.model) throw new OpenAIPolicyError("E_OPENAI_MODEL", "an OpenAI policy needs a model name");
    this.model = options.model;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#onRetry = options.onRetry;
    this.#options = {
      concurrency: Math.max(1, options.concurrency ?? 4),
      maxRetries: Math.max(0, options.maxRetries ?? 4),
      retryBaseMs: options.retryBaseMs ?? 500,
      timeoutMs: options.timeoutMs ?? 600_000,
      extensions: options.extensions ?? true,
    };
  }

  /**
   * Checks the server first: it must answer `GET /v1/models`, and serve `model` (when `model` is omitted,
   * the first model it lists is used). Errors name the URL and the models it does serve.
   */
  static async connect(
    options: Omit<OpenAIPolicyOptions, "model"> & { model?: string },
  ): Promise<OpenAIPolicy> {
    const probe = new OpenAIPolicy({ ...options, model: options.model ?? "?" });
    const served = await probe.listModels();
    const model = options.model ?? served[0];
    if (model === undefined)
      throw new OpenAIPolicyError(
        "E_OPENAI_MODEL",
        `${probe.baseUrl}/models lists no model; is the server still loading?`,
      );
    if (!served.includes(model)) throw probe.#unknownModel(model, served);
    return new OpenAIPolicy({ ...options, model });
  }

  /** The model ids the server lists at `/v1/models`. */
  async listModels(): Promise<string[]> {
    const body = await this.#request("GET", "/models", undefined);
    const parsed = ModelList.safeParse(body);
    if (!parsed.success)
      throw new OpenAIPolicyError(
        "E_OPENAI_RESPONSE",
        `${this.baseUrl}/models did not answer a model list ({"data": [{"id": …}]}); is this an OpenAI-compatible server?`,
      );
    return parsed.data.data.map((m) => m.id);
  }

  async sample(prompts: readonly string[], input: SamplingOptionsInput): Promise<SampleGroup[]> {
    const options = SamplingOptions.parse(input);
    return Promise.all(prompts.map((prompt) => this.#limited(() => this.#complete(prompt, options))));
  }

  /** Aborts requests in flight; later calls fail. */
  async close(): Promise<void> {
    this.#closed.abort(
      new OpenAIPolicyError("E_OPENAI_CLOSED", `the OpenAI policy for ${this.baseUrl} was closed`),
    );
  }

  async #limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#options.concurrency)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      return await task();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }

  async #complete(prompt: string, options: SamplingOptions): Promise<SampleGroup> {
    const body: Record<string, unknown> = {
      model: this.model,
      prompt,
      n: options.n,
      temperature: options.temperature,
      top_p: options.topP,
      max_tokens: options.maxTokens,
      seed: options.seed,
      logprobs: 1,
    };
    if (options.stop.length > 0) body.stop = options.stop;
    if (this.#options.extensions) {
      body.return_token_ids = true;
      if (options.topK > 0) body.top_k = options.topK;
    }
    const json = await this.#request("POST", "/completions", body);
    const parsed = CompletionResponse.safeParse(json);
    if (!parsed.success)
      throw new OpenAIPolicyError(
        "E_OPENAI_RESPONSE",
        `${this.baseUrl}/completions answered something that is not a completion: ${parsed.error.issues[0]?.message}`,
      );
    const choices = [...parsed.data.choices].sort((a, b) => a.index - b.index);
    if (choices.length !== options.n)
      throw new OpenAIPolicyError(
        "E_OPENAI_RESPONSE",
        `${this.baseUrl}/completions returned ${choices.length} choices for n=${options.n}`,
      );
    const promptTokenIds = parsed.data.prompt_token_ids ?? choices[0]?.prompt_token_ids ?? [];
    return { promptTokenIds, samples: choices.map(choiceToSample) };
  }

  #unknownModel(model: string, served: readonly string[]): OpenAIPolicyError {
    return new OpenAIPolicyError(
      "E_OPENAI_MODEL",
      `model "${model}" is not served at ${this.baseUrl} (it serves: ${served.join(", ") || "nothing"}); pass one of those names`,
    );
  }

  /** One JSON request with retries; the parsed body of a 2xx answer. */
  async #request(method: "GET" | "POST", path: string, body: unknown): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    for (let attempt = 0; ; attempt++) {
      const signal = AbortSignal.any([this.#closed.signal, AbortSignal.timeout(this.#options.timeoutMs)]);
      let retryable: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.#fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
        const text = await response.text();
        if (response.ok) {
          try {
            return JSON.parse(text);
          } catch (cause) {
            throw new OpenAIPolicyError(
              "E_OPENAI_RESPONSE",
              `${method} ${url} answered non-JSON: ${text.slice(0, 200)}`,
              {
                cause,
              },
            );
          }
        }
        const detail = errorDetail(text);
        if (!RETRYABLE_STATUS.has(response.status) || attempt >= this.#options.maxRetries)
          throw await this.#httpError(method, url, response.status, detail, attempt);
        retryable = `HTTP ${response.status}: ${detail}`;
        const after = Number(response.headers.get("retry-after"));
        if (Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
      } catch (error) {
        if (error instanceof OpenAIPolicyError) throw error;
        if (this.#closed.signal.aborted) throw this.#closed.signal.reason;
        const timedOut = error instanceof DOMException && error.name === "TimeoutError";
        const code = networkCode(error);
        if (!timedOut && code === undefined) throw error;
        if (attempt >= this.#options.maxRetries) {
          if (timedOut)
            throw new OpenAIPolicyError(
              "E_OPENAI_TIMEOUT",
              `${method} ${url} took longer than ${this.#options.timeoutMs} ms, ${attempt + 1} times; raise the timeout or lower maxTokens/concurrency`,
              { cause: error },
            );
          throw new OpenAIPolicyError(
            "E_OPENAI_UNREACHABLE",
            `cannot reach an OpenAI-compatible server at ${this.baseUrl} (${code}, after ${attempt + 1} attempts); check the URL and that the server is running`,
            { cause: error },
          );
        }
        retryable = timedOut ? "timeout" : (code ?? "network error");
      }
      const backoff = Math.min(30_000, this.#options.retryBaseMs * 2 ** attempt);
      const delay = retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
      this.#onRetry?.({ url, attempt, reason: retryable, delayMs: delay });
      await sleep(delay, this.#closed.signal);
    }
  }

  async #httpError(
    method: string,
    url: string,
    status: number,
    detail: string,
    attempt: number,
  ): Promise<OpenAIPolicyError> {
    if ((status === 404 || status === 400) && url.endsWith("/completions")) {
      // a wrong model name and a wrong base URL both come back as 404/400: tell them apart
      let served: string[] | undefined;
      try {
        served = await this.listModels();
      } catch {
        served = undefined;
      }
      if (served === undefined && status === 404)
        return new OpenAIPolicyError(
          "E_OPENAI_URL",
          `${url} answered 404 and ${this.baseUrl}/models is not a model list: ${this.baseUrl} is not an OpenAI-compatible API base (expected e.g. http://host:8000/v1)`,
          { status },
        );
      if (served && !served.includes(this.model)) return this.#unknownModel(this.model, served);
    }
    if (status === 404 && url.endsWith("/models"))
      return new OpenAIPolicyError(
        "E_OPENAI_URL",
        `${url} answered 404: ${this.baseUrl} is not an OpenAI-compatible API base (expected e.g. http://host:8000/v1)`,
        { status },
      );
    if (status === 401 || status === 403)
      return new OpenAIPolicyError(
        "E_OPENAI_AUTH",
        `${url} refused the request (${status}: ${detail}); check the API key`,
        {
          status,
        },
      );
    const tries = attempt > 0 ? ` after ${attempt + 1} attempts` : "";
    return new OpenAIPolicyError(
      "E_OPENAI_HTTP",
      `${method} ${url} failed with ${status}${tries}: ${detail}`,
      { status },
    );
  }
}

function errorDetail(text: string): string {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) {
      const error = parsed.data.error;
      return typeof error === "string" ? error : error.message;
    }
  } catch {
    // not JSON: use the text
  }
  return text.slice(0, 300) || "(empty body)";
}
