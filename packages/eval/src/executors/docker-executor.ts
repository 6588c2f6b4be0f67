import { hostname } from "node:os";
import path from "node:path";
import { ConcurrencyLimiter, parseConfig } from "@swerl/schema";
import { z } from "zod";
import {
  type ContainerSpec,
  DockerClient,
  demultiplexDockerStream,
  dockerRequests,
  SWERL_LABEL,
  SWERL_OWNER_LABEL,
  singleFileTar,
} from "./docker-api.js";
import { ExecutorError } from "./errors.js";
import {
  type Executor,
  RepositoryEnvironment,
  type RunRequest,
  type RunResult,
  type Workspace,
  WorkspaceRequest,
} from "./executor.js";
import { isAlive } from "./process-group.js";

/** The serialisable options of the Docker executor. */
export const DockerExecutorConfig = z.object({
  workingDir: z.string().default("/testbed").describe("where the repository is inside the image"),
  memoryMb: z
    .number()
    .int()
    .nonnegative()
    .default(4096)
    .describe("memory limit of each container, in MiB (0: none)"),
  cpus: z
    .number()
    .nonnegative()
    .default(1)
    .describe("CPUs of each container (fractions allowed; 0: no limit)"),
  network: z
    .boolean()
    .default(false)
    .describe("give test containers a network (default: none, so patches cannot reach anything)"),
  concurrency: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe("commands running at once across all containers"),
  /** Extra seconds past a command's limit after which the host kills the whole container. */
  killGraceSeconds: z
    .number()
    .positive()
    .default(10)
    .describe("seconds past a command's limit before the host kills its container"),
});
export type DockerExecutorConfig = z.infer<typeof DockerExecutorConfig>;

export interface DockerExecutorOptions extends z.input<typeof DockerExecutorConfig> {
  /** The image holding the repository at `workingDir` for a request (an instance image). */
  image: (request: WorkspaceRequest) => string;
  /** The engine; `DOCKER_HOST` (unix or tcp) by default. */
  client?: DockerClient;
  /** Per `owner/name` environment (interpreter, PATH entries, variables) applied inside the container. */
  environments?: Record<string, z.input<typeof RepositoryEnvironment>>;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

const SHIM_DIR = "/run/swerl-bin";

/**
 * Runs workspaces in containers through the Docker Engine API (version negotiated, unix socket or tcp
 * from `DOCKER_HOST`): one labelled container per workspace with memory/CPU limits and no network,
 * commands as execs under coreutils `timeout` (and the container killed from the host if that fails),
 * files written with PUT archive, the container removed on dispose. Leftovers of killed runs of this
 * host (their owner process is gone) are removed when the executor starts.
 */
export class DockerExecutor implements Executor {
  readonly #config: DockerExecutorConfig;
  readonly #image: DockerExecutorOptions["image"];
  readonly #client: DockerClient;
  readonly #ownClient: boolean;
  readonly #limiter: ConcurrencyLimiter;
  readonly #environments: Record<string, RepositoryEnvironment>;
  readonly #open = new Map<string, Workspace>();
  readonly #owner = `${hostname()}:${process.pid}`;
  #cleaned: Promise<number> | undefined;
  #counter = 0;

  constructor(options: DockerExecutorOptions) {
    const { image, client, environments, ...config } = options;
    this.#config = parseConfig(DockerExecutorConfig, config, "DockerExecutor");
    this.#image = image;
    this.#client = client ?? new DockerClient();
    this.#ownClient = client === undefined;
    this.#limiter = new ConcurrencyLimiter(this.#config.concurrency);
    this.#environments = Object.fromEntries(
      Object.entries(environments ?? {}).map(([repo, env]) => [
        repo,
        parseConfig(RepositoryEnvironment, env, `DockerExecutor environments.${repo}`),
      ]),
    );
  }

  get client(): DockerClient {
    return this.#client;
  }

