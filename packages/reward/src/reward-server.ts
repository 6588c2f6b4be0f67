import { z } from "zod";
import { HttpError, type HttpRequestContext, parseJsonBody, startHttpServer } from "./http-server.js";
import { LabelCache } from "./label-cache.js";
import { type ResponseSource, responsePart } from "./response-part.js";
import { InstanceLabel, OpenRlhfRewardRequest, RewardInput } from "./reward-input.js";
import { type RewardDetail, RewardPool, type RewardRequest, type ScoredRequest } from "./reward-pool.js";

/** Every option of the reward server (`swerl serve-reward` generates its flags from this). */
export const RewardServerConfig = z.strictObject({
  host: z.string().min(1).default("127.0.0.1").describe("address to bind; 0.0.0.0: all"),
  port: z.number().int().min(0).max(65535).default(8000).describe("port; 0 picks a free one"),
  workers: z.number().int().positive().optional().describe("scoring threads (default: all cores)"),
  timeoutSeconds: z.number().positive().default(30).describe("seconds one response may take"),
  requestTimeoutSeconds: z.number().positive().default(120).describe("seconds per request from arrival"),
  slowAfterSeconds: z.number().positive().default(0.5).describe("seconds until a response is slow"),
  maxBodyMb: z.number().positive().default(64).describe("largest body accepted, MiB"),
  maxPending: z.number().int().positive().default(4096).describe("most responses waiting; beyond: 503"),
  labelCacheMb: z
    .number()
    .min(0)
    .default(256)
    .describe("label text kept parsed, MiB: a prompt's samples sent one by one parse it once; 0: off"),
});
export type RewardServerConfig = z.infer<typeof RewardServerConfig>;
export type RewardServerConfigInput = z.input<typeof RewardServerConfig>;

/** The server's options; `timeoutMs` and `maxBodyBytes` are the deprecated names of `timeoutSeconds`, `maxBodyMb`. */
export type RewardServerOptions = RewardServerConfigInput & {
  /** @deprecated use `timeoutSeconds`. */
  timeoutMs?: number;
  /** @deprecated use `maxBodyMb`. */
  maxBodyBytes?: number;
};

export interface RunningRewardServer {
  url: string;
  port: number;
  pool: RewardPool;
  close(): Promise<void>;
}

function outcomeStatus(outcome: ScoredRequest): {
  reward: number | null;
  error: string | null;
  status: string;
} {
  if (outcome.status === "scored")
    return { reward: outcome.result.reward, error: outcome.result.error, status: "scored" };
  return {
    reward: null,
    error: outcome.status === "timeout" ? "timed out" : outcome.error,
    status: outcome.status,
  };
}

/**
 * The reward over HTTP: `GET /health`; `POST /score` with one swerl reward record or `{ "items": [...] }`;
 * `POST /get_reward` as OpenRLHF's remote reward model and swerl's verl glue call it. Scoring runs on a
 * worker pool; a request has a time limit from its arrival, and a client that disconnects has its queued
 * work dropped; slow responses move off the workers so the next requests are not held up. A query whose
 * prompt was left-truncated (or sent without prompts) is scored on the response after the prompt's end or
 * the last assistant turn, and reported in `extra_logs`; when no response part can be found, a 422 says which.
 */
