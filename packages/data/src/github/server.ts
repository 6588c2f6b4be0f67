import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SwerlError } from "@swerl/schema";
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  getVariableValues,
  Kind,
  parse,
  validate,
} from "graphql";
import { loadGithubSchema } from "./github-schema.js";
import { queryCost } from "./query-cost.js";
import { GithubWorld, type RateLimitState, ROOT, resolveField } from "./server-resolvers.js";
import type { RepositorySnapshot } from "./snapshot.js";
import { readSnapshotDirectory } from "./snapshot-files.js";

/** A failure the server can be told to produce for tests, once per `inject` count. */
export type GithubServerFault = { operation?: string } & (
  | { kind: "secondary-rate-limit"; retryAfterSeconds?: number; status?: 403 | 429 }
  | { kind: "rate-limit-exhausted"; resetInSeconds?: number }
  | { kind: "server-error"; status?: number }
  | { kind: "graphql-error"; message?: string; type?: string; path?: readonly (string | number)[] }
);

export interface GithubGraphqlServerOptions {
  /** Directory of `<owner>__<name>.json` snapshots to answer from. */
  snapshotsDir?: string;
  /** Snapshots to answer from, in addition to (or instead of) `snapshotsDir`. */
  snapshots?: Iterable<RepositorySnapshot>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, requests must send `authorization: bearer <token>` (or `token <token>`). */
  token?: string;
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number;
  /** Points per hourly window (default 5000, GitHub's limit for a personal token). */
  pointsPerHour?: number;
}

export interface GithubServerStats {
  requests: number;
  /** Points charged across all answered queries. */
  cost: number;
  faultsInjected: number;
}

export interface RunningGithubGraphqlServer {
  /** Base URL to give the client (`baseUrl`); the endpoint is `${url}/graphql`. */
  url: string;
  endpoint: string;
  /** Repositories loaded. */
  repositories: number;
  stats: Readonly<GithubServerStats>;
  /** Makes the next `times` matching requests fail with `fault`. */
  inject(fault: GithubServerFault, times?: number): void;
  close(): Promise<void>;
}

/** A snapshot directory the server cannot read, or a port it cannot listen on. */
export class GithubServerError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_GITHUB_SERVER", message, options);
  }
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

const WINDOW_MS = 60 * 60 * 1000;

/**
 * An HTTP server at `/graphql` that executes GitHub's published schema (graphql-js over the SDL in
 * @octokit/graphql-schema) against repository snapshots, charges GitHub's documented point cost per
 * query, sends GitHub's rate-limit headers, and can be told to fail on purpose (`inject`).
 */
