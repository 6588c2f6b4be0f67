import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findIssueLinks } from "../issue-links.js";
import {
  fetchRepositorySnapshot,
  type GithubProgress,
  type GithubSnapshotsOptions,
  githubSnapshots,
} from "./client.js";
import { type GithubError, GithubGraphqlError, GithubHttpError, GithubRateLimitError } from "./errors.js";
import { type RunningGithubGraphqlServer, startGithubGraphqlServer } from "./server.js";
import { RepositorySnapshot } from "./snapshot.js";
import { writeSnapshotFile } from "./snapshot-files.js";
import { testSnapshot } from "./test-snapshots.js";
import type { GithubUsage } from "./transport.js";

const TOKEN = "test-token";
const ALPHA = RepositorySnapshot.parse(testSnapshot("acme/alpha", 23));
const BETA = RepositorySnapshot.parse(testSnapshot("acme/beta-lib", 4));

let dir: string;
let server: RunningGithubGraphqlServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-github-"));
  await writeSnapshotFile(dir, ALPHA);
  await writeSnapshotFile(dir, BETA);
  server = await startGithubGraphqlServer({ snapshotsDir: dir, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function client(extra: GithubSnapshotsOptions = {}): GithubSnapshotsOptions {
  return { baseUrl: server.url, token: TOKEN, retryBaseMs: 1, ...extra };
}

function byNumber<T extends { number: number }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.number - b.number);
}

