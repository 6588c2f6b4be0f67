import { existsSync, readFileSync } from "node:fs";
import {
  type MineSummary,
  minePullRequests,
  parseShard,
  type RepositorySnapshot,
  readSnapshotDirectory,
  type Shard,
} from "@swerl/data";
import { SwerlError } from "@swerl/schema";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions, UsageError } from "../usage-error.js";

const Options = z.object({
  gharchive: z.array(z.string().min(1)).optional(),
  githubSnapshots: z.string().min(1).optional(),
  graphqlUrl: z.string().url().optional(),
  githubRepos: z.string().min(1).optional(),
  repos: z.string().min(1),
  out: z.string().min(1),
  shard: z.string().optional(),
  concurrency: z.coerce.number().int().positive().default(4),
  cloneConcurrency: z.coerce.number().int().positive().default(4),
});

/** `owner/a,owner/b`, or a file with one `owner/name` a line (`#` comments allowed). */
function repositoryList(value: string): string[] {
  const text = existsSync(value) ? readFileSync(value, "utf8") : value.replaceAll(",", "\n");
  const names = text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "");
  for (const name of names) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(name)) throw new UsageError(`--github-repos: "${name}" is not owner/name`);
  }
  return names;
}

/** `swerl mine` mined nothing because every repository failed: exit 1, not a silent success. */
export class MineFailedError extends SwerlError {
  constructor(message: string) {
    super("E_MINE_FAILED", message);
  }
}

export function formatMineSummary(summary: MineSummary): string {
  const archive = summary.archive
    ? `GH Archive: ${summary.archive.files} files, ${summary.archive.events} events, ${summary.archive.badLines} bad lines, ${summary.archive.duplicateEvents} duplicate events\n`
    : "";
  return `${archive}${summary.repositories} repositories (${summary.resumedRepositories} done by an earlier run), ${summary.mergedPullRequests} merged pull requests mined this run\n${summary.mined} pull requests in ${summary.pullRequestsFile}, ${summary.errors} problems in ${summary.errorsFile}\n`;
}

export function registerMine(program: Command): void {
  program
    .command("mine")
    .description(
      "mine merged pull requests with their linked issues and cumulative patches from GH Archive or GitHub, plus git",
    )
    .option(
      "--gharchive <paths...>",
      "GH Archive hourly .json.gz files, directories of them, or http(s) URLs",
    )
    .option(
      "--github-snapshots <dir>",
      "directory of recorded GitHub snapshots (owner__name.json, as `swerl demo` writes)",
    )
    .option(
      "--graphql-url <url>",
      "GitHub GraphQL API root to crawl (token from GITHUB_TOKEN), e.g. https://api.github.com",
    )
    .option(
      "--github-repos <list>",
      "with --graphql-url: owner/name,... or a file with one owner/name a line",
    )
    .requiredOption(
      "--repos <source>",
      "where repositories are cloned from: a directory of owner__name.git or an http(s) base",
    )
    .requiredOption(
      "--out <dir>",
      "output directory: pull-requests.jsonl, errors.jsonl, mine-checkpoint.json, git-cache/",
    )
    .option("--shard <i/N>", "mine only the repositories shard i of N holds (stable hash of owner/name)")
    .option("--concurrency <n>", "pull requests of one repository diffed at once", "4")
    .option("--clone-concurrency <n>", "repositories cloned at once", "4")
    .addHelpText(
      "after",
      `
Re-running with the same --out continues where the last run stopped (per-repository checkpoints) and
never writes a pull request twice. Bad input (a truncated .json.gz, a malformed event, a repository that
cannot be cloned, a missing commit) is recorded in errors.jsonl with its location and skipped.

Examples:
  $ swerl mine --gharchive runs/demo/world/gharchive --repos runs/demo/world/repos --out runs/demo/mine
  $ swerl mine --github-snapshots runs/demo/world/github --repos runs/demo/world/repos --out runs/demo/mine
  $ swerl mine --gharchive data/gharchive/2024-01-01-*.json.gz --repos https://github.com \\
      --out runs/gh/mine-3 --shard 3/64
  $ GITHUB_TOKEN=... swerl mine --graphql-url https://api.github.com --github-repos acme/lib,acme/cli \\
      --repos https://github.com --out runs/gh/mine`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      if (!options.gharchive?.length && !options.githubSnapshots && !options.graphqlUrl) {
        throw new UsageError("give at least one source: --gharchive, --github-snapshots or --graphql-url");
      }
      if (options.graphqlUrl && !options.githubRepos) {
        throw new UsageError("--graphql-url needs --github-repos (the repositories to crawl)");
      }
      let shard: Shard | undefined;
      try {
        shard = options.shard === undefined ? undefined : parseShard(options.shard);
      } catch (err) {
        throw new UsageError(`--shard: ${(err as Error).message}`);
      }
      let githubFailures = 0;
      async function* recorded(dir: string): AsyncGenerator<RepositorySnapshot> {
        yield* await readSnapshotDirectory(dir);
      }
      let progress: Progress | undefined;
      try {
        const summary = await minePullRequests({
          gharchive: options.gharchive,
          snapshots: options.githubSnapshots ? recorded(options.githubSnapshots) : undefined,
          github:
            options.graphqlUrl && options.githubRepos
              ? {
                  repos: repositoryList(options.githubRepos),
                  baseUrl: options.graphqlUrl,
                  onError: (e) => {
                    githubFailures += 1;
                    process.stderr.write(`mine: ${e.message}\n`);
                  },
                  onRetry: (r) =>
                    process.stderr.write(
                      `mine: ${r.repo}: ${r.query} attempt ${r.attempt} failed (${r.reason}); retrying in ${r.delayMs} ms\n`,
                    ),
                }
              : undefined,
          reposDir: options.repos,
          outDir: options.out,
          shard,
          concurrency: options.concurrency,
          cloneConcurrency: options.cloneConcurrency,
          onProgress: (p) => {
            if (p.phase === "archive") {
              process.stderr.write("mine: reading GH Archive events\n");
              return;
            }
            // The repository count is only known as sources stream in: the bar grows with it.
            progress ??= startProgress({ label: "mine", total: 0, unit: "repositories" });
            progress.setTotal(p.done);
            progress.tick(1, { mined: p.mined, errors: p.errors });
          },
        });
        progress?.stop();
        progress = undefined;
        process.stdout.write(formatMineSummary(summary));
        if (githubFailures > 0) {
          process.stdout.write(
            `${githubFailures} repositories failed on GitHub (recorded in errors.jsonl; the next run retries them)\n`,
          );
        }
        if (summary.failedRepositories > 0 && summary.failedRepositories === summary.repositories)
          throw new MineFailedError(
            `every repository failed on GitHub (${summary.failedRepositories} of ${summary.repositories}), so nothing was mined; the causes are above and in ${summary.errorsFile} (check GITHUB_TOKEN and the repository names), then run the same command again`,
          );
      } finally {
        progress?.stop();
      }
    });
}
