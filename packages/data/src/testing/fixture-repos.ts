import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

/** Test-only: small real git repositories, GH Archive files and snapshots built with the `git` CLI. */

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

export class FixtureRepo {
  readonly work: string;
  #clock = 0;

  constructor(
    readonly root: string,
    readonly repo: string,
  ) {
    this.work = join(root, "work", repo.replace("/", "__"));
    rmSync(this.work, { recursive: true, force: true });
    mkdirSync(this.work, { recursive: true });
    this.git("init", "-q", "-b", "main");
  }

  git(...args: string[]): string {
    const date = `2020-01-01T00:${String(Math.floor(this.#clock / 60)).padStart(2, "0")}:${String(this.#clock % 60).padStart(2, "0")}Z`;
    this.#clock += 1;
    return execFileSync("git", args, {
      cwd: this.work,
      env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      maxBuffer: 1 << 28,
    })
      .toString()
      .trim();
  }

  /** Writes files (`null` deletes) and commits them; returns the new commit id. */
  commit(message: string, files: Record<string, string | null>): string {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.work, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** Merges `branch` into main with a merge commit; returns the merge commit. */
  merge(branch: string): string {
    this.git("checkout", "-q", "main");
    this.git("merge", "-q", "--no-ff", "-m", `Merge ${branch}`, branch);
    return this.git("rev-parse", "HEAD");
  }

  /** Writes the bare repository `<reposDir>/owner__name.git`. */
  publish(reposDir: string): string {
    const bare = join(reposDir, `${this.repo.replace("/", "__")}.git`);
    rmSync(bare, { recursive: true, force: true });
    mkdirSync(reposDir, { recursive: true });
    execFileSync("git", ["clone", "-q", "--bare", this.work, bare], { env });
    return bare;
  }
}

/** GH Archive-style events, gzipped NDJSON; `extraLines` are written verbatim (to plant bad lines). */
export function writeArchive(
  file: string,
  events: readonly object[],
  extraLines: readonly string[] = [],
): void {
  mkdirSync(dirname(file), { recursive: true });
  const text = [...events.map((e) => JSON.stringify(e)), ...extraLines].join("\n");
  writeFileSync(file, gzipSync(`${text}\n`));
}

let eventId = 1000;

/** A 2015+ style PullRequestEvent (`closed` + merged, unless told otherwise). */
export function pullRequestEvent(
  repo: string,
  pr: {
    number: number;
    title: string;
    body: string;
    user: string;
    base: string;
    head: string;
    merged?: boolean;
    mergeCommit?: string;
    userType?: string;
  },
): object {
  const merged = pr.merged ?? true;
  return {
    id: String(eventId++),
    type: "PullRequestEvent",
    actor: { login: pr.user },
    repo: { name: repo, url: `https://api.github.com/repos/${repo}` },
    created_at: "2020-01-02T00:00:00Z",
    payload: {
      action: "closed",
      number: pr.number,
      pull_request: {
        number: pr.number,
        title: pr.title,
        body: pr.body,
        user: { login: pr.user, type: pr.userType ?? "User" },
        state: "closed",
        created_at: "2020-01-01T12:00:00Z",
        closed_at: "2020-01-02T00:00:00Z",
        merged_at: merged ? "2020-01-02T00:00:00Z" : null,
        merged,
        merge_commit_sha: pr.mergeCommit ?? null,
        base: { ref: "main", sha: pr.base },
        head: { ref: `pr-${pr.number}`, sha: pr.head },
        labels: [],
      },
    },
  };
}

export function issueEvent(repo: string, issue: { number: number; title: string; body: string }): object {
  return {
    id: String(eventId++),
    type: "IssuesEvent",
    actor: { login: "reporter" },
    repo: { name: repo },
    created_at: "2020-01-01T00:00:00Z",
    payload: {
      action: "opened",
      issue: {
        number: issue.number,
        title: issue.title,
        body: issue.body,
        user: { login: "reporter", type: "User" },
        state: "open",
        created_at: "2020-01-01T00:00:00Z",
        closed_at: null,
        labels: [{ name: "bug" }],
      },
    },
  };
}
