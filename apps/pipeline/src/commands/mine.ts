import { readFileSync, statSync } from "node:fs";
import { MineConfig, type MineSummary, mineFromConfig } from "@swerl/data";
import { SwerlError } from "@swerl/schema";
import type { Command } from "commander";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";

/** An item of `--github-repos`: `owner/name`, or a file with one `owner/name` a line (`#` comments allowed). */
function repositoryList(item: string): string[] {
  if (!statSync(item, { throwIfNoEntry: false })?.isFile()) return [item];
  return readFileSync(item, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l !== "");
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
  const { command, flags } = configCommand(program, "mine", MineConfig, {
    description:
      "mine merged pull requests with their linked issues and cumulative patches from GH Archive or GitHub, plus git",
    flags: {
      gharchive: { placeholder: "<paths...>" },
      snapshotsDir: { name: "github-snapshots", placeholder: "<dir>" },
      graphqlUrl: { placeholder: "<url>" },
      repositories: { name: "github-repos", placeholder: "<owner/name,...|file>" },
      reposDir: { name: "repos", placeholder: "<source>" },
      cacheDir: { placeholder: "<dir>" },
      outDir: { name: "out", placeholder: "<dir>" },
      shard: { placeholder: "<i/N>" },
    },
  });
  const reposFlag = flags.flags.find((f) => f.path === "repositories")!;
  command
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
    .action(async (raw: Record<string, unknown>) => {
      const listed = raw[reposFlag.attribute];
      const options = flags.read(
        Array.isArray(listed) ? { ...raw, [reposFlag.attribute]: listed.flatMap(repositoryList) } : raw,
      );
      if (!options.gharchive?.length && !options.snapshotsDir && !options.graphqlUrl) {
        throw new UsageError("give at least one source: --gharchive, --github-snapshots or --graphql-url");
      }
      if (options.graphqlUrl && !options.repositories?.length) {
        throw new UsageError("--graphql-url needs --github-repos (the repositories to crawl)");
      }
      let githubFailures = 0;
      let progress: Progress | undefined;
      try {
        const summary = await mineFromConfig(options, {
          github: {
            onError: (e) => {
              githubFailures += 1;
              process.stderr.write(`mine: ${e.message}\n`);
            },
            onRetry: (r) =>
              process.stderr.write(
                `mine: ${r.repo}: ${r.query} attempt ${r.attempt} failed (${r.reason}); retrying in ${r.delayMs} ms\n`,
              ),
          },
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
