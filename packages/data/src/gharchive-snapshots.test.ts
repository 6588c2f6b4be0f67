import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordError } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { expandArchiveInputs, snapshotsFromArchive } from "./gharchive-snapshots.js";
import type { RepositorySnapshot } from "./github/snapshot.js";
import { writeArchive } from "./testing/fixture-repos.js";

const sha = (c: string) => c.repeat(40);

describe("snapshotsFromArchive", () => {
  it("groups events of every era into per-repository snapshots", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swerl-gha-snap-"));
    // 2012-2014 Timeline format: `repository` object, actor as a login string, IssuesEvent without text.
    writeArchive(join(dir, "2014-03-01-9.json.gz"), [
      {
        type: "PullRequestEvent",
        actor: "olduser",
        repository: { owner: "old", name: "lib", url: "https://github.com/old/lib" },
        created_at: "2014-03-01T09:00:00-08:00",
        payload: {
          action: "closed",
          number: 4,
          pull_request: {
            title: "Fix parser",
            body: null,
            user: { login: "olduser" },
            merged: true,
            merged_at: "2014-03-01T09:00:00-08:00",
            base: { ref: "master", sha: sha("a") },
            head: { ref: "fix", sha: sha("b") },
          },
        },
      },
      {
        type: "IssuesEvent",
        repository: { owner: "old", name: "lib" },
        payload: { action: "opened", number: 3 },
      },
    ]);
    // 2015+: `repo.name`; a comment and a review; an event repeated across files counts once.
    const comment = {
      id: "77",
      type: "IssueCommentEvent",
      repo: { name: "new/app" },
      created_at: "2020-05-01T10:00:00Z",
      payload: {
        issue: { number: 9, title: "Crash", body: "boom", user: { login: "u" }, state: "open" },
        comment: { user: { login: "v" }, body: "same here", created_at: "2020-05-01T10:00:00Z" },
      },
    };
    writeArchive(join(dir, "2020-05-01-10.json.gz"), [
      comment,
      {
        id: "78",
        type: "PullRequestReviewEvent",
        repo: { name: "new/app" },
        created_at: "2020-05-01T10:05:00Z",
        payload: {
          pull_request: { number: 10 },
          review: {
            user: { login: "r" },
            state: "approved",
            body: "lgtm",
            submitted_at: "2020-05-01T10:05:00Z",
          },
        },
      },
      // 2025 trimmed payload: no title/body/merged flag, only refs.
      {
        id: "79",
        type: "PullRequestEvent",
        repo: { name: "new/app" },
        org: { login: "new" },
        created_at: "2020-05-01T10:06:00Z",
        payload: {
          action: "closed",
          number: 10,
          pull_request: {
            number: 10,
            base: { ref: "main", sha: sha("c") },
            head: { ref: "x", sha: sha("d") },
          },
        },
      },
    ]);
    writeArchive(join(dir, "2020-05-01-9.json.gz"), [comment]);
    expect((await expandArchiveInputs([dir])).map((f) => f.split("/").at(-1))).toEqual([
      "2014-03-01-9.json.gz",
      "2020-05-01-9.json.gz",
      "2020-05-01-10.json.gz",
    ]);
    const errors: RecordError[] = [];
    const stats = { files: 0, events: 0, duplicateEvents: 0, badLines: 0, incompletePullRequests: 0 };
    const snapshots: RepositorySnapshot[] = [];
    for await (const s of snapshotsFromArchive([dir], { onError: (e) => errors.push(e), stats }))
      snapshots.push(s);
    expect(errors).toEqual([]);
    expect(stats).toMatchObject({ files: 3, events: 5, duplicateEvents: 1 });
    const [app, lib] = snapshots;
    expect(lib?.repo).toBe("old/lib");
    expect(lib?.pullRequests[0]).toMatchObject({
      number: 4,
      state: "MERGED",
      body: "",
      author: { login: "olduser", type: "User" },
      baseRefOid: sha("a"),
    });
    expect(lib?.issues.map((i) => [i.number, i.title])).toEqual([[3, ""]]);
    expect(app?.repo).toBe("new/app");
    expect(app?.issues[0]?.comments.map((c) => c.body)).toEqual(["same here"]);
    expect(app?.pullRequests[0]).toMatchObject({ number: 10, state: "CLOSED", title: "" });
    expect(app?.pullRequests[0]?.reviews.map((r) => r.state)).toEqual(["APPROVED"]);
  });

  it("leaves out, and reports, pull requests whose commits the archive never names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swerl-gha-snap-"));
    writeArchive(join(dir, "2020-01-01-0.json.gz"), [
      {
        type: "PullRequestEvent",
        repo: { name: "a/b" },
        payload: { action: "closed", number: 1, pull_request: { merged: true } },
      },
    ]);
    const errors: RecordError[] = [];
    const snapshots: RepositorySnapshot[] = [];
    for await (const s of snapshotsFromArchive([dir], { onError: (e) => errors.push(e) })) snapshots.push(s);
    expect(snapshots[0]?.pullRequests).toEqual([]);
    expect(errors[0]?.message).toMatch(
      /2020-01-01-0\.json\.gz:1: payload\.pull_request\.baseRefOid: a\/b#1 left out/,
    );
  });
});