describe("fetchRepositorySnapshot through the local server", () => {
  it("round-trips every field when asked for every state and every issue, with pages of 2", async () => {
    const got = await fetchRepositorySnapshot(
      "acme/alpha",
      client({ pageSize: 2, nestedPageSize: 2, states: ["OPEN", "CLOSED", "MERGED"], issues: "all" }),
    );
    expect(got).toEqual({
      ...ALPHA,
      pullRequests: byNumber(ALPHA.pullRequests),
      issues: byNumber(ALPHA.issues),
    });
    // The fixture really needs the nested pages: some PR has more than 2 files, comments, reviews, labels.
    expect(Math.max(...ALPHA.pullRequests.map((p) => p.files.length))).toBeGreaterThan(4);
  });

  it("by default fetches the merged pull requests and the issues they close or name with a keyword", async () => {
    const progress: GithubProgress[] = [];
    const got = await fetchRepositorySnapshot(
      "acme/alpha",
      client({ pageSize: 5, onProgress: (p) => progress.push(p) }),
    );
    const merged = ALPHA.pullRequests.filter((p) => p.state === "MERGED");
    expect(got.pullRequests).toEqual(merged);
    const referenced = new Set(
      merged.flatMap((p) => [
        ...p.closingIssues,
        ...findIssueLinks(p.body, "acme/alpha").map((l) => l.number),
      ]),
    );
    expect(got.issues).toEqual(ALPHA.issues.filter((i) => referenced.has(i.number)));
    // A keyword link (not a closing reference) brings in an issue whose own PR was not merged.
    const closedOnly = ALPHA.pullRequests.filter((p) => p.state !== "MERGED").flatMap((p) => p.closingIssues);
    expect(got.issues.some((i) => closedOnly.includes(i.number))).toBe(true);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({
      repo: "acme/alpha",
      pullRequests: merged.length,
      issues: got.issues.length,
    });
    expect(last.usage.cost).toBeGreaterThan(0);
    expect(last.usage.rateLimit?.limit).toBe(5000);
  });

  it("reports the same total cost the server charged", async () => {
    const before = server.stats.cost;
    let usage: GithubUsage | undefined;
    const repos: string[] = [];
    for await (const s of githubSnapshots(
      ["acme/alpha", "acme/beta-lib"],
      client({ onDone: (u) => (usage = u) }),
    )) {
      repos.push(s.repo);
    }
    expect(repos).toEqual(["acme/alpha", "acme/beta-lib"]);
    expect(usage!.cost).toBe(server.stats.cost - before);
    expect(usage!.requests).toBeGreaterThanOrEqual(4);
  });

  it("retries a secondary rate limit and a 502, then succeeds", async () => {
    server.inject({ kind: "secondary-rate-limit", retryAfterSeconds: 0 }, 2);
    server.inject({ kind: "server-error", status: 502, operation: "SwerlIssuesByNumber" });
    const retries: string[] = [];
    let usage: GithubUsage | undefined;
    const got: RepositorySnapshot[] = [];
    for await (const s of githubSnapshots(
      ["acme/beta-lib"],
      client({ onRetry: (r) => retries.push(`${r.query}: ${r.reason}`), onDone: (u) => (usage = u) }),
    )) {
      got.push(s);
    }
    expect(got[0]!.pullRequests).toEqual(BETA.pullRequests.filter((p) => p.state === "MERGED"));
    expect(retries).toEqual([
      "SwerlPullRequests: secondary rate limit (HTTP 403, retry-after 0 s)",
      "SwerlPullRequests: secondary rate limit (HTTP 403, retry-after 0 s)",
      "SwerlIssuesByNumber: server error: Server Error",
    ]);
    expect(usage!.retries).toBe(3);
  });

  it("gives up after maxAttempts with a typed error naming the repository and the query", async () => {
    server.inject({ kind: "secondary-rate-limit", status: 429 }, 3);
    const error = await fetchRepositorySnapshot("acme/beta-lib", client({ maxAttempts: 3 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GithubRateLimitError);
    expect((error as GithubRateLimitError).message).toBe(
      "acme/beta-lib: SwerlPullRequests: secondary rate limit (HTTP 429, retry-after 0 s); gave up after 3 attempts",
    );
  });

  it("refuses to sleep longer than allowed for an exhausted rate limit", async () => {
    server.inject({ kind: "rate-limit-exhausted", resetInSeconds: 3600 });
    const error = await fetchRepositorySnapshot("acme/beta-lib", client({ maxRetryWaitMs: 1000 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GithubRateLimitError);
    expect((error as Error).message).toMatch(/rate limit exhausted \(HTTP 403\); asked to wait 3\d{3} s/);
  });

  it("surfaces a GraphQL error as GithubGraphqlError with its path and type", async () => {
    server.inject({
      kind: "graphql-error",
      operation: "SwerlPullRequestFiles",
      type: "INTERNAL",
      message: "timeout",
      path: ["repository", "pullRequest", "files"],
    });
    const error = await fetchRepositorySnapshot("acme/alpha", client({ nestedPageSize: 2 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GithubGraphqlError);
    const e = error as GithubGraphqlError;
    expect(e.path).toBe("repository.pullRequest.files");
    expect(e.message).toBe(
      "acme/alpha: SwerlPullRequestFiles: at repository.pullRequest.files: INTERNAL: timeout",
    );
  });

  it("names a missing repository (GitHub's NOT_FOUND) and lets githubSnapshots continue past it", async () => {
    const errors: GithubError[] = [];
    const got: string[] = [];
    for await (const s of githubSnapshots(
      ["acme/nope", "acme/beta-lib"],
      client({ onError: (e) => errors.push(e) }),
    )) {
      got.push(s.repo);
    }
    expect(got).toEqual(["acme/beta-lib"]);
    expect(errors.map((e) => e.message)).toEqual([
      "acme/nope: SwerlPullRequests: at repository: NOT_FOUND: Could not resolve to a Repository with the name 'acme/nope'.",
    ]);
    expect((errors[0] as GithubGraphqlError).type).toBe("NOT_FOUND");
  });

  it("fails with 401 on a wrong token, without retrying", async () => {
    const error = await fetchRepositorySnapshot("acme/beta-lib", client({ token: "wrong" })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GithubHttpError);
    expect((error as GithubHttpError).status).toBe(401);
    expect((error as Error).message).toBe("acme/beta-lib: SwerlPullRequests: HTTP 401: Bad credentials");
  });

  it("stops when its signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop now"));
    await expect(
      fetchRepositorySnapshot("acme/alpha", client({ signal: controller.signal })),
    ).rejects.toThrow("stop now");
  });

  it("rejects page sizes GitHub would refuse", async () => {
    await expect(fetchRepositorySnapshot("acme/alpha", client({ pageSize: 101 }))).rejects.toThrow(
      "pageSize must be an integer from 1 to 100 (GitHub's page limit), got 101",
    );
  });
});