  /** Removes swerl containers whose owning process on this host is gone; returns how many. Runs once. */
  removeLeftovers(): Promise<number> {
    this.#cleaned ??= (async () => {
      const listed = await this.#client.json<Array<{ Id: string; Labels?: Record<string, string> }>>(
        dockerRequests.listContainers(SWERL_LABEL),
        [200],
      );
      let removed = 0;
      for (const container of listed) {
        const owner = container.Labels?.[SWERL_OWNER_LABEL] ?? "";
        const [host, pid] = owner.split(":");
        if (host !== hostname() || (pid && isAlive(Number(pid)))) continue;
        await this.#client.call(dockerRequests.removeContainer(container.Id), [204, 404, 409]);
        removed += 1;
      }
      return removed;
    })();
    return this.#cleaned;
  }

  async prepare(input: WorkspaceRequest): Promise<Workspace> {
    const request = WorkspaceRequest.parse(input);
    await this.removeLeftovers();
    const config = this.#config;
    const workingDir = config.workingDir;
    const environment = this.#environments[request.repo];
    const baseEnv: Record<string, string> = { ...(environment?.env ?? {}) };
    const front = [...(environment?.path ?? [])];
    if (environment?.interpreter) {
      front.unshift(SHIM_DIR);
      baseEnv.SWERL_INTERPRETER = environment.interpreter;
    }
    if (front.length > 0) {
      baseEnv.PATH = [...front, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"].join(":");
    }
    this.#counter += 1;
    const name = `swerl-${(request.label ?? request.baseCommit.slice(0, 12)).replace(/[^\w.-]+/g, "_")}-${process.pid}-${this.#counter}`;
    const spec: ContainerSpec = {
      image: this.#image(request),
      name,
      env: baseEnv,
      workingDir,
      labels: { [SWERL_LABEL]: "1", [SWERL_OWNER_LABEL]: this.#owner },
      memoryBytes: config.memoryMb * 1024 * 1024,
      cpus: config.cpus,
      networkMode: config.network ? "bridge" : "none",
    };
    const { Id: id } = await this.#client.json<{ Id: string }>(dockerRequests.createContainer(spec), [201]);
    let disposed = false;
    const dispose = async () => {
      if (disposed) return;
      disposed = true;
      this.#open.delete(id);
      await this.#client.call(dockerRequests.removeContainer(id), [204, 404, 409]);
    };
    try {
      await this.#client.call(dockerRequests.startContainer(id), [204, 304]);
    } catch (error) {
      await dispose().catch(() => undefined);
      throw error;
    }
    let runs = 0;
    const exec = async (run: RunRequest): Promise<RunResult> => {
      if (disposed) throw new ExecutorError(`container ${name} was disposed; prepare a new workspace`);
      const started = performance.now();
      const seconds = Math.max(1, Math.ceil(run.timeoutMs / 1000));
      runs += 1;
      let command = `timeout -k 2 ${seconds} bash -c ${shellQuote(run.command)}`;
      if (run.stdin !== undefined) {
        const stdinName = `swerl-stdin-${runs}`;
        await this.#client.call(
          dockerRequests.putArchive(id, "/tmp", singleFileTar(stdinName, Buffer.from(run.stdin))),
          [200],
        );
        command = `${command} < /tmp/${stdinName}`;
      } else {
        command = `${command} < /dev/null`;
      }
      const created = await this.#client.json<{ Id: string }>(
        dockerRequests.createExec(id, {
          cmd: ["bash", "-c", command],
          env: { ...baseEnv, ...run.env },
          workingDir,
        }),
        [201],
      );
      // the exec API cannot stop an exec: `timeout` does it inside; if even that hangs, the host kills
      // the container (every later command of this workspace then fails, which is an error, not a verdict)
      let killed = false;
      const guard = setTimeout(
        () => {
          killed = true;
          this.#client.call(dockerRequests.killContainer(id), [204, 404, 409]).catch(() => undefined);
        },
        run.timeoutMs + config.killGraceSeconds * 1000,
      );
      let stream: Buffer;
      try {
        stream = await this.#client.call(dockerRequests.startExec(created.Id), [200]);
      } finally {
        clearTimeout(guard);
      }
      const inspected = await this.#client
        .json<{ ExitCode: number | null; Running?: boolean }>(dockerRequests.inspectExec(created.Id), [200])
        .catch(() => ({ ExitCode: null }));
      const exitCode = killed ? null : inspected.ExitCode;
      return {
        exitCode,
        signal: killed ? "SIGKILL" : null,
        // coreutils timeout exits 124 on the limit, 137 when it had to SIGKILL
        timedOut: killed || exitCode === 124 || exitCode === 137,
        durationMs: performance.now() - started,
        log: demultiplexDockerStream(stream),
      };
    };
    const workspace: Workspace = {
      dir: workingDir,
      repo: request.repo,
      baseCommit: request.baseCommit,
      run: (run) => this.#limiter.run(() => exec(run)),
      writeFile: async (relativePath, contents) => {
        const target = path.posix.resolve(workingDir, relativePath);
        if (!target.startsWith(`${workingDir}/`)) {
          throw new ExecutorError(
            `refusing to write ${relativePath}: it is outside the workspace ${workingDir}`,
          );
        }
        await exec({ command: `mkdir -p ${shellQuote(path.posix.dirname(target))}`, timeoutMs: 30_000 });
        await this.#client.call(
          dockerRequests.putArchive(
            id,
            path.posix.dirname(target),
            singleFileTar(path.posix.basename(target), Buffer.from(contents)),
          ),
          [200],
        );
      },
      dispose,
    };
    this.#open.set(id, workspace);
    if (environment?.interpreter) {
      const interpreter = shellQuote(environment.interpreter);
      const shim = await exec({
        command: `mkdir -p ${SHIM_DIR} && ln -sf ${interpreter} ${SHIM_DIR}/python && ln -sf ${interpreter} ${SHIM_DIR}/python3`,
        timeoutMs: 30_000,
      });
      if (shim.exitCode !== 0) {
        await dispose();
        throw new ExecutorError(
          `cannot link python to ${environment.interpreter} in ${spec.image}: ${shim.log}`,
        );
      }
    }
    return workspace;
  }

  /** Removes every container this executor still holds. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#open.values()].map((workspace) => workspace.dispose().catch(() => undefined)),
    );
    if (this.#ownClient) this.#client.close();
  }
}
