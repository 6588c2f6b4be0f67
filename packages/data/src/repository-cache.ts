import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ConcurrencyLimiter } from "@swerl/schema";
import { GitError, GitRepository, gitFailure } from "./git-repository.js";

const run = promisify(execFile);

/** `owner/name` -> `owner__name`, the directory-name form used by the demo world and the cache. */
export function repoDirectoryName(repo: string): string {
  return repo.replace("/", "__");
}

/**
 * Where `repo` is cloned from. `source` is a directory (or `file://` URL) of bare repositories named
 * `owner__name.git` (the demo world's `DIR/repos`), or an http(s) base such as `https://github.com`
 * under which the repository is `owner/name.git`.
 */
export function cloneUrl(source: string, repo: string): string {
  if (/^https?:\/\//.test(source)) return `${source.replace(/\/+$/, "")}/${repo}.git`;
  const dir = source.startsWith("file://") ? fileURLToPath(source) : source;
  return join(isAbsolute(dir) ? dir : resolve(dir), `${repoDirectoryName(repo)}.git`);
}

export interface RepositoryCacheOptions {
  /** Directory of bare repositories, `file://` URL, or http(s) base (see {@link cloneUrl}). */
  source: string;
  /** Where bare mirrors are kept, one `owner__name.git` per repository. */
  cacheDir: string;
  /** Clones/fetches running at once (default 4). */
  concurrency?: number;
}

/**
 * Bare mirrors of the repositories being mined. The first {@link open} of a repository clones it
 * (`git clone --mirror`, so `refs/pull/*` heads of forks come along); later opens reuse the clone,
 * and {@link fetch} updates it when a commit is missing. Clones are written under a temporary name
 * and renamed, so an interrupted clone is never mistaken for a complete one.
 */
export class RepositoryCache {
  readonly source: string;
  readonly cacheDir: string;
  readonly #limiter: ConcurrencyLimiter;
  readonly #opening = new Map<string, Promise<GitRepository>>();

  constructor(options: RepositoryCacheOptions) {
    this.source = options.source;
    this.cacheDir = options.cacheDir;
    this.#limiter = new ConcurrencyLimiter(options.concurrency ?? 4, "clone concurrency");
  }

  pathOf(repo: string): string {
    return join(this.cacheDir, `${repoDirectoryName(repo)}.git`);
  }

  /** The cached mirror of `repo`, cloned first if absent. A failing clone throws {@link GitError}. */
  open(repo: string): Promise<GitRepository> {
    let pending = this.#opening.get(repo);
    if (!pending) {
      pending = this.#limiter.run(() => this.#clone(repo));
      this.#opening.set(repo, pending);
      pending.catch(() => this.#opening.delete(repo));
    }
    return pending;
  }

  /** Updates the mirror of `repo` from its source (all refs, pruned). */
  async fetch(repo: string): Promise<void> {
    const dir = this.pathOf(repo);
    await this.#limiter.run(async () => {
      try {
        await run("git", ["--git-dir", dir, "fetch", "--quiet", "--prune", "origin"]);
      } catch (err) {
        throw new GitError(dir, `cannot fetch ${repo}: ${gitFailure(err)}`, { cause: err });
      }
    });
  }

  async #clone(repo: string): Promise<GitRepository> {
    const dir = this.pathOf(repo);
    if (existsSync(join(dir, "HEAD"))) return new GitRepository(dir);
    await mkdir(this.cacheDir, { recursive: true });
    const partial = `${dir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    const url = cloneUrl(this.source, repo);
    try {
      await run("git", ["clone", "--quiet", "--mirror", url, partial], {
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      });
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw new GitError(url, `cannot clone ${repo}: ${gitFailure(err)}`, { cause: err });
    }
    await rename(partial, dir);
    return new GitRepository(dir);
  }
}
