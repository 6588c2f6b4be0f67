import type { Readable } from "node:stream";
import { DockerHttpTransport, type DockerRequest, type DockerTransport } from "./docker-transport.js";
import { ExecutorError } from "./errors.js";

/** The newest Engine API version swerl speaks; an older daemon's own version is used instead. */
export const DOCKER_API_VERSION = "1.43";
/** The oldest one it was tested against (Debian bookworm's docker.io 20.10). */
export const DOCKER_MIN_API_VERSION = "1.41";

/** Label every swerl container carries, to find leftovers of killed runs. */
export const SWERL_LABEL = "io.swerl.harness";
/** Label naming the process that owns a container: `<hostname>:<pid>`. */
export const SWERL_OWNER_LABEL = "io.swerl.owner";

export interface ContainerSpec {
  image: string;
  name: string;
  env: Record<string, string>;
  workingDir: string;
  labels: Record<string, string>;
  /** Memory limit in bytes (0: none). */
  memoryBytes?: number;
  /** CPUs (fractional allowed; 0: none). */
  cpus?: number;
  /** `none` (default for test runs), `host`, `bridge`... */
  networkMode?: string;
  cmd?: string[];
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return "";
  return `?${entries.map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`).join("&")}`;
}

const env = (vars: Record<string, string>) => Object.entries(vars).map(([key, value]) => `${key}=${value}`);

/** `name:tag` -> [name, tag] (a registry port's colon is not a tag). */
export function splitImageReference(reference: string): [string, string] {
  const at = reference.lastIndexOf(":");
  if (at > reference.lastIndexOf("/") && at > 0) return [reference.slice(0, at), reference.slice(at + 1)];
  return [reference, "latest"];
}

/** The requests swerl makes, as data, with unversioned paths (DockerClient adds `/v1.xx`). */
export const dockerRequests = {
  version(): DockerRequest {
    return { method: "GET", path: "/version" };
  },
  createContainer(spec: ContainerSpec): DockerRequest {
    return {
      method: "POST",
      path: `/containers/create${query({ name: spec.name })}`,
      body: {
        Image: spec.image,
        Cmd: spec.cmd ?? ["sleep", "infinity"],
        WorkingDir: spec.workingDir,
        Env: env(spec.env),
        Labels: spec.labels,
        Tty: false,
        HostConfig: {
          Init: true,
          AutoRemove: false,
          NetworkMode: spec.networkMode ?? "none",
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
          ...(spec.cpus ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
        },
      },
    };
  },
  startContainer(id: string): DockerRequest {
    return { method: "POST", path: `/containers/${id}/start` };
  },
  createExec(
    id: string,
    options: { cmd: string[]; env: Record<string, string>; workingDir: string },
  ): DockerRequest {
    return {
      method: "POST",
      path: `/containers/${id}/exec`,
      body: {
        Cmd: options.cmd,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        WorkingDir: options.workingDir,
        Env: env(options.env),
      },
    };
  },
  startExec(execId: string): DockerRequest {
    return { method: "POST", path: `/exec/${execId}/start`, body: { Detach: false, Tty: false } };
  },
  inspectExec(execId: string): DockerRequest {
    return { method: "GET", path: `/exec/${execId}/json` };
  },
  putArchive(id: string, directory: string, tar: Buffer | Readable): DockerRequest {
    return {
      method: "PUT",
      path: `/containers/${id}/archive${query({ path: directory })}`,
      ...(Buffer.isBuffer(tar) ? { raw: tar } : { stream: tar }),
      contentType: "application/x-tar",
    };
  },
  killContainer(id: string): DockerRequest {
    return { method: "POST", path: `/containers/${id}/kill${query({ signal: "KILL" })}` };
  },
  waitContainer(id: string): DockerRequest {
    return { method: "POST", path: `/containers/${id}/wait` };
  },
  containerLogs(id: string): DockerRequest {
    return { method: "GET", path: `/containers/${id}/logs${query({ stdout: true, stderr: true })}` };
  },
  removeContainer(id: string): DockerRequest {
    return { method: "DELETE", path: `/containers/${id}${query({ force: true, v: true })}` };
  },
  listContainers(label: string): DockerRequest {
    return {
      method: "GET",
      path: `/containers/json${query({ all: true, filters: JSON.stringify({ label: [label] }) })}`,
    };
  },
  inspectImage(reference: string): DockerRequest {
    return { method: "GET", path: `/images/${reference}/json` };
  },
  /** Docker's `import`: a root filesystem tarball becomes an image. */
  importImage(reference: string, tar: Buffer | Readable, changes: string[] = []): DockerRequest {
    const [repo, tag] = splitImageReference(reference);
    const params = `fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}${changes
      .map((change) => `&changes=${encodeURIComponent(change)}`)
      .join("")}`;
    return {
      method: "POST",
      path: `/images/create?${params}`,
      ...(Buffer.isBuffer(tar) ? { raw: tar } : { stream: tar }),
      contentType: "application/x-tar",
    };
  },
  /** Docker's `pull`: the official per-instance image of a dataset's `image` field. */
  pullImage(reference: string): DockerRequest {
    const [repo, tag] = splitImageReference(reference);
    return { method: "POST", path: `/images/create${query({ fromImage: repo, tag })}` };
  },
  /** Docker's `commit`: a container's filesystem becomes an image, with labels and a working dir. */
  commitContainer(
    id: string,
    reference: string,
    config: { labels: Record<string, string>; workingDir?: string; env?: Record<string, string> },
  ): DockerRequest {
    const [repo, tag] = splitImageReference(reference);
    return {
      method: "POST",
      path: `/commit${query({ container: id, repo, tag })}`,
      body: {
        Labels: config.labels,
        Cmd: ["sleep", "infinity"],
        ...(config.workingDir ? { WorkingDir: config.workingDir } : {}),
        ...(config.env ? { Env: env(config.env) } : {}),
      },
    };
  },
  removeImage(reference: string): DockerRequest {
    return { method: "DELETE", path: `/images/${reference}${query({ force: true })}` };
  },
};

/** `1.41` < `1.43`. */
export function compareApiVersions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split(".").map(Number);
  const [bmaj = 0, bmin = 0] = b.split(".").map(Number);
  return amaj === bmaj ? amin - bmin : amaj - bmaj;
}

/**
 * The Engine API with its version negotiated: the first call asks the daemon (`GET /version`) and uses
 * its API version when it is older than {@link DOCKER_API_VERSION}, as the docker CLI does.
 */
export class DockerClient {
  readonly transport: DockerTransport;
  #version: Promise<string> | undefined;

  constructor(transport: DockerTransport = new DockerHttpTransport()) {
    this.transport = transport;
  }

  /** The API version in use (negotiated on first use). */
  apiVersion(): Promise<string> {
    this.#version ??= this.transport.send(dockerRequests.version()).then(
      (response) => {
        if (response.status !== 200) {
          throw new ExecutorError(
            `Docker engine at ${this.transport.address} answered ${response.status} to GET /version: ${response.body.toString("utf8").slice(0, 300)}`,
          );
        }
        const daemon = (JSON.parse(response.body.toString("utf8")) as { ApiVersion?: string }).ApiVersion;
        if (!daemon) return DOCKER_API_VERSION;
        return compareApiVersions(daemon, DOCKER_API_VERSION) < 0 ? daemon : DOCKER_API_VERSION;
      },
      (error: unknown) => {
        this.#version = undefined;
        throw error;
      },
    );
    return this.#version;
  }

  /** Sends a request at the negotiated version; a status not in `expected` is an ExecutorError naming the call. */
  async call(request: DockerRequest, expected: number[]): Promise<Buffer> {
    const version = await this.apiVersion();
    const response = await this.transport.send({ ...request, path: `/v${version}${request.path}` });
    if (!expected.includes(response.status)) {
      throw new ExecutorError(
        `Docker ${request.method} ${request.path} at ${this.transport.address} answered ${response.status}: ${response.body.toString("utf8").trim().slice(0, 500)}`,
      );
    }
    return response.body;
  }

  async json<T>(request: DockerRequest, expected: number[]): Promise<T> {
    return JSON.parse((await this.call(request, expected)).toString("utf8")) as T;
  }

  /** Whether an image exists locally. */
  async hasImage(reference: string): Promise<boolean> {
    const version = await this.apiVersion();
    const request = dockerRequests.inspectImage(reference);
    const response = await this.transport.send({ ...request, path: `/v${version}${request.path}` });
    return response.status === 200;
  }

  close(): void {
    (this.transport as { close?: () => void }).close?.();
  }
}

/**
 * Splits Docker's multiplexed attach stream (8-byte frame headers: stream type, 3 zero bytes, big-endian
 * length) into one log, frames in arrival order.
 */
export function demultiplexDockerStream(data: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    const length = data.readUInt32BE(offset + 4);
    parts.push(data.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString("utf8");
}

/**
 * The JSON-lines progress stream of an image pull/import: throws the first `error` it holds (the API
 * answers 200 and reports failures inside the stream).
 */
export function checkProgressStream(body: Buffer, what: string): void {
  for (const line of body.toString("utf8").split("\n")) {
    if (!line.trim()) continue;
    let message: { error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue;
    }
    if (message.error) throw new ExecutorError(`${what}: ${message.errorDetail?.message ?? message.error}`);
  }
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** A one-file POSIX ustar archive, as PUT /containers/{id}/archive takes. */
export function singleFileTar(name: string, contents: Buffer, mode = 0o644): Buffer {
  if (Buffer.byteLength(name) > 100) throw new ExecutorError(`file name too long for a tar header: ${name}`);
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, "utf8");
  header.write(octal(mode, 8), 100, "ascii");
  header.write(octal(0, 8), 108, "ascii");
  header.write(octal(0, 8), 116, "ascii");
  header.write(octal(contents.length, 12), 124, "ascii");
  header.write(octal(Math.floor(Date.now() / 1000), 12), 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write("0", 156, "ascii");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const padding = Buffer.alloc((512 - (contents.length % 512)) % 512, 0);
  return Buffer.concat([header, contents, padding, Buffer.alloc(1024, 0)]);
}
