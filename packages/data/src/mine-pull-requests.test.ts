import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinedPullRequest } from "@swerl/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { snapshotsFromArchive } from "./gharchive-snapshots.js";
import { startGithubGraphqlServer } from "./github/server.js";
import type { RepositorySnapshot } from "./github/snapshot.js";
import { MiningError, minePullRequests, parseShard, shardOf } from "./mine-pull-requests.js";
import { buildFixtureWorld, type FixtureWorld } from "./testing/fixture-world.js";

/** The demo world's mergeable pull requests, in the order mining writes them. */
const MINED = ["acme/calc#2", "acme/calc#3", "acme/calc#4", "acme/calc#5", "acme/calc#7", "acme/web#3"];

let root: string;
let world: FixtureWorld;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "swerl-mine-"));
  world = buildFixtureWorld(root);
});

const readLines = <T>(file: string, parse: (v: unknown) => T): T[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => parse(JSON.parse(l)));

describe("minePullRequests", () => {
  it("mines merged PRs with their issues and the exact cumulative patch; reports bad input and goes on", async () => {
    const outDir = join(root, "out-all");
    const summary = await minePullRequests({
      gharchive: [world.archiveDir],
      reposDir: world.reposDir,
      outDir,
    });
    const prs = readLines(summary.pullRequestsFile, (v) => MinedPullRequest.parse(v));
    expect(prs.map((p) => `${p.repo}#${p.number}`)).toEqual(MINED);
    const fix = prs[0];
    expect(fix?.patch).toBe(`${world.patches["acme/calc#2"]}\n`);
    expect(fix?.headCommit).toBe(world.heads["acme/calc#2"]);
    expect(fix?.linkedIssues.map((i) => [i.number, i.title, i.linkedBy])).toEqual([
      [1, "sub returns the sum", "keyword"],
    ]);
    expect(fix?.files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ["calc.py", "modified", 1, 1],
      ["tests/test_calc.py", "modified", 4, 1],
    ]);
    expect(prs[1]?.authorIsBot).toBe(true);
    expect(prs[3]?.linkedIssues.map((i) => [i.number, i.linkedBy])).toEqual([[6, "url"]]);
    expect(prs[5]?.patch).toBe(`${world.patches["acme/web#3"]}\n`);

    const errors = readLines(summary.errorsFile, (v) => MiningError.parse(v));
    expect(errors.map((e) => [e.kind, e.repo ?? e.location?.replace(/^.*\//, "")])).toEqual([
      ["archive", "2020-01-02-0.json.gz:7"],
      ["missing-commit", "acme/calc"],
      ["clone", "acme/ghost"],
    ]);
    expect(errors[1]?.pullNumber).toBe(9);
    expect(summary).toMatchObject({ repositories: 3, mined: 6, errors: 3 });
  });

  it("continues an interrupted run without duplicating output", async () => {
    const full = join(root, "out-all", "pull-requests.jsonl");
    const outDir = join(root, "out-resume");
    const controller = new AbortController();
    await expect(
      minePullRequests({
        gharchive: [world.archiveDir],
        reposDir: world.reposDir,
        outDir,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === "repositories" && p.done === 1) controller.abort();
        },
      }),
    ).rejects.toThrow();
    const partial = readFileSync(join(outDir, "pull-requests.jsonl"), "utf8");
    expect(partial.split("\n").filter(Boolean)).toHaveLength(5);
    const summary = await minePullRequests({
      gharchive: [world.archiveDir],
      reposDir: world.reposDir,
      outDir,
    });
    expect(summary.resumedRepositories).toBe(1);
    expect(readFileSync(join(outDir, "pull-requests.jsonl"), "utf8")).toBe(readFileSync(full, "utf8"));
    expect(readFileSync(join(outDir, "errors.jsonl"), "utf8").replaceAll("out-resume", "out-all")).toBe(
      readFileSync(join(root, "out-all", "errors.jsonl"), "utf8"),
    );
    // A third run finds everything done and changes nothing.
    const again = await minePullRequests({ gharchive: [world.archiveDir], reposDir: world.reposDir, outDir });
    expect(again.resumedRepositories).toBe(3);
    expect(readFileSync(join(outDir, "pull-requests.jsonl"), "utf8")).toBe(readFileSync(full, "utf8"));
  });

  it("splits repositories over shards by a stable hash, and takes snapshots from any source", async () => {
    expect(parseShard("1/3")).toEqual({ index: 1, count: 3 });
    expect(() => parseShard("3/3")).toThrow(/0 <= i < N/);
    const snapshots: RepositorySnapshot[] = [];
    for await (const s of snapshotsFromArchive([world.archiveDir])) snapshots.push(s);
    const mined: string[] = [];
    for (const index of [0, 1]) {
      const outDir = join(root, `out-shard-${index}`);
      async function* source() {
        yield* snapshots;
      }
      await minePullRequests({
        snapshots: source(),
        reposDir: world.reposDir,
        outDir,
        shard: { index, count: 2 },
      });
      for (const p of readLines(join(outDir, "pull-requests.jsonl"), (v) => MinedPullRequest.parse(v))) {
        expect(shardOf(p.repo, 2)).toBe(index);
        mined.push(`${p.repo}#${p.number}`);
      }
    }
    expect(mined.sort()).toEqual(MINED);
  });

  it("crawls the GitHub GraphQL API, recording a repository GitHub does not know as an error", async () => {
    const snapshots: RepositorySnapshot[] = [];
    for await (const s of snapshotsFromArchive([world.archiveDir])) snapshots.push(s);
    const server = await startGithubGraphqlServer({ snapshots });
    try {
      const outDir = join(root, "out-github");
      const run = () =>
        minePullRequests({
          github: { repos: ["acme/web", "acme/unknown"], baseUrl: server.url, token: "", maxAttempts: 1 },
          reposDir: world.reposDir,
          outDir,
        });
      const summary = await run();
      const prs = readLines(summary.pullRequestsFile, (v) => MinedPullRequest.parse(v));
      expect(prs.map((p) => `${p.repo}#${p.number}`)).toEqual(["acme/web#3"]);
      expect(prs[0]?.patch).toBe(`${world.patches["acme/web#3"]}\n`);
      const errors = readLines(summary.errorsFile, (v) => MiningError.parse(v));
      expect(errors.map((e) => [e.kind, e.repo])).toEqual([["github", "acme/unknown"]]);
      expect(errors[0]?.location).toMatch(/^Swerl/);
      expect(summary).toMatchObject({ repositories: 2, failedRepositories: 1, mined: 1, errors: 1 });
      const requests = server.stats.requests;
      // The finished repository is not asked again; the failed one is (a fixed token may let it through).
      const again = await run();
      expect(again).toMatchObject({ repositories: 2, resumedRepositories: 1, failedRepositories: 1 });
      expect(server.stats.requests).toBe(requests + 1);
      expect(readLines(summary.errorsFile, (v) => MiningError.parse(v)).map((e) => e.repo)).toEqual([
        "acme/unknown",
        "acme/unknown",
      ]);
    } finally {
      await server.close();
    }
  });
});
