import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, rename, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type LinkedIssue, MinedPullRequest, SwerlError } from "@swerl/schema";
import { z } from "zod";
import { type ArchiveStats, snapshotsFromArchive } from "./gharchive-snapshots.js";
import { GitObjectReader } from "./git-object-reader.js";
import type { GitRepository } from "./git-repository.js";
import { type GithubSnapshotsOptions, githubSnapshots } from "./github/client.js";
import type { GithubError } from "./github/errors.js";
import type { RepositorySnapshot, SnapshotComment, SnapshotPullRequest } from "./github/snapshot.js";
import { findIssueLinks } from "./issue-links.js";
import { mapLimited } from "./map-limited.js";
import { RepositoryCache } from "./repository-cache.js";

/** One problem met while mining, as written to `errors.jsonl`; the run goes on past every one. */
export const MiningError = z.object({
  /** What failed: an archive line/file, cloning, a commit that is not in the repository, a diff. */
  kind: z.enum(["archive", "github", "clone", "missing-commit", "git"]),
  repo: z.string().optional(),
  pullNumber: z.number().int().positive().optional(),
  /** `file:line` for archive input, the GraphQL operation for GitHub. */
  location: z.string().optional(),
  message: z.string(),
});
export type MiningError = z.infer<typeof MiningError>;

/** Which slice of the repositories this run mines: `index` in `[0, count)`. */
export const Shard = z
  .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
  .refine((s) => s.index < s.count, { message: "shard index must be below the shard count" });
export type Shard = z.infer<typeof Shard>;

/** The shard a repository belongs to: SHA-256 of the lower-cased `owner/name`, first 32 bits, mod `count`. */
export function shardOf(repo: string, count: number): number {
  return createHash("sha256").update(repo.toLowerCase()).digest().readUInt32BE(0) % count;
}

/** Parses `i/N` (as `--shard` takes it). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const parsed = Shard.safeParse(m ? { index: Number(m[1]), count: Number(m[2]) } : undefined);
  if (!parsed.success) {
    throw new SwerlError("E_SHARD", `shard "${text}": expected i/N with 0 <= i < N, e.g. 0/4`);
  }
  return parsed.data;
}

export interface MineProgress {
  phase: "archive" | "repositories";
  /** Repositories finished (this run and earlier runs). */
  done: number;
  repo?: string;
  mined: number;
  errors: number;
}

export interface MineOptions {
  /** GH Archive inputs: hourly `.json.gz` files, directories of them, or http(s) URLs. */
  gharchive?: readonly string[];
  /** Snapshots from another source (a recorded crawl, a custom client). */
  snapshots?: AsyncIterable<RepositorySnapshot>;
  /**
   * Repositories to crawl through the GitHub GraphQL API (after the other sources). Only those of this
   * shard not finished by an earlier run are fetched; one that fails (after the transport's retries)
   * is recorded as a `github` error and counts as done.
   */
  github?: { repos: readonly string[] } & GithubSnapshotsOptions;
  /** Where repositories are cloned from: a directory of `owner__name.git`, a `file://` URL or an http(s) base. */
  reposDir: string;
  /** Cache of bare mirrors (default `outDir/git-cache`). */
  cacheDir?: string;
  outDir: string;
  shard?: Shard;
  /** Clones at once (default 4). */
  cloneConcurrency?: number;
  /** Pull requests of one repository diffed at once (default 4). */
  concurrency?: number;
  onProgress?: (progress: MineProgress) => void;
  signal?: AbortSignal;
}

export interface MineSummary {
  repositories: number;
  /** Repositories skipped because an earlier run finished them. */
  resumedRepositories: number;
  /** Repositories GitHub failed on (bad credentials, not found, …); counted in `repositories`, retried by the next run. */
  failedRepositories: number;
  pullRequests: number;
  mergedPullRequests: number;
  mined: number;
  errors: number;
  /** Links to issues the source does not describe (other repositories, issues outside the archive window). */
  unresolvedLinks: number;
  archive?: ArchiveStats;
  pullRequestsFile: string;
  errorsFile: string;
}

const Checkpoint = z.object({
  version: z.literal(1),
  shard: Shard.nullable(),
  /** Sizes of the output files after the last finished repository: anything beyond is discarded. */
  bytes: z.object({ pullRequests: z.number().int(), errors: z.number().int() }),
  archiveErrorsWritten: z.boolean(),
  repositories: z.record(
    z.string(),
    z.object({ pullRequests: z.number().int(), mined: z.number().int(), errors: z.number().int() }),
  ),
});
type Checkpoint = z.infer<typeof Checkpoint>;

