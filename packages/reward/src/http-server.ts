import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SwerlError } from "@swerl/schema";
import type { z } from "zod";

/**
 * The small HTTP base under swerl's servers (the reward server here, rollout's policy server): JSON bodies
 * with a size limit, a per-request time limit counted from arrival, a signal that aborts when the client
 * goes away or the time is up, typed errors turned into JSON answers, and a shutdown that stops in-flight
 * work. Loopback (127.0.0.1) unless told otherwise.
 */

/** An error answered with its HTTP status; `type`/`code` fill OpenAI-style error bodies. */
export class HttpError extends SwerlError {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly errorCode: string | null = null,
  ) {
    super("E_HTTP", message);
  }
}

/** One request as a handler sees it. */
export interface HttpRequestContext {
  method: string;
  path: string;
  request: IncomingMessage;
  response: ServerResponse;
  /** Aborts when the client disconnects (reason: an `AbortError`) or the time limit passes (a `TimeoutError`). */
  signal: AbortSignal;
  /** When the request arrived (ms since the epoch) and when its time is up. */
  arrived: number;
  deadline: number;
  /** The body as JSON (400 when it is not, 413 over the size limit). */
  json(): Promise<unknown>;
  /** Sends a JSON answer (ignored when the client has gone). */
  send(status: number, body: unknown): void;
}

export interface HttpServerOptions {
  host?: string;
  port?: number;
  maxBodyBytes: number;
  /** Per-request time limit in seconds from arrival; 0 disables it. */
  requestTimeoutSeconds: number;
  handle(context: HttpRequestContext): Promise<void>;
  /** The JSON body of an error answer. */
  errorBody?(status: number, error: HttpError): unknown;
  /** Maps an error that is not an HttpError (default: 500). */
  mapError?(error: unknown): HttpError;
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  port: number;
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Stops listening, aborts in-flight requests and closes every connection. */
  close(): Promise<void>;
}

/** Validates a parsed body, a 400 naming every failing field path. */
export function parseJsonBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new HttpError(
    400,
    result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
  );
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const controllers = new Set<AbortController>();
  const errorBody = options.errorBody ?? ((_status: number, error: HttpError) => ({ error: error.message }));
  const mapError =
    options.mapError ??
    ((error: unknown) =>
      new HttpError(500, error instanceof Error ? error.message : String(error), "server_error"));
  const server = createServer((request, response) => {
    const arrived = Date.now();
    const controller = new AbortController();
    controllers.add(controller);
    const limitMs = options.requestTimeoutSeconds * 1000;
    const timer =
      limitMs > 0
        ? setTimeout(
            () =>
              controller.abort(
                new DOMException(
                  `the request's ${options.requestTimeoutSeconds}s time limit passed`,
                  "TimeoutError",
                ),
              ),
            limitMs,
          )
        : null;
    // The client went away before the answer was written: stop its work.
    response.on("close", () => {
      if (!response.writableFinished && !controller.signal.aborted)
        controller.abort(new DOMException("the client disconnected", "AbortError"));
    });
    const context: HttpRequestContext = {
      method: request.method ?? "GET",
      path: new URL(request.url ?? "/", "http://localhost").pathname.replace(/(.)\/+$/, "$1"),
      request,
      response,
      signal: controller.signal,
      arrived,
      deadline: limitMs > 0 ? arrived + limitMs : Number.POSITIVE_INFINITY,
      json: () => readJson(request, options.maxBodyBytes),
      send: (status, body) => sendJson(response, status, body),
    };
    options
      .handle(context)
      .catch((error: unknown) => {
        if (response.headersSent) {
          response.end();
          return;
        }
        const http = error instanceof HttpError ? error : mapError(error);
        sendJson(response, http.status, errorBody(http.status, http));
      })
      .finally(() => {
        if (timer) clearTimeout(timer);
        controllers.delete(controller);
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
    server,
    url: `http://${host}:${address.port}`,
    port: address.port,
    get inFlight() {
      return controllers.size;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const c of controllers) c.abort(new DOMException("the server is shutting down", "AbortError"));
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
