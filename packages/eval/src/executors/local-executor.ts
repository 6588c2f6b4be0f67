import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConcurrencyLimiter } from "@swerl/schema";
import type { z } from "zod";
import { answerKeyFreeCheckout, git } from "./checkout.js";
import { ExecutorError } from "./errors.js";
import {
  type Executor,
  mirrorDirectoryName,
  RepositoryEnvironment,
  type RunRequest,
  type RunResult,
  type Workspace,
  WorkspaceRequest,
} from "./executor.js";
import { isAlive, runInProcessGroup } from "./process-group.js";

export interface LocalExecutorOptions {
  /** Directory holding bare mirrors named `owner__name.git`. */
  reposDir: string;
  /** Where worktrees are created; a fresh temporary directory by default. */
  workDir?: string;
  /** Per `owner/name` environment; repositories not listed inherit this process's environment. */
  environments?: Record<string, z.input<typeof RepositoryEnvironment>>;
  /** Commands running at once across all workspaces (default 1). */
  concurrency?: number;
  /** Keep worktrees after dispose (for debugging). */
  keepWorkspaces?: boolean;
}

/** Host variables an evaluated command may see; everything else (tokens, keys, proxies) is dropped. */
export const ALLOWED_HOST_VARIABLES: readonly string[] = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"];

/**
 * The environment a command sees: the allow-listed host variables ({@link ALLOWED_HOST_VARIABLES}), then
 * the repository's, then the command's own. With an interpreter, `shimDir` (holding `python` and
 * `python3` links to it) goes first on PATH, so `#!/usr/bin/env python` finds it too.
 */
export function commandEnvironment(
  inherited: NodeJS.ProcessEnv,
  repository: RepositoryEnvironment | undefined,
  extra: Record<string, string> | undefined,
  shimDir?: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ALLOWED_HOST_VARIABLES) if (inherited[key] !== undefined) env[key] = inherited[key];
  if (repository) {
    const front = [...repository.path];
    if (repository.interpreter) {
      front.unshift(shimDir ?? path.dirname(repository.interpreter));
      env.SWERL_INTERPRETER = repository.interpreter;
    }
    if (front.length > 0) env.PATH = [...front, inherited.PATH ?? ""].filter(Boolean).join(path.delimiter);
    Object.assign(env, repository.env);
  }
  Object.assign(env, extra);
  return env;
}

const OWNER_FILE = ".swerl-owner";

