import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { InstanceLabel, OpenRlhfRewardRequest, RewardInput } from "./reward-input.js";
import {
  type RewardDetail,
  RewardPool,
  type RewardPoolOptions,
  type RewardRequest,
  type ScoredRequest,
} from "./reward-pool.js";

export interface RewardServerOptions extends RewardPoolOptions {
  port?: number;
  host?: string;
  /** Largest request body accepted, in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Most responses waiting to be scored at once; beyond it requests get 503 (default 4096). */
  maxPending?: number;
}

export interface RunningRewardServer {
  server: Server;
  url: string;
  pool: RewardPool;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `invalid JSON: ${(err as Error).message}`);
  }
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new HttpError(400, `${issue.path.join(".") || "body"}: ${issue.message}`);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function toReward(outcome: ScoredRequest): { reward: number | null; error: string | null; status: string } {
  if (outcome.status === "scored")
    return { reward: outcome.result.reward, error: outcome.result.error, status: "scored" };
  return {
    reward: null,
    error: outcome.status === "timeout" ? "timed out" : outcome.error,
    status: outcome.status,
  };
}

/**
 * The reward over HTTP: `GET /health`; `POST /score` with one swerl reward record or
 * `{ "items": [...] }`; `POST /get_reward` in OpenRLHF's remote reward model shape. Scoring runs on a
 * worker pool; bodies and the number of waiting responses are bounded; bad requests get a 400 with
 * the cause and never stop the server.
 */
export async function startRewardServer(options: RewardServerOptions = {}): Promise<RunningRewardServer> {
  const pool = new RewardPool(options);
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const maxPending = options.maxPending ?? 4096;
  let pending = 0;
  const started = Date.now();

  const scoreMany = async (requests: RewardRequest[], detail: RewardDetail): Promise<ScoredRequest[]> => {
    if (pending + requests.length > maxPending) {
      throw new HttpError(
        503,
        `server busy: ${pending} responses waiting (limit ${maxPending}); retry later`,
      );
    }
    pending += requests.length;
    try {
      return await pool.scoreAll(requests, undefined, { detail });
    } finally {
      pending -= requests.length;
    }
  };

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const path = (request.url ?? "/").split("?")[0];
        if (request.method === "GET" && path === "/health") {
          send(response, 200, {
            status: "ok",
            workers: pool.size,
            pending,
            uptimeSeconds: (Date.now() - started) / 1000,
          });
          return;
        }
        if (request.method !== "POST" || (path !== "/score" && path !== "/get_reward")) {
          throw new HttpError(
            404,
            `no route ${request.method} ${path}; use GET /health, POST /score or POST /get_reward`,
          );
        }
        const body = await readJson(request, maxBody);
        if (path === "/score") {
          const single = !(body && typeof body === "object" && "items" in body);
          const items = single
            ? [parseBody(RewardInput, body)]
            : parseBody(z.object({ items: z.array(RewardInput) }), body).items;
          const outcomes = await scoreMany(
            items.map((i) => ({
              codeContext: i.code_context,
              oracleNewContent: i.oracle_new_content,
              output: i.output,
            })),
            "full",
          );
          const results = outcomes.map((o) =>
            o.status === "scored" ? { status: "scored", ...o.result } : toReward(o),
          );
          send(response, 200, single ? results[0] : { results });
          return;
        }
        const rm = parseBody(OpenRlhfRewardRequest, body);
        if (rm.labels.length !== rm.query.length)
          throw new HttpError(400, `labels: expected ${rm.query.length} labels, got ${rm.labels.length}`);
        if (rm.prompts && rm.prompts.length !== rm.query.length) {
          throw new HttpError(400, `prompts: expected ${rm.query.length} prompts, got ${rm.prompts.length}`);
        }
        // The G samples of a prompt carry the same label: parse it once, so that they share one
        // instance (the pool sends it to each worker once and the oracle's patch is derived once).
        const labels = new Map<string, InstanceLabel>();
        const requests = rm.query.map((query, i) => {
          const text = rm.labels[i]!;
          let label = labels.get(text);
          if (!label) {
            try {
              label = parseBody(InstanceLabel, JSON.parse(text));
            } catch (err) {
              throw new HttpError(
                400,
                `labels[${i}]: ${err instanceof HttpError ? err.message : "not JSON"}`,
              );
            }
            labels.set(text, label);
          }
          const prompt = rm.prompts?.[i] ?? "";
          const output = prompt && query.startsWith(prompt) ? query.slice(prompt.length) : query;
          return { codeContext: label.code_context, oracleNewContent: label.oracle_new_content, output };
        });
        const outcomes = (await scoreMany(requests, "reward")).map(toReward);
        // A response that could not be scored (time limit) counts as a format failure for training.
        const rewards = outcomes.map((o) => o.reward ?? -1);
        send(response, 200, {
          rewards,
          scores: rewards,
          extra_logs: { format_error: outcomes.map((o) => (o.reward === -1 || o.reward === null ? 1 : 0)) },
        });
      } catch (err) {
        if (err instanceof HttpError) send(response, err.status, { error: err.message });
        else send(response, 500, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    pool,
    url: `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
