import { setTimeout as sleep } from "node:timers/promises";
import { GraphqlResponseError, graphql } from "@octokit/graphql";
import { formatFieldPath } from "@swerl/schema";
import type { z } from "zod";
import {
  GithubGraphqlError,
  type GithubGraphqlErrorEntry,
  GithubHttpError,
  GithubRateLimitError,
  type GithubRequestSite,
  GithubResponseError,
} from "./errors.js";
import type { RateLimitInfo } from "./responses.js";

/** How to reach GitHub's GraphQL API and how patiently to retry it. */
export interface GithubTransportOptions {
  /** API root; queries go to `${baseUrl}/graphql`. Default `https://api.github.com`. */
  baseUrl?: string;
  /** Token sent as `authorization: bearer …`; default `process.env.GITHUB_TOKEN`; none when empty. */
  token?: string;
  signal?: AbortSignal;
  /** Attempts per query, the first included (default 5). */
  maxAttempts?: number;
  /** First backoff delay; doubles with each retry (default 1000 ms). */
  retryBaseMs?: number;
  /** A longer wait than this (from `retry-after`, a rate-limit reset or backoff) fails instead (default 15 min). */
  maxRetryWaitMs?: number;
  /** Told before each retry, e.g. to log it. */
  onRetry?: (retry: GithubRetry) => void;
}

export interface GithubRetry {
  repo: string;
  query: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: string;
}

/** What a client has spent so far: requests sent, retries, and GitHub's `rateLimit` points. */
export interface GithubUsage {
  requests: number;
  retries: number;
  /** Sum of `rateLimit.cost` over every answered query. */
  cost: number;
  /** The last `rateLimit` GitHub reported, if any. */
  rateLimit: RateLimitInfo | undefined;
}

type Graphql = typeof graphql;

interface FailureVerdict {
  retry: boolean;
  rateLimited: boolean;
  /** Minimum wait GitHub asked for, in ms. */
  waitMs: number;
  reason: string;
  status: number;
}

/** Sends the client's queries through @octokit/graphql with retries, response checks and cost accounting. */
export class GithubTransport {
  readonly usage: GithubUsage = { requests: 0, retries: 0, cost: 0, rateLimit: undefined };
  readonly #graphql: Graphql;
  readonly #signal: AbortSignal | undefined;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;
  readonly #maxRetryWaitMs: number;
  readonly #onRetry: ((retry: GithubRetry) => void) | undefined;