export async function startRewardServer(options: RewardServerOptions = {}): Promise<RunningRewardServer> {
  const { timeoutMs, maxBodyBytes, ...rest } = options;
  const config = RewardServerConfig.parse({
    ...rest,
    ...(timeoutMs !== undefined && rest.timeoutSeconds === undefined
      ? { timeoutSeconds: timeoutMs / 1000 }
      : {}),
    ...(maxBodyBytes !== undefined && rest.maxBodyMb === undefined
      ? { maxBodyMb: maxBodyBytes / 1024 / 1024 }
      : {}),
  });
  const pool = new RewardPool({
    ...(config.workers ? { workers: config.workers } : {}),
    timeoutSeconds: config.timeoutSeconds,
    slowAfterSeconds: config.slowAfterSeconds,
  });
  let pending = 0;
  const started = Date.now();
  const labelCache = new LabelCache(Math.floor(config.labelCacheMb * 1024 * 1024));
  const parseLabel = (text: string) => parseJsonBody(InstanceLabel, JSON.parse(text));

  const scoreMany = async (
    requests: RewardRequest[],
    detail: RewardDetail,
    signal: AbortSignal,
    keepInstances = false,
  ): Promise<ScoredRequest[]> => {
    if (pending + requests.length > config.maxPending) {
      throw new HttpError(
        503,
        `server busy: ${pending} responses waiting (limit ${config.maxPending}); retry later`,
      );
    }
    pending += requests.length;
    try {
      return await pool.scoreAll(requests, undefined, { detail, signal, keepInstances });
    } finally {
      pending -= requests.length;
    }
  };

  const score = async (ctx: HttpRequestContext) => {
    const body = await ctx.json();
    const single = !(body && typeof body === "object" && "items" in body);
    const items = single
      ? [parseJsonBody(RewardInput, body)]
      : parseJsonBody(z.object({ items: z.array(RewardInput) }), body).items;
    const outcomes = await scoreMany(
      items.map((i) => ({
        codeContext: i.code_context,
        oracleNewContent: i.oracle_new_content,
        output: i.output,
      })),
      "full",
      ctx.signal,
    );
    const results = outcomes.map((o) =>
      o.status === "scored" ? { status: "scored", ...o.result } : outcomeStatus(o),
    );
    ctx.send(200, single ? results[0] : { results });
  };

  const getReward = async (ctx: HttpRequestContext) => {
    const rm = parseJsonBody(OpenRlhfRewardRequest, await ctx.json());
    if (rm.labels.length !== rm.query.length)
      throw new HttpError(400, `labels: expected ${rm.query.length} labels, got ${rm.labels.length}`);
    if (rm.prompts && rm.prompts.length !== rm.query.length)
      throw new HttpError(400, `prompts: expected ${rm.query.length} prompts, got ${rm.prompts.length}`);
    // The G samples of a prompt carry the same label, in one request or (from the cache) over many: it is
    // parsed once and they share one instance (sent to each worker once, its oracle patch derived once).
    const labels = new Map<string, InstanceLabel>();
    const sources: ResponseSource[] = [];
    const unfound: number[] = [];
    const requests = rm.query.map((query, i) => {
      const text = rm.labels[i]!;
      let label = labels.get(text);
      if (!label) {
        try {
          label = labelCache.get(text, parseLabel);
        } catch (err) {
          throw new HttpError(400, `labels[${i}]: ${err instanceof HttpError ? err.message : "not JSON"}`);
        }
        labels.set(text, label);
      }
      const part = responsePart(query, rm.prompts?.[i]);
      if (!part) unfound.push(i);
      sources.push(part?.source ?? "response");
      return {
        codeContext: label.code_context,
        oracleNewContent: label.oracle_new_content,
        output: part?.response ?? "",
      };
    });
    if (unfound.length > 0)
      throw new HttpError(
        422,
        `query[${unfound.slice(0, 5).join(", ")}${unfound.length > 5 ? ", ..." : ""}]: cannot find the response: ${
          rm.prompts
            ? "the query neither starts with its prompt nor holds the prompt's end"
            : "no prompts were sent"
        }, and no assistant turn of a known chat template is in it; send the prompts (or "" when the query is the response alone)`,
      );
    const outcomes = (await scoreMany(requests, "reward", ctx.signal, labelCache.maxChars > 0)).map(
      outcomeStatus,
    );
    // A response that could not be scored (time limit) counts as a format failure for training, and is reported.
    const rewards = outcomes.map((o) => o.reward ?? -1);
    const flag = (test: (i: number) => boolean) => outcomes.map((_, i) => (test(i) ? 1 : 0));
    ctx.send(200, {
      rewards,
      scores: rewards,
      extra_logs: {
        format_error: flag((i) => outcomes[i]!.reward === -1 || outcomes[i]!.reward === null),
        timed_out: flag((i) => outcomes[i]!.status === "timeout"),
        prompt_truncated: flag((i) => sources[i] === "truncated-prompt"),
        response_from_chat_template: flag((i) => sources[i] === "chat-template"),
      },
    });
  };

  const http = await startHttpServer({
    host: config.host,
    port: config.port,
    maxBodyBytes: Math.floor(config.maxBodyMb * 1024 * 1024),
    requestTimeoutSeconds: config.requestTimeoutSeconds,
    handle: async (ctx) => {
      if (ctx.method === "GET" && ctx.path === "/health") {
        ctx.send(200, {
          status: "ok",
          workers: pool.size,
          pending,
          queued: pool.queued,
          slow: pool.slow,
          labelsCached: labelCache.size,
          uptimeSeconds: (Date.now() - started) / 1000,
        });
        return;
      }
      if (ctx.method === "POST" && ctx.path === "/score") return score(ctx);
      if (ctx.method === "POST" && ctx.path === "/get_reward") return getReward(ctx);
      throw new HttpError(
        404,
        `no route ${ctx.method} ${ctx.path}; use GET /health, POST /score or POST /get_reward`,
      );
    },
  });
  return {
    url: http.url,
    port: http.port,
    pool,
    close: async () => {
      await http.close();
      await pool.close();
    },
  };
}
