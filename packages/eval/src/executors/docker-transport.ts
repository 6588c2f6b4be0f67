import http from "node:http";
import type { Readable } from "node:stream";
import { ExecutorError } from "./errors.js";

/** One Docker Engine API call: method, path (without the `/v1.xx` prefix when sent through DockerClient), body. */
export interface DockerRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  path: string;
  /** JSON body. */
  body?: unknown;
  /** Raw body (a tar archive for PUT /archive or an image import). */
  raw?: Buffer;
  /** Streamed body (a root filesystem tarball), sent chunked. */
  stream?: Readable;
  contentType?: string;
  /** Give up (and fail) when the engine has not answered completely within this many milliseconds. */
  timeoutMs?: number;
}

export interface DockerResponse {
  status: number;
  body: Buffer;
}

/** Sends requests to the engine. */
export interface DockerTransport {
  /** Where it talks to, for error messages (`unix:///var/run/docker.sock`, `tcp://host:2375`). */
  readonly address: string;
  send(request: DockerRequest): Promise<DockerResponse>;
}

/** Where the engine listens, from a `DOCKER_HOST` value. */
export type DockerEndpoint =
  | { kind: "unix"; socketPath: string }
  | { kind: "tcp"; host: string; port: number };

/**
 * Reads a `DOCKER_HOST` value: `unix:///path`, `tcp://host:port` (also `http://`), or empty for the
 * default socket `/var/run/docker.sock`. `https://`/TLS and `ssh://` are refused with a message.
 */
export function parseDockerHost(value: string | undefined): DockerEndpoint {
  if (!value) return { kind: "unix", socketPath: "/var/run/docker.sock" };
  if (value.startsWith("unix://")) {
    const socketPath = value.slice("unix://".length);
    if (!socketPath.startsWith("/"))
      throw new ExecutorError(`DOCKER_HOST=${value}: expected unix:///absolute/path.sock`);
    return { kind: "unix", socketPath };
  }
  const tcp = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(value);
  if (tcp)
    return { kind: "tcp", host: (tcp[1] as string).replace(/^\[|\]$/g, ""), port: Number(tcp[2] ?? 2375) };
  throw new ExecutorError(
    `DOCKER_HOST=${value}: only unix:///path and tcp://host:port are supported (no TLS or ssh); set DOCKER_HOST accordingly`,
  );
}

/** HTTP/1.1 to the engine over its unix socket or plain TCP. */
export class DockerHttpTransport implements DockerTransport {
  readonly endpoint: DockerEndpoint;
  readonly address: string;
  readonly #agent: http.Agent;

  constructor(endpoint: DockerEndpoint = parseDockerHost(process.env.DOCKER_HOST)) {
    this.endpoint = endpoint;
    this.address =
      endpoint.kind === "unix" ? `unix://${endpoint.socketPath}` : `tcp://${endpoint.host}:${endpoint.port}`;
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  send(request: DockerRequest): Promise<DockerResponse> {
    const payload =
      request.raw ?? (request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body)));
    const target =
      this.endpoint.kind === "unix"
        ? { socketPath: this.endpoint.socketPath }
        : { host: this.endpoint.host, port: this.endpoint.port };
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          ...target,
          agent: this.#agent,
          method: request.method,
          path: request.path,
          headers: {
            Host: "docker",
            "Content-Type": request.contentType ?? "application/json",
            ...(request.stream ? {} : { "Content-Length": payload ? payload.length : 0 }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      if (request.timeoutMs !== undefined) {
        req.setTimeout(request.timeoutMs, () =>
          req.destroy(
            new ExecutorError(
              `Docker ${request.method} ${request.path} at ${this.address} did not answer within ${request.timeoutMs} ms`,
            ),
          ),
        );
      }
      req.on("error", (error) =>
        reject(
          error instanceof ExecutorError
            ? error
            : new ExecutorError(
                `cannot reach the Docker engine at ${this.address}: ${error.message} (is dockerd running? set DOCKER_HOST)`,
                { cause: error },
              ),
        ),
      );
      if (request.stream) {
        request.stream.on("error", (error) => req.destroy(error));
        request.stream.pipe(req);
        return;
      }
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Closes idle keep-alive connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}