  constructor(options: GithubTransportOptions = {}) {
    const token = options.token ?? process.env.GITHUB_TOKEN ?? "";
    this.#graphql = graphql.defaults({
      baseUrl: (options.baseUrl ?? "https://api.github.com").replace(/\/+$/, ""),
      headers: token ? { authorization: `bearer ${token}` } : {},
      request: { signal: options.signal },
    });
    this.#signal = options.signal;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryBaseMs = options.retryBaseMs ?? 1000;
    this.#maxRetryWaitMs = options.maxRetryWaitMs ?? 15 * 60 * 1000;
    this.#onRetry = options.onRetry;
  }

  /**
   * Runs `document` with `variables` and checks the answer with `schema`. GraphQL errors throw
   * {@link GithubGraphqlError} unless every one of them passes `tolerate` (then the partial data is used).
   */
  async query<S extends z.ZodType<{ rateLimit: RateLimitInfo }>>(
    site: GithubRequestSite,
    document: string,
    variables: Record<string, unknown>,
    schema: S,
    tolerate: (error: GithubGraphqlErrorEntry) => boolean = () => false,
  ): Promise<z.output<S>> {
    for (let attempt = 1; ; attempt++) {
      this.#signal?.throwIfAborted();
      this.usage.requests += 1;
      let data: unknown;
      try {
        data = await this.#graphql(document, variables);
      } catch (error) {
        this.#signal?.throwIfAborted();
        const partial = this.#partialData(site, error, tolerate);
        if (partial !== undefined) {
          data = partial;
        } else {
          const verdict = classifyFailure(error);
          if (!verdict) throw error;
          if (!verdict.retry)
            throw new GithubHttpError(site, verdict.status, verdict.reason, { cause: error });
          const delayMs = Math.max(verdict.waitMs, this.#retryBaseMs * 2 ** (attempt - 1));
          const exhausted = attempt >= this.#maxAttempts;
          if (exhausted || delayMs > this.#maxRetryWaitMs) {
            const why = exhausted
              ? `gave up after ${attempt} attempts`
              : `asked to wait ${Math.ceil(delayMs / 1000)} s, more than the ${Math.ceil(this.#maxRetryWaitMs / 1000)} s allowed`;
            if (verdict.rateLimited) {
              throw new GithubRateLimitError(
                site,
                Math.ceil(verdict.waitMs / 1000),
                `${verdict.reason}; ${why}`,
                {
                  cause: error,
                },
              );
            }
            throw new GithubHttpError(site, verdict.status, `${verdict.reason}; ${why}`, { cause: error });
          }
          this.usage.retries += 1;
          this.#onRetry?.({ ...site, attempt, delayMs, reason: verdict.reason });
          await sleep(delayMs, undefined, { signal: this.#signal });
          continue;
        }
      }
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new GithubResponseError(
          site,
          `unexpected answer at ${formatFieldPath(issue.path)}: ${issue.message}`,
          {
            cause: parsed.error,
          },
        );
      }
      const result = parsed.data as z.output<S>;
      this.usage.cost += result.rateLimit.cost;
      this.usage.rateLimit = result.rateLimit;
      return result;
    }
  }

  /** The data of a GraphQL error answer whose errors are all tolerated; throws a typed error for the rest. */
  #partialData(
    site: GithubRequestSite,
    error: unknown,
    tolerate: (error: GithubGraphqlErrorEntry) => boolean,
  ): unknown | undefined {
    if (!(error instanceof GraphqlResponseError)) return undefined;
    const entries: GithubGraphqlErrorEntry[] = (error.errors ?? []).map((e) => ({
      message: String(e.message),
      type: typeof e.type === "string" ? e.type : undefined,
      path: Array.isArray(e.path) ? e.path : undefined,
    }));
    // Rate limiting reported inside a GraphQL answer is retried like the HTTP form.
    if (entries.some((e) => e.type === "RATE_LIMITED")) return undefined;
    if (entries.length > 0 && entries.every(tolerate) && error.data != null) return error.data;
    throw new GithubGraphqlError(site, entries, { cause: error });
  }
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** Whether and how long to wait after a failed request, following GitHub's rate-limit guidance. */
function classifyFailure(error: unknown): FailureVerdict | undefined {
  if (error instanceof GraphqlResponseError) {
    // A RATE_LIMITED error inside a 200 answer: wait for the reset GitHub names in its headers.
    const resetMs = resetWaitMs(header(error.headers, "x-ratelimit-reset"));
    return { retry: true, rateLimited: true, waitMs: resetMs ?? 0, reason: "RATE_LIMITED", status: 200 };
  }
  if (
    typeof error !== "object" ||
    error === null ||
    !("status" in error) ||
    typeof error.status !== "number"
  ) {
    return undefined;
  }
  const status = error.status;
  const response =
    "response" in error ? (error.response as { headers?: Record<string, unknown> } | undefined) : undefined;
  const headers = response?.headers;
  const message = error instanceof Error ? error.message : String(error);
  const retryAfter = header(headers, "retry-after");
  const remaining = header(headers, "x-ratelimit-remaining");
  if (status === 403 || status === 429) {
    if (retryAfter !== undefined && Number.isFinite(Number(retryAfter))) {
      return {
        retry: true,
        rateLimited: true,
        waitMs: Number(retryAfter) * 1000,
        reason: `secondary rate limit (HTTP ${status}, retry-after ${retryAfter} s)`,
        status,
      };
    }
    if (remaining === "0") {
      const waitMs = resetWaitMs(header(headers, "x-ratelimit-reset")) ?? 60_000;
      return {
        retry: true,
        rateLimited: true,
        waitMs,
        reason: `rate limit exhausted (HTTP ${status})`,
        status,
      };
    }
    if (status === 429 || /secondary rate limit|abuse/i.test(message)) {
      // No hint: GitHub asks for at least a minute before retrying.
      return {
        retry: true,
        rateLimited: true,
        waitMs: 60_000,
        reason: `secondary rate limit (HTTP ${status})`,
        status,
      };
    }
    return { retry: false, rateLimited: false, waitMs: 0, reason: message, status };
  }
  if (status >= 500) {
    // @octokit/request reports network failures as status 500 without a response.
    const reason = response ? `server error: ${message}` : `network error: ${message}`;
    return { retry: true, rateLimited: false, waitMs: 0, reason, status };
  }
  return { retry: false, rateLimited: false, waitMs: 0, reason: message, status };
}

/** Milliseconds until the `x-ratelimit-reset` epoch second, or undefined when absent. */
function resetWaitMs(reset: string | undefined): number | undefined {
  if (reset === undefined || !Number.isFinite(Number(reset))) return undefined;
  return Math.max(0, Number(reset) * 1000 - Date.now());
}
