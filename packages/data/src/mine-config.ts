import { ConfigError, parseConfig } from "@swerl/schema";
import { z } from "zod";
import type { GithubSnapshotsOptions } from "./github/client.js";
import type { RepositorySnapshot } from "./github/snapshot.js";
import { readSnapshotDirectory } from "./github/snapshot-files.js";
import { type MineProgress, type MineSummary, minePullRequests, parseShard } from "./mine-pull-requests.js";

const shardText = (text: string) => {
  try {
    parseShard(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * The options of a mining run (`mineFromConfig` / `swerl mine` / the pipeline's mine stage): the sources
 * (at least one of `gharchive`, `snapshotsDir`, `graphqlUrl`), where repositories are cloned from, where
 * the output goes, and how much runs at once.
 */
export const MineConfig = z.object({
  gharchive: z
    .array(z.string().min(1))
    .optional()
    .describe("GH Archive hourly .json.gz files, directories of them, or http(s) URLs"),
  snapshotsDir: z
    .string()
    .min(1)
    .optional()
    .describe("directory of recorded GitHub snapshots (owner__name.json, as `swerl demo` writes)"),
  graphqlUrl: z
    .url()
    .optional()
    .describe("GitHub GraphQL API root to crawl (token from GITHUB_TOKEN), e.g. https://api.github.com"),
  repositories: z
    .array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/name"))
    .optional()
    .describe("the repositories to crawl through the GraphQL API (owner/name)"),
  reposDir: z
    .string()
    .min(1)
    .describe("where repositories are cloned from: a directory of owner__name.git or an http(s) base"),
  cacheDir: z.string().min(1).optional().describe("cache of bare mirrors (default: <outDir>/git-cache)"),
  outDir: z
    .string()
    .min(1)
    .describe("output directory: pull-requests.jsonl, errors.jsonl, mine-checkpoint.json, git-cache/"),
  shard: z
    .string()
    .refine(shardText, "expected i/N with 0 <= i < N, e.g. 0/4")
    .optional()
    .describe("i/N: mine only the repositories shard i of N holds (stable hash of owner/name)"),
  concurrency: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("pull requests of one repository diffed at once"),
  cloneConcurrency: z.number().int().positive().default(4).describe("repositories cloned at once"),
});
export type MineConfig = z.infer<typeof MineConfig>;
export type MineConfigInput = z.input<typeof MineConfig>;

/** What a mining run reports back while it runs, and how it reaches GitHub. */
export interface MineHooks {
  onProgress?: (progress: MineProgress) => void;
  /** GraphQL transport options beyond `graphqlUrl` (token, retries, a repository's failure). */
  github?: Omit<GithubSnapshotsOptions, "baseUrl">;
  signal?: AbortSignal;
}

async function* recordedSnapshots(dir: string): AsyncGenerator<RepositorySnapshot> {
  yield* await readSnapshotDirectory(dir);
}

/**
 * Mines the sources `config` names with {@link minePullRequests}. A repository the GraphQL API fails on
 * is passed to `hooks.github.onError` (recorded in errors.jsonl and skipped) when that is given.
 */
export async function mineFromConfig(config: MineConfigInput, hooks: MineHooks = {}): Promise<MineSummary> {
  const c = parseConfig(MineConfig, config, "mineFromConfig");
  if (!c.gharchive?.length && !c.snapshotsDir && !c.graphqlUrl)
    throw new ConfigError(
      "mineFromConfig",
      "give at least one source: gharchive, snapshotsDir or graphqlUrl",
    );
  if (c.graphqlUrl && !c.repositories?.length)
    throw new ConfigError("mineFromConfig", "repositories: graphqlUrl needs the repositories to crawl");
  return minePullRequests({
    ...(c.gharchive?.length ? { gharchive: c.gharchive } : {}),
    ...(c.snapshotsDir ? { snapshots: recordedSnapshots(c.snapshotsDir) } : {}),
    ...(c.graphqlUrl && c.repositories
      ? {
          github: {
            ...(hooks.signal ? { signal: hooks.signal } : {}),
            ...hooks.github,
            repos: c.repositories,
            baseUrl: c.graphqlUrl,
          },
        }
      : {}),
    reposDir: c.reposDir,
    ...(c.cacheDir ? { cacheDir: c.cacheDir } : {}),
    outDir: c.outDir,
    ...(c.shard ? { shard: parseShard(c.shard) } : {}),
    concurrency: c.concurrency,
    cloneConcurrency: c.cloneConcurrency,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  });
}
