import { MineConfig, type MineSummary, mineFromConfig, startGithubGraphqlServer } from "@swerl/data";
import { z } from "zod";
import { ConfigError } from "../config.js";
import type { Stage } from "../stage.js";
import { demoWorld } from "./demo.js";
import { stageOptions } from "./stage-options.js";

/**
 * `stages.mine`: MineConfig's sources, shard and concurrency (same defaults), the demo world's when absent,
 * plus which kind of source to read.
 */
const MineOptions = MineConfig.pick({
  graphqlUrl: true,
  repositories: true,
  gharchive: true,
  shard: true,
  concurrency: true,
  cloneConcurrency: true,
})
  .extend({
    /**
     * `graphql`: pull requests, issues and closing references from a GitHub GraphQL API (by default a
     * local server answering from the demo world's GitHub data, on GitHub's published schema);
     * `gharchive`: GH Archive hourly files.
     */
    source: z
      .enum(["graphql", "gharchive"])
      .default("graphql")
      .describe(
        "graphql: a GitHub GraphQL API (default: the demo world's, served locally); gharchive: GH Archive files",
      ),
    graphqlUrl: MineConfig.shape.graphqlUrl.describe(
      "GraphQL API root (absent: serve the demo world's github/ locally)",
    ),
    repositories: MineConfig.shape.repositories.describe(
      "repositories to ask the GraphQL API about (absent: every repository of the demo world)",
    ),
    gharchive: MineConfig.shape.gharchive.describe(
      "GH Archive files, directories or URLs (absent: the demo world's)",
    ),
    repos: MineConfig.shape.reposDir
      .optional()
      .describe(
        "where repositories are cloned from (absent: the demo world's repos/, or GitHub for graphqlUrl)",
      ),
  })
  .strict();

export const mineStage: Stage = {
  name: "mine",
  description: "mine merged pull requests linked to issues",
  after: ["demo"],
  version: "2",
  options: MineOptions,
  configFrom: [MineConfig],
  async run(context) {
    const { source, repos, ...options } = stageOptions(MineOptions, context, "mine");
    const world = demoWorld(context);
    if (options.graphqlUrl && !options.repositories?.length)
      throw new ConfigError(
        "pipeline config",
        "stages.mine.repositories: list the repositories (owner/name) to mine from the GraphQL API at stages.mine.graphqlUrl",
      );
    // Real sources clone from GitHub unless told otherwise; the demo world has its own bare repositories.
    const reposDir = repos ?? (options.graphqlUrl ? "https://github.com" : world.repos);
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
      ...(options.shard ? { shard: options.shard } : {}),
      concurrency: options.concurrency,
      cloneConcurrency: options.cloneConcurrency,
    };
    const hooks = { onProgress, signal: context.signal };
    try {
      if (source === "gharchive") {
        const summary = await mineFromConfig(
          { gharchive: options.gharchive ?? [world.gharchive], ...common },
          hooks,
        );
        return { source: "gharchive", demoWorld: !options.gharchive, ...summaryNumbers(summary) };
      }
      const local = options.graphqlUrl
        ? null
        : await startGithubGraphqlServer({ snapshotsDir: world.github });
      try {
        const repositories =
          options.repositories ?? (await world.groundTruth()).repositories.map((r) => r.repo);
        let repositoryErrors = 0;
        const summary = await mineFromConfig(
          { graphqlUrl: options.graphqlUrl ?? local!.url, repositories, ...common },
          {
            ...hooks,
            // A repository the API fails on is recorded in errors.jsonl (with its location) and skipped.
            github: {
              ...(local ? { token: "" } : {}),
              onError: (error) => {
                repositoryErrors++;
                context.log(`skipped: ${error.message}`);
              },
            },
          },
        );
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

function summaryNumbers(summary: MineSummary) {
  return {
    repositories: summary.repositories,
    pullRequests: summary.pullRequests,
    merged: summary.mergedPullRequests,
    mined: summary.mined,
    errors: summary.errors,
    unresolvedLinks: summary.unresolvedLinks,
  };
}
