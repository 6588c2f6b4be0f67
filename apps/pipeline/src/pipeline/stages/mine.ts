import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { minePullRequests, parseShard, startGithubGraphqlServer } from "@swerl/data";
import { DemoGroundTruth } from "@swerl/demo";
import { z } from "zod";
import { ConfigError } from "../config.js";
import type { Stage } from "../stage.js";
import { WORLD_DIR } from "./demo.js";
import { stageOptions } from "./stage-options.js";

const MineOptions = z.strictObject({
  /**
   * `graphql`: pull requests, issues and closing references from a GitHub GraphQL API (by default a
   * local server answering from the demo world's GitHub data, on GitHub's published schema);
   * `gharchive`: GH Archive hourly files.
   */
  source: z.enum(["graphql", "gharchive"]).default("graphql"),
  /** GraphQL API root; absent: serve the demo world's `github/` locally. */
  graphqlUrl: z.string().url().optional(),
  /** Repositories to ask the GraphQL API about; absent: every repository of the demo world. */
  repositories: z.array(z.string()).optional(),
  /** GH Archive files, directories or URLs; absent: the demo world's `gharchive/`. */
  gharchive: z.array(z.string()).optional(),
  /** Where repositories are cloned from; absent: the demo world's `repos/`. */
  repos: z.string().optional(),
  /** `i/N`: only the repositories this shard owns. */
  shard: z.string().optional(),
  cloneConcurrency: z.number().int().positive().default(2),
});

export const mineStage: Stage = {
  name: "mine",
  description: "mine merged pull requests linked to issues",
  after: ["demo"],
  version: "2",
  async run(context) {
    const options = stageOptions(MineOptions, context, "mine");
    const world = join(context.input("demo"), WORLD_DIR);
    if (options.graphqlUrl && !options.repositories?.length)
      throw new ConfigError(
        "pipeline config",
        "stages.mine.repositories: list the repositories (owner/name) to mine from the GraphQL API at stages.mine.graphqlUrl",
      );
    // Real sources clone from GitHub unless told otherwise; the demo world has its own bare repositories.
    const reposDir = options.repos ?? (options.graphqlUrl ? "https://github.com" : join(world, "repos"));
    const shard = options.shard ? parseShard(options.shard) : undefined;
    // The number of repositories is known only as the sources are read: the total grows with them.
    const bar = context.progress("repositories", 0, "repositories");
    let done = 0;
    const onProgress = (p: { done: number; mined: number; errors: number }) => {
      if (p.done > done) {
        bar.setTotal(p.done);
        bar.tick(p.done - done, { mined: p.mined, errors: p.errors });
        done = p.done;
      }
    };
    const common = {
      reposDir,
      outDir: context.dir,
      ...(shard ? { shard } : {}),
      cloneConcurrency: options.cloneConcurrency,
      onProgress,
      signal: context.signal,
    };
    try {
      if (options.source === "gharchive") {
        const summary = await minePullRequests({
          gharchive: options.gharchive ?? [join(world, "gharchive")],
          ...common,
        });
        return { source: "gharchive", demoWorld: !options.gharchive, ...summaryNumbers(summary) };
      }
      const local = options.graphqlUrl
        ? null
        : await startGithubGraphqlServer({ snapshotsDir: join(world, "github") });
      try {
        const repositories =
          options.repositories ?? (await demoRepositories(join(world, "ground-truth.json")));
        let repositoryErrors = 0;
        const summary = await minePullRequests({
          // A repository the API fails on is recorded in errors.jsonl (with its location) and skipped.
          github: {
            repos: repositories,
            baseUrl: options.graphqlUrl ?? local!.url,
            ...(local ? { token: "" } : {}),
            signal: context.signal,
            onError: (error) => {
              repositoryErrors++;
              context.log(`skipped: ${error.message}`);
            },
          },
          ...common,
        });
        return {
          source: "graphql",
          demoWorld: !options.graphqlUrl,
          ...summaryNumbers(summary),
          graphqlRequests: local?.stats.requests ?? null,
          graphqlCost: local?.stats.cost ?? null,
          repositoryErrors,
        };
      } finally {
        await local?.close();
      }
    } finally {
      bar.stop();
    }
  },
};

function summaryNumbers(summary: Awaited<ReturnType<typeof minePullRequests>>) {
  return {
    repositories: summary.repositories,
    pullRequests: summary.pullRequests,
    merged: summary.mergedPullRequests,
    mined: summary.mined,
    errors: summary.errors,
    unresolvedLinks: summary.unresolvedLinks,
  };
}

async function demoRepositories(groundTruthFile: string): Promise<string[]> {
  const truth = DemoGroundTruth.parse(JSON.parse(await readFile(groundTruthFile, "utf8")));
  return truth.repositories.map((r) => r.repo);
}