export async function startGithubGraphqlServer(
  options: GithubGraphqlServerOptions = {},
): Promise<RunningGithubGraphqlServer> {
  const snapshots = [...(options.snapshots ?? [])];
  if (options.snapshotsDir !== undefined) {
    try {
      snapshots.push(...(await readSnapshotDirectory(options.snapshotsDir)));
    } catch (error) {
      if (error instanceof SwerlError) throw error;
      throw new GithubServerError(
        `cannot read snapshots from ${options.snapshotsDir}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const world = new GithubWorld(snapshots);
  const schema = await loadGithubSchema();
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const limit = options.pointsPerHour ?? 5000;
  const faults: { fault: GithubServerFault; times: number }[] = [];
  const stats: GithubServerStats = { requests: 0, cost: 0, faultsInjected: 0 };
  let window = { start: Date.now(), used: 0 };

  function rateWindow(): { used: number; resetEpoch: number } {
    if (Date.now() - window.start >= WINDOW_MS) window = { start: Date.now(), used: 0 };
    return { used: window.used, resetEpoch: Math.ceil((window.start + WINDOW_MS) / 1000) };
  }

  function rateHeaders(): Record<string, string> {
    const { used, resetEpoch } = rateWindow();
    return {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - used)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(resetEpoch),
      "x-ratelimit-resource": "graphql",
    };
  }

  function takeFault(operation: string | undefined): GithubServerFault | undefined {
    const index = faults.findIndex((f) => f.fault.operation === undefined || f.fault.operation === operation);
    if (index < 0) return undefined;
    const entry = faults[index]!;
    entry.times -= 1;
    if (entry.times <= 0) faults.splice(index, 1);
    stats.faultsInjected += 1;
    return entry.fault;
  }

  async function answer(request: IncomingMessage): Promise<Answer> {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/graphql") throw new HttpFailure(404, "Not Found");
    if (request.method !== "POST") throw new HttpFailure(405, "Use POST for GraphQL queries");
    if (options.token !== undefined) {
      const sent = /^(?:bearer|token)\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
      if (sent !== options.token) throw new HttpFailure(401, "Bad credentials");
    }
    const payload = parseBody(await readBody(request, maxBodyBytes));
    const fault = takeFault(payload.operationName ?? operationNameOf(payload.query));
    if (fault) return faultAnswer(fault, rateHeaders());
    return { status: 200, body: runQuery(payload), headers: rateHeaders() };
  }

  function runQuery(
    payload: QueryPayload,
  ): ExecutionResult | { errors: (GraphQLFormattedError & { type?: string })[] } {
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return { errors: [formatError(error as GraphQLError)] };
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { errors: invalid.map(formatError) };
    const operation = getOperationAST(document, payload.operationName);
    if (!operation)
      return { errors: [{ message: "Must provide an operation (name it when there are several)." }] };
    if (operation.operation !== "query") {
      return {
        errors: [
          { message: `swerl's local GitHub server is read-only; it does not run ${operation.operation}s` },
        ],
      };
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
    if (coerced.errors) return { errors: coerced.errors.map(formatError) };
    const cost = queryCost(schema, operation, fragmentsOf(document), coerced.coerced);
    const { used, resetEpoch } = rateWindow();
    const resetAt = new Date(resetEpoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    if (used + cost.cost > limit) {
      return {
        errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for this token." }],
      };
    }
    window.used += cost.cost;
    stats.cost += cost.cost;
    const rateLimit: RateLimitState = {
      cost: cost.cost,
      limit,
      used: window.used,
      remaining: limit - window.used,
      resetAt,
      nodeCount: cost.nodes,
    };
    const result = execute({
      schema,
      document,
      rootValue: ROOT,
      contextValue: { world, rateLimit },
      variableValues: payload.variables ?? {},
      operationName: payload.operationName,
      fieldResolver: resolveField,
    }) as ExecutionResult;
    return result.errors
      ? { data: result.data, errors: result.errors.map(formatError) }
      : { data: result.data };
  }

  const server = createServer((request, response) => {
    stats.requests += 1;
    answer(request).then(
      (a) => send(response, a),
      (error: unknown) => {
        if (error instanceof HttpFailure) {
          const body =
            error.detail === undefined
              ? { message: error.message }
              : { message: error.message, cause: error.detail };
          send(response, { status: error.status, body });
        } else {
          send(response, { status: 500, body: { message: `internal error: ${(error as Error).message}` } });
        }
      },
    );
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new GithubServerError(`cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    endpoint: `${url}/graphql`,
    repositories: world.size,
    stats,
    inject(fault, times = 1) {
      faults.push({ fault, times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface QueryPayload {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string;
}

function parseBody(text: string): QueryPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpFailure(400, "Problems parsing JSON", (error as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpFailure(
      400,
      "Problems parsing JSON",
      "expected an object {query, variables?, operationName?}",
    );
  }
  const { query, variables, operationName } = value as Record<string, unknown>;
  if (typeof query !== "string")
    throw new HttpFailure(400, "A query attribute must be specified and must be a string.");
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) {
    throw new HttpFailure(400, "Problems parsing JSON", "variables must be an object");
  }
  if (operationName != null && typeof operationName !== "string") {
    throw new HttpFailure(400, "Problems parsing JSON", "operationName must be a string");
  }
  return {
    query,
    variables: (variables ?? null) as Record<string, unknown> | null,
    operationName: operationName ?? undefined,
  };
}

function operationNameOf(query: string): string | undefined {
  return /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1];
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/** graphql-js's error format plus GitHub's top-level `type` (`NOT_FOUND`, …) when the error has one. */
function formatError(error: GraphQLError): GraphQLFormattedError & { type?: string } {
  const formatted = error.toJSON();
  const type = formatted.extensions?.type;
  return typeof type === "string" ? { type, ...formatted } : formatted;
}

function faultAnswer(fault: GithubServerFault, headers: Record<string, string>): Answer {
  switch (fault.kind) {
    case "secondary-rate-limit":
      return {
        status: fault.status ?? 403,
        headers: { ...headers, "retry-after": String(fault.retryAfterSeconds ?? 0) },
        body: {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url:
            "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits",
        },
      };
    case "rate-limit-exhausted":
      return {
        status: 403,
        headers: {
          ...headers,
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 0)),
        },
        body: { message: "API rate limit exceeded" },
      };
    case "server-error":
      return { status: fault.status ?? 502, headers, body: { message: "Server Error" } };
    case "graphql-error":
      return {
        status: 200,
        headers,
        body: {
          data: null,
          errors: [
            {
              type: fault.type ?? "INTERNAL",
              message: fault.message ?? "Something went wrong while executing your query (injected).",
              path: fault.path ?? [],
              locations: [],
            },
          ],
        },
      };
  }
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Answer now and drain the rest unread, so the client still gets the 413.
        request.removeAllListeners("data");
        request.resume();
        reject(new HttpFailure(413, `Request body is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, answer: Answer): void {
  if (response.headersSent) return;
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...answer.headers,
  });
  response.end(body);
}