/** Removes `swerl-eval-*` work directories under `parent` whose owning process is gone; returns them. */
export async function pruneStaleWorkDirs(parent: string = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.startsWith("swerl-eval-")) continue;
    const dir = path.join(parent, entry);
    const owner = Number((await readFile(path.join(dir, OWNER_FILE), "utf8").catch(() => "")).trim());
    if (!owner || isAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/**
 * Runs evaluations on this machine: each workspace is a fresh repository holding the base commit and its
 * ancestors only (fetched from a local bare mirror: no later commits, refs, remote or reflog), and
 * commands run in their own process group with a time limit and a scrubbed environment. Patches run
 * on the host with this user's rights: use DockerExecutor to isolate untrusted ones.
 */
export class LocalExecutor implements Executor {
  readonly #reposDir: string;
  readonly #workDirOption: string | undefined;
  #workDir: Promise<string> | undefined;
  readonly #environments: Record<string, RepositoryEnvironment>;
  readonly #limiter: ConcurrencyLimiter;
  readonly #keep: boolean;
  readonly #pruned = new Map<string, Promise<unknown>>();
  readonly #shims = new Map<string, Promise<string>>();
  readonly #open = new Set<Workspace>();
  #counter = 0;

  constructor(options: LocalExecutorOptions) {
    this.#reposDir = path.resolve(options.reposDir);
    this.#workDirOption = options.workDir ? path.resolve(options.workDir) : undefined;
    this.#environments = Object.fromEntries(
      Object.entries(options.environments ?? {}).map(([repo, env]) => [
        repo,
        RepositoryEnvironment.parse(env),
      ]),
    );
    this.#limiter = new ConcurrencyLimiter(options.concurrency ?? 1);
    this.#keep = options.keepWorkspaces ?? false;
  }

  /** Path of the bare mirror for `owner/name`. */
  mirrorPath(repo: string): string {
    return path.join(this.#reposDir, mirrorDirectoryName(repo));
  }

  #workRoot(): Promise<string> {
    this.#workDir ??= (async () => {
      if (this.#workDirOption) {
        await mkdir(this.#workDirOption, { recursive: true });
        return this.#workDirOption;
      }
      await pruneStaleWorkDirs();
      const dir = await mkdtemp(path.join(tmpdir(), "swerl-eval-"));
      await writeFile(path.join(dir, OWNER_FILE), `${process.pid}\n`);
      return dir;
    })();
    return this.#workDir;
  }

  /** Worktree entries older swerl versions left in the user's mirror (their directories gone) are pruned once. */
  #pruneMirror(mirror: string): Promise<unknown> {
    let pruned = this.#pruned.get(mirror);
    if (!pruned) {
      pruned = git(["--git-dir", mirror, "worktree", "prune"], `pruning stale worktrees of ${mirror}`).catch(
        () => undefined,
      );
      this.#pruned.set(mirror, pruned);
    }
    return pruned;
  }

  /** A directory holding `python` and `python3` links to the interpreter, made once per interpreter. */
  #shimDir(interpreter: string): Promise<string> {
    let shim = this.#shims.get(interpreter);
    if (!shim) {
      shim = (async () => {
        const root = await this.#workRoot();
        const dir = path.join(
          root,
          `.bin-${createHash("sha256").update(interpreter).digest("hex").slice(0, 12)}`,
        );
        await mkdir(dir, { recursive: true });
        for (const name of ["python", "python3"]) {
          await rm(path.join(dir, name), { force: true });
          await symlink(interpreter, path.join(dir, name));
        }
        return dir;
      })();
      this.#shims.set(interpreter, shim);
    }
    return shim;
  }

  async prepare(input: WorkspaceRequest): Promise<Workspace> {
    const request = WorkspaceRequest.parse(input);
    const mirror = this.mirrorPath(request.repo);
    if (!existsSync(mirror)) {
      throw new ExecutorError(
        `no mirror for ${request.repo}: expected a bare git repository at ${mirror} (create one with: git clone --bare <url> ${mirror})`,
      );
    }
    const root = await this.#workRoot();
    await this.#pruneMirror(mirror);
    this.#counter += 1;
    const label = (request.label ?? request.baseCommit.slice(0, 12)).replace(/[^\w.-]+/g, "_");
    const dir = path.join(root, `${label}-${process.pid}-${this.#counter}`);
    await answerKeyFreeCheckout(mirror, request.baseCommit, dir);
    const environment = this.#environments[request.repo];
    const shimDir = environment?.interpreter ? await this.#shimDir(environment.interpreter) : undefined;
    const limiter = this.#limiter;
    let disposed = false;
    const workspace: Workspace = {
      dir,
      repo: request.repo,
      baseCommit: request.baseCommit,
      run: (run: RunRequest): Promise<RunResult> => {
        if (disposed)
          return Promise.reject(new ExecutorError(`workspace ${dir} was disposed; prepare a new one`));
        return limiter.run(() =>
          runInProcessGroup({
            command: run.command,
            cwd: dir,
            env: commandEnvironment(process.env, environment, run.env, shimDir),
            timeoutMs: run.timeoutMs,
            stdin: run.stdin,
          }),
        );
      },
      writeFile: async (relativePath: string, contents: string): Promise<void> => {
        const target = path.resolve(dir, relativePath);
        if (!target.startsWith(dir + path.sep)) {
          throw new ExecutorError(`refusing to write ${relativePath}: it is outside the workspace ${dir}`);
        }
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, contents);
      },
      dispose: async (): Promise<void> => {
        if (disposed) return;
        disposed = true;
        this.#open.delete(workspace);
        if (this.#keep) return;
        await rm(dir, { recursive: true, force: true });
      },
    };
    this.#open.add(workspace);
    return workspace;
  }

  /** Disposes every open workspace and removes the temporary work directory it created. */
  async close(): Promise<void> {
    await Promise.all([...this.#open].map((workspace) => workspace.dispose()));
    if (!this.#workDirOption && this.#workDir && !this.#keep) {
      await rm(await this.#workDir, { recursive: true, force: true });
    }
  }
}
