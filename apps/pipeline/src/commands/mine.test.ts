import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { startGithubGraphqlServer } from "@swerl/data";
import { MinedPullRequest } from "@swerl/schema";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";

const root = commandTestRoot("swerl-cli-mine-");

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");

describe("swerl mine", () => {
  it("exits 2 without a source, and names --shard when it is malformed", async () => {
    let io = captureOutput();
    expect(await swerl("mine", "--repos", "r", "--out", "o")).toBe(2);
    expect(io.err()).toMatch(/^swerl: give at least one source/);
    vi.restoreAllMocks();
    io = captureOutput();
    const args = ["--gharchive", "a.json.gz", "--repos", "r", "--out", "o", "--shard", "4/4"];
    expect(await swerl("mine", ...args)).toBe(2);
    expect(io.err()).toMatch(/^swerl: --shard: .*0 <= i < N/);
  });

  it("mines the demo world's archive and snapshots, then resumes without duplicating output", async () => {
    const world = path.join(root, "world");
    let io = captureOutput();
    expect(await swerl("demo", "--out", world, "--bench", "none")).toBe(0);
    const truth = JSON.parse(readFileSync(path.join(world, "ground-truth.json"), "utf8"));
    vi.restoreAllMocks();
    const out = path.join(root, "mine");
    const argv = [
      "mine",
      "--gharchive",
      path.join(world, "gharchive"),
      "--github-snapshots",
      path.join(world, "github"),
      "--repos",
      path.join(world, "repos"),
      "--out",
      out,
    ];
    io = captureOutput();
    expect(await swerl(...argv)).toBe(0);
    expect(io.err()).not.toContain("swerl:");
    expect(io.out()).toContain(`${truth.pullRequests.length} pull requests in`);
    const mined = lines(path.join(out, "pull-requests.jsonl")).map((l) =>
      MinedPullRequest.parse(JSON.parse(l)),
    );
    expect(mined.map((p) => `${p.repo.replace("/", "__")}-${p.number}`).sort()).toEqual(
      truth.pullRequests.map((p: { instanceId: string }) => p.instanceId).sort(),
    );
    // Snapshots win over the archive: PRs linked only in GitHub's UI keep their issues.
    const closing = truth.pullRequests.find(
      (p: { linkStyle: string }) => p.linkStyle === "closing-reference",
    );
    expect(
      mined.find((p) => p.repo === closing.repo && p.number === closing.number)?.linkedIssues,
    ).toHaveLength(closing.linkedIssues.length);
    vi.restoreAllMocks();
    io = captureOutput();
    expect(await swerl(...argv)).toBe(0);
    expect(io.out()).toContain(`(${truth.repositories.length} done by an earlier run)`);
    expect(lines(path.join(out, "pull-requests.jsonl"))).toHaveLength(mined.length);
  }, 60_000);

  it("crawls a GraphQL endpoint, reporting a repository it does not know and mining the rest", async () => {
    const world = path.join(root, "world");
    const server = await startGithubGraphqlServer({ snapshotsDir: path.join(world, "github") });
    try {
      const out = path.join(root, "mine-graphql");
      const io = captureOutput();
      const code = await swerl(
        "mine",
        "--graphql-url",
        server.url,
        "--github-repos",
        "acme/mathkit,acme/not-there",
        "--repos",
        path.join(world, "repos"),
        "--out",
        out,
      );
      expect(io.err()).not.toContain("swerl:");
      expect(code).toBe(0);
      expect(io.err()).toMatch(/mine: acme\/not-there: /);
      expect(io.out()).toContain("1 repositories failed on GitHub");
      const mined = lines(path.join(out, "pull-requests.jsonl")).map((l) =>
        MinedPullRequest.parse(JSON.parse(l)),
      );
      expect(mined.length).toBeGreaterThan(0);
      expect(new Set(mined.map((p) => p.repo))).toEqual(new Set(["acme/mathkit"]));
      expect(lines(path.join(out, "errors.jsonl")).map((l) => JSON.parse(l).repo)).toEqual([
        "acme/not-there",
      ]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("exits 1 when GitHub refuses every repository (401 Bad credentials), counting the failures", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" }),
      );
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const { port } = server.address() as AddressInfo;
      const out = path.join(root, "mine-401");
      const argv = ["mine", "--graphql-url", `http://127.0.0.1:${port}`, "--github-repos", "acme/a,acme/b"];
      const io = captureOutput();
      const code = await swerl(...argv, "--repos", path.join(root, "world", "repos"), "--out", out);
      expect(code).toBe(1);
      expect(io.out()).toContain("2 repositories failed on GitHub");
      expect(io.err()).toMatch(/Bad credentials/);
      expect(io.err()).toMatch(/swerl: every repository failed on GitHub \(2 of 2\)/);
      expect(lines(path.join(out, "errors.jsonl")).map((l) => JSON.parse(l).repo)).toEqual([
        "acme/a",
        "acme/b",
      ]);
      // Nothing is checkpointed as done: the next run tries both again.
      vi.restoreAllMocks();
      const again = captureOutput();
      expect(await swerl(...argv, "--repos", path.join(root, "world", "repos"), "--out", out)).toBe(1);
      expect(again.out()).toContain("(0 done by an earlier run)");
    } finally {
      server.close();
    }
  }, 60_000);
});