const CHECKPOINT_FILE = "mine-checkpoint.json";

async function loadCheckpoint(outDir: string, shard: Shard | null): Promise<Checkpoint | undefined> {
  const file = join(outDir, CHECKPOINT_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = Checkpoint.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success) {
    throw new SwerlError("E_CHECKPOINT", `${file}: not a mining checkpoint; delete it to start over`);
  }
  if (JSON.stringify(parsed.data.shard) !== JSON.stringify(shard)) {
    throw new SwerlError(
      "E_CHECKPOINT",
      `${file} belongs to shard ${JSON.stringify(parsed.data.shard)}, not ${JSON.stringify(shard)}: use another --out`,
    );
  }
  return parsed.data;
}

async function saveCheckpoint(outDir: string, checkpoint: Checkpoint): Promise<void> {
  const file = join(outDir, CHECKPOINT_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(checkpoint, null, 1)}\n`);
  await rename(`${file}.tmp`, file);
}

const toComment = (c: SnapshotComment) => ({
  author: c.author?.login ?? null,
  body: c.body,
  createdAt: c.createdAt,
});

/** The issues a PR resolves: GitHub's closing references first, then keywords/URLs in its title and body. */
function linkIssues(
  snapshot: RepositorySnapshot,
  pr: SnapshotPullRequest,
): { linked: LinkedIssue[]; unresolved: number } {
  const issues = new Map(snapshot.issues.map((i) => [i.number, i]));
  const linked: LinkedIssue[] = [];
  const seen = new Set<number>();
  let unresolved = 0;
  const add = (number: number, linkedBy: LinkedIssue["linkedBy"]) => {
    if (seen.has(number)) return;
    seen.add(number);
    const issue = issues.get(number);
    if (!issue) {
      unresolved += 1;
      return;
    }
    linked.push({
      repo: snapshot.repo,
      number,
      title: issue.title,
      body: issue.body,
      state: issue.state === "OPEN" ? "open" : "closed",
      labels: issue.labels,
      comments: issue.comments.map(toComment),
      createdAt: issue.createdAt,
      linkedBy,
    });
  };
  for (const n of pr.closingIssues) add(n, "closing-reference");
  for (const link of findIssueLinks(`${pr.title}\n${pr.body}`, snapshot.repo)) {
    if (link.repo.toLowerCase() !== snapshot.repo.toLowerCase()) unresolved += 1;
    else add(link.number, link.url ? "url" : "keyword");
  }
  return { linked, unresolved };
}

interface RepositoryResult {
  lines: string[];
  errors: MiningError[];
  pullRequests: number;
  merged: number;
  unresolved: number;
}

/** Mines every merged pull request of one repository snapshot against its git mirror. */
async function mineRepository(
  snapshot: RepositorySnapshot,
  cache: RepositoryCache,
  concurrency: number,
  signal?: AbortSignal,
): Promise<RepositoryResult> {
  const repo = snapshot.repo;
  const merged = snapshot.pullRequests.filter((p) => p.state === "MERGED" || p.mergedAt !== null);
  const result: RepositoryResult = {
    lines: [],
    errors: [],
    pullRequests: snapshot.pullRequests.length,
    merged: merged.length,
    unresolved: 0,
  };
  if (merged.length === 0) return result;
  let git: GitRepository;
  try {
    git = await cache.open(repo);
  } catch (err) {
    result.errors.push({ kind: "clone", repo, message: (err as Error).message });
    return result;
  }
  // Commit lookups go through one long-lived cat-file process (restarted after a fetch).
  const objects = new GitObjectReader(git.gitDir);
  let fetched = false;
  const missingOf = async (commits: string[]) => {
    const present = await Promise.all(commits.map((c) => objects.hasCommit(c)));
    return commits.filter((_, i) => !present[i]);
  };
  const mined = await mapLimited(merged, concurrency, async (pr) => {
    signal?.throwIfAborted();
    const commits = [pr.baseRefOid, pr.headRefOid];
    let missing = await missingOf(commits);
    if (missing.length > 0 && !fetched) {
      fetched = true;
      await cache.fetch(repo).catch(() => {});
      objects.close();
      missing = await missingOf(commits);
    } else if (missing.length > 0) missing = await missingOf(commits);
    if (missing.length > 0) {
      return {
        error: {
          kind: "missing-commit" as const,
          repo,
          pullNumber: pr.number,
          message: `${repo}#${pr.number}: commit ${missing.join(", ")} is not in ${git.gitDir}`,
        },
      };
    }
    try {
      const { mergeBase, patch } = await git.cumulativePatch(pr.baseRefOid, pr.headRefOid);
      const files = await git.changedFiles(mergeBase, pr.headRefOid);
      const { linked, unresolved } = linkIssues(snapshot, pr);
      const record = MinedPullRequest.parse({
        repo,
        number: pr.number,
        title: pr.title,
        body: pr.body,
        author: pr.author?.login ?? null,
        authorIsBot: pr.author?.type === "Bot",
        createdAt: pr.createdAt,
        mergedAt: pr.mergedAt,
        baseRef: pr.baseRefName || undefined,
        baseCommit: mergeBase,
        headCommit: pr.headRefOid,
        mergeCommit: pr.mergeCommitOid,
        labels: pr.labels,
        comments: pr.comments.map(toComment),
        reviews: pr.reviews
          .filter((r) => r.body !== "")
          .map((r) => ({
            author: r.author?.login ?? null,
            body: r.body,
            createdAt: r.submittedAt,
          })),
        files: files.map((f) => ({
          path: f.path,
          status: f.status,
          additions: f.additions,
          deletions: f.deletions,
        })),
        linkedIssues: linked,
        patch,
      });
      return { record, unresolved };
    } catch (err) {
      return {
        error: { kind: "git" as const, repo, pullNumber: pr.number, message: (err as Error).message },
      };
    }
  });
  objects.close();
  for (const m of mined) {
    if ("error" in m && m.error) result.errors.push(m.error);
    else if ("record" in m && m.record) {
      result.lines.push(JSON.stringify(m.record));
      result.unresolved += m.unresolved;
    }
  }
  return result;
}

/**
 * Mines merged pull requests with their linked issues and cumulative patches into
 * `outDir/pull-requests.jsonl` (one {@link MinedPullRequest} per line), with every problem in
 * `outDir/errors.jsonl`. Repositories come from GH Archive files and/or `snapshots`; with `shard`,
 * only the repositories {@link shardOf} assigns to it. After each repository the output sizes are
 * checkpointed (`mine-checkpoint.json`), so an interrupted run continues where it stopped and never
 * writes a record twice.
 */
export async function minePullRequests(options: MineOptions): Promise<MineSummary> {
  const { outDir, signal } = options;
  const shard = options.shard ?? null;
  await mkdir(outDir, { recursive: true });
  const pullRequestsFile = join(outDir, "pull-requests.jsonl");
  const errorsFile = join(outDir, "errors.jsonl");
  const checkpoint: Checkpoint = (await loadCheckpoint(outDir, shard)) ?? {
    version: 1,
    shard,
    bytes: { pullRequests: 0, errors: 0 },
    archiveErrorsWritten: false,
    repositories: {},
  };
  // Drop whatever an interrupted run wrote after its last finished repository.
  for (const [file, size] of [
    [pullRequestsFile, checkpoint.bytes.pullRequests],
    [errorsFile, checkpoint.bytes.errors],
  ] as const) {
    if (existsSync(file)) await truncate(file, size);
    else await writeFile(file, "");
  }
  const cache = new RepositoryCache({
    source: options.reposDir,
    cacheDir: options.cacheDir ?? join(outDir, "git-cache"),
    concurrency: options.cloneConcurrency,
  });
  const include = (repo: string) => shard === null || shardOf(repo, shard.count) === shard.index;
  const summary: MineSummary = {
    repositories: 0,
    resumedRepositories: 0,
    failedRepositories: 0,
    pullRequests: 0,
    mergedPullRequests: 0,
    mined: 0,
    errors: 0,
    unresolvedLinks: 0,
    pullRequestsFile,
    errorsFile,
  };
  for (const r of Object.values(checkpoint.repositories)) {
    summary.mined += r.mined;
    summary.errors += r.errors;
  }
  const progress = (phase: MineProgress["phase"], repo?: string) =>
    options.onProgress?.({
      phase,
      done: Object.keys(checkpoint.repositories).length,
      repo,
      mined: summary.mined,
      errors: summary.errors,
    });

  /** Repositories handled by this run (from any source), so a second source's copy is skipped. */
  const seen = new Set<string>();
  /**
   * Every source in turn: recorded snapshots, the GitHub API, then GH Archive. A repository two
   * sources describe is mined from the first (GitHub's data is the richer: closing references).
   */
  async function* sources(): AsyncGenerator<RepositorySnapshot> {
    if (options.snapshots) {
      for await (const s of options.snapshots) if (include(s.repo)) yield s;
    }
    if (options.github) {
      const { repos, ...github } = options.github;
      const todo = repos.filter((r) => include(r) && !checkpoint.repositories[r] && !seen.has(r));
      for (const r of repos.filter(include)) {
        if (todo.includes(r) || seen.has(r)) continue;
        seen.add(r);
        summary.repositories += 1;
        summary.resumedRepositories += 1;
      }
      for await (const s of githubSnapshots(todo, {
        ...github,
        signal: github.signal ?? signal,
        onError: (e) => {
          github.onError?.(e);
          githubFailures.push(e);
        },
      })) {
        yield s;
        await recordGithubFailures();
      }
      await recordGithubFailures();
    }
    if (options.gharchive && options.gharchive.length > 0) {
      const archiveErrors: MiningError[] = [];
      summary.archive = { files: 0, events: 0, duplicateEvents: 0, badLines: 0, incompletePullRequests: 0 };
      progress("archive");
      const snapshots: RepositorySnapshot[] = [];
      for await (const s of snapshotsFromArchive(options.gharchive, {
        include,
        stats: summary.archive,
        signal,
        onError: (e) =>
          archiveErrors.push({
            kind: "archive",
            location:
              e.location.line === undefined ? e.location.file : `${e.location.file}:${e.location.line}`,
            message: e.message,
          }),
      })) {
        snapshots.push(s);
      }
      if (!checkpoint.archiveErrorsWritten) {
        await appendFile(errorsFile, archiveErrors.map((e) => `${JSON.stringify(e)}\n`).join(""));
        checkpoint.bytes.errors += Buffer.byteLength(
          archiveErrors.map((e) => `${JSON.stringify(e)}\n`).join(""),
        );
        checkpoint.archiveErrorsWritten = true;
        summary.errors += archiveErrors.length;
        await saveCheckpoint(outDir, checkpoint);
      }
      yield* snapshots;
    }
  }

  const githubFailures: GithubError[] = [];
  /**
   * Writes GitHub failures as errors of their repositories. They are not checkpointed as done, so the next
   * run (with a fixed token, say) tries them again.
   */
  async function recordGithubFailures(): Promise<void> {
    for (const e of githubFailures.splice(0)) {
      const text = `${JSON.stringify(MiningError.parse({ kind: "github", repo: e.repo, location: e.query, message: e.message }))}\n`;
      await appendFile(errorsFile, text);
      checkpoint.bytes.errors += Buffer.byteLength(text);
      seen.add(e.repo);
      summary.repositories += 1;
      summary.failedRepositories += 1;
      summary.errors += 1;
      await saveCheckpoint(outDir, checkpoint);
    }
  }

  for await (const snapshot of sources()) {
    signal?.throwIfAborted();
    if (seen.has(snapshot.repo)) continue;
    seen.add(snapshot.repo);
    summary.repositories += 1;
    if (checkpoint.repositories[snapshot.repo]) {
      summary.resumedRepositories += 1;
      continue;
    }
    const result = await mineRepository(snapshot, cache, options.concurrency ?? 4, signal);
    signal?.throwIfAborted();
    summary.pullRequests += result.pullRequests;
    summary.mergedPullRequests += result.merged;
    summary.unresolvedLinks += result.unresolved;
    const prText = result.lines.map((l) => `${l}\n`).join("");
    const errorText = result.errors.map((e) => `${JSON.stringify(MiningError.parse(e))}\n`).join("");
    await appendFile(pullRequestsFile, prText);
    await appendFile(errorsFile, errorText);
    checkpoint.bytes.pullRequests += Buffer.byteLength(prText);
    checkpoint.bytes.errors += Buffer.byteLength(errorText);
    checkpoint.repositories[snapshot.repo] = {
      pullRequests: result.pullRequests,
      mined: result.lines.length,
      errors: result.errors.length,
    };
    await saveCheckpoint(outDir, checkpoint);
    summary.mined += result.lines.length;
    summary.errors += result.errors.length;
    progress("repositories", snapshot.repo);
  }
  return summary;
}
