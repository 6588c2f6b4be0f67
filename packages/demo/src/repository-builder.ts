import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { SnapshotIssue, SnapshotPullRequest } from "@swerl/data";
import { archiveUser, type PendingEvent, stableId } from "./archive-events.js";
import { DemoWorldError } from "./errors.js";
import { FastImportStream, type Signature } from "./fast-import.js";
import { DemoGitError, git } from "./git-cli.js";
import type { DemoPullRequestTruth } from "./ground-truth.js";
import { MAINTAINER } from "./noise-pull-requests.js";
import { patchFileStats } from "./patch-stats.js";
import type { PlannedPullRequest, RepositoryPlan } from "./world-plan.js";

/** The first minute of every demo world (UTC). */
const WORLD_START_SECONDS = Date.parse("2024-03-04T08:00:00Z") / 1000;
const WATCHERS = ["otto", "pia", "quinn", "rosa", "sven"];

function timestamp(minute: number): string {
  return new Date((WORLD_START_SECONDS + minute * 60) * 1000).toISOString().replace(".000Z", "Z");
}

/** What replaying one repository's plan produced. */
export interface BuiltRepository {
  plan: RepositoryPlan;
  createdAt: string;
  issues: SnapshotIssue[];
  pullRequests: SnapshotPullRequest[];
  truths: DemoPullRequestTruth[];
  events: PendingEvent[];
  headCommit: string;
}

interface OpenedPullRequest {
  plan: PlannedPullRequest;
  number: number;
  issues: number[];
  /** Marks of the PR's head commit and of the base tip it was cut from (its merge base). */
  head: number;
  forkPoint: number;
  createdAt: string;
  body: string;
}

interface MergedPullRequest {
  pr: OpenedPullRequest;
  base: number;
  mergeCommit: number;
  mergedAt: string;
}

/** An event whose payload needs commit ids, known only after the import. */
interface DeferredEvent {
  createdAt: string;
  type: string;
  actor: string;
  repo: string;
  payload: (sha: (mark: number) => string) => Record<string, unknown>;
}

/**
 * Replays one repository's plan as a `git fast-import` stream into the bare repository `bareDir`, with
 * the issues, pull requests and GH Archive events that go with it. Pull request heads are kept as
 * `refs/pull/<n>/head` (as on GitHub); merged branches are gone, the release branch stays. Patches are
 * read back from the repository with the command of contracts.md #3.
 */
export async function buildRepository(
  plan: RepositoryPlan,
  bareDir: string,
  signal?: AbortSignal,
): Promise<BuiltRepository> {
  let minute = plan.startMinute;
  const tick = (step = 2): string => {
    minute += step;
    return timestamp(minute);
  };
  const who = (login: string, at: string): Signature => ({ login, seconds: Date.parse(at) / 1000 });
  const deferred: DeferredEvent[] = [];
  const event = (
    createdAt: string,
    type: string,
    actor: string,
    payload: DeferredEvent["payload"],
    repo = plan.repo,
  ) => deferred.push({ createdAt, type, actor, repo, payload });
  const stream = new FastImportStream();
  const tips = new Map<string, number>();

  const createdAt = tick(0);
  event(createdAt, "CreateEvent", MAINTAINER, () => ({
    ref: null,
    ref_type: "repository",
    master_branch: "main",
    description: plan.description,
    pusher_type: "user",
  }));
  event(tick(1), "WatchEvent", "someone", () => ({ action: "started" }));
  event(tick(1), "WatchEvent", "someone", () => ({ action: "started" }), "someone/unrelated-project");

  const push = (message: string, changes: Record<string, string | null>) => {
    const at = tick();
    const before = tips.get("main");
    const head = stream.commit({
      ref: "refs/heads/main",
      who: who(MAINTAINER, at),
      message,
      ...(before !== undefined ? { from: before } : {}),
      changes,
    });
    tips.set("main", head);
    event(at, "PushEvent", MAINTAINER, (sha) => ({
      repository_id: stableId(plan.repo),
      push_id: stableId(`${plan.repo}:${head}`),
      size: 1,
      distinct_size: 1,
      ref: "refs/heads/main",
      head: sha(head),
      before: before === undefined ? "0".repeat(40) : sha(before),
      commits: [
        {
          sha: sha(head),
          author: { email: `${MAINTAINER}@users.noreply.github.com`, name: MAINTAINER },
          message,
          distinct: true,
          url: `https://api.github.com/repos/${plan.repo}/commits/${sha(head)}`,
        },
      ],
    }));
  };
  push("Initial commit", plan.initialFiles);
  for (const p of plan.pushes) push(p.message, p.changes);
  if (plan.releaseBranch) {
    stream.reset(`refs/heads/${plan.releaseBranch}`, tips.get("main") as number);
    tips.set(plan.releaseBranch, tips.get("main") as number);
    event(tick(), "CreateEvent", MAINTAINER, () => ({
      ref: plan.releaseBranch,
      ref_type: "branch",
      master_branch: "main",
      description: plan.description,
      pusher_type: "user",
    }));
  }

  let nextNumber = 1;
  const issues: SnapshotIssue[] = [];
  const opened = new Map<PlannedPullRequest, OpenedPullRequest>();
  const merged: MergedPullRequest[] = [];
  const openFiles = new Set<string>();

  const issuePayload = (issue: SnapshotIssue, state: "open" | "closed", closedAt: string | null) => ({
    url: `https://api.github.com/repos/${plan.repo}/issues/${issue.number}`,
    html_url: `https://github.com/${plan.repo}/issues/${issue.number}`,
    id: stableId(`${plan.repo}#${issue.number}`),
    number: issue.number,
    title: issue.title,
    user: archiveUser(issue.author?.login ?? "ghost"),
    labels: issue.labels.map((name) => ({ name })),
    state,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: closedAt ?? issue.createdAt,
    closed_at: closedAt,
    body: issue.body,
  });

  const open = (pr: PlannedPullRequest) => {
    const issueNumbers: number[] = [];
    for (const planned of pr.issues) {
      const issue: SnapshotIssue = {
        number: nextNumber++,
        title: planned.title,
        body: planned.body,
        author: { login: planned.author, type: "User" },
        state: "OPEN",
        createdAt: tick(),
        closedAt: null,
        labels: planned.labels,
        comments: [],
      };
      issues.push(issue);
      issueNumbers.push(issue.number);
      event(issue.createdAt, "IssuesEvent", planned.author, () => ({
        action: "opened",
        issue: issuePayload(issue, "open", null),
      }));
      if (planned.comment) {
        const comment = {
          author: { login: MAINTAINER, type: "User" as const },
          body: planned.comment,
          createdAt: tick(),
        };
        issue.comments.push(comment);
        event(comment.createdAt, "IssueCommentEvent", MAINTAINER, () => ({
          action: "created",
          issue: issuePayload(issue, "open", null),
          comment: {
            id: stableId(`${plan.repo}#${issue.number}/comment`),
            user: archiveUser(MAINTAINER),
            body: comment.body,
            created_at: comment.createdAt,
            updated_at: comment.createdAt,
          },
        }));
      }
    }
    const original = pr.backportOf ? opened.get(pr.backportOf) : undefined;
    if (pr.backportOf && !original)
      throw new DemoWorldError(`${plan.repo}: backport "${pr.title}" is planned before its original`);
    for (const file of Object.keys(pr.changes)) {
      const key = `${pr.baseRef}:${file}`;
      if (openFiles.has(key))
        throw new DemoWorldError(`two open pull requests of ${plan.repo} change ${file}`);
      openFiles.add(key);
    }
    const linked = original ? original.issues : issueNumbers;
    const number = nextNumber++;
    const committedAt = tick();
    const forkPoint = tips.get(pr.baseRef) as number;
    const head = stream.commit({
      ref: `refs/pull/${number}/head`,
      who: who(pr.author, committedAt),
      message: pr.commitMessage,
      from: forkPoint,
      changes: pr.changes,
    });
    event(committedAt, "CreateEvent", pr.author, () => ({
      ref: pr.branch,
      ref_type: "branch",
      master_branch: "main",
      description: plan.description,
      pusher_type: "user",
    }));
    opened.set(pr, {
      plan: pr,
      number,
      issues: linked,
      head,
      forkPoint,
      createdAt: tick(),
      body: pr.body({ repo: plan.repo, issues: linked, ...(original ? { original: original.number } : {}) }),
    });
  };

  const merge = (pr: PlannedPullRequest) => {
    const entry = opened.get(pr) as OpenedPullRequest;
    const base = tips.get(pr.baseRef) as number;
    const mergedAt = tick();
    const mergeCommit = stream.commit({
      ref: `refs/heads/${pr.baseRef}`,
      who: who(MAINTAINER, mergedAt),
      message: `Merge pull request #${entry.number} from ${pr.author}/${pr.branch}\n\n${pr.title}`,
      from: base,
      merge: entry.head,
      changes: pr.changes,
    });
    tips.set(pr.baseRef, mergeCommit);
    for (const file of Object.keys(pr.changes)) openFiles.delete(`${pr.baseRef}:${file}`);
    merged.push({ pr: entry, base, mergeCommit, mergedAt });
    tick(1);
  };

  const order = plan.pullRequests;
  for (let i = 0; i < order.length; i += 2) {
    const pair = order.slice(i, i + 2);
    for (const pr of pair) open(pr);
    for (const pr of pair) merge(pr);
  }

  signal?.throwIfAborted();
  await rm(bareDir, { recursive: true, force: true });
  await mkdir(path.dirname(bareDir), { recursive: true });
  await git(path.dirname(bareDir), ["init", "-q", "--bare", "-b", "main", bareDir]);
  const marks = await stream.run(bareDir);
  const sha = (mark: number): string => {
    const id = marks.get(mark);
    if (!id) throw new DemoGitError(`git fast-import did not report mark :${mark} for ${bareDir}`);
    return id;
  };

  const pullRequests: SnapshotPullRequest[] = [];
  const truths: DemoPullRequestTruth[] = [];
  for (const { pr, base, mergeCommit, mergedAt } of merged) {
    signal?.throwIfAborted();
    const patch = await git(bareDir, [
      "diff",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      sha(pr.forkPoint),
      sha(pr.head),
    ]);
    const files = patchFileStats(patch);
    const stats = {
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      files: files.length,
    };
    const planned = pr.plan;
    const onDefault = planned.baseRef === "main";
    const reviewers = planned.authorType === "Bot" ? [] : [MAINTAINER];
    const reviewedAt = new Date(Date.parse(mergedAt) - 60_000).toISOString().replace(".000Z", "Z");
    pullRequests.push({
      number: pr.number,
      title: planned.title,
      body: pr.body,
      author: { login: planned.author, type: planned.authorType },
      state: "MERGED",
      createdAt: pr.createdAt,
      mergedAt,
      closedAt: mergedAt,
      baseRefName: planned.baseRef,
      headRefName: planned.branch,
      baseRefOid: sha(base),
      headRefOid: sha(pr.head),
      mergeCommitOid: sha(mergeCommit),
      labels: planned.labels,
      files,
      comments: [],
      reviews: reviewers.map((login) => ({
        author: { login, type: "User" as const },
        state: "APPROVED" as const,
        body: "Looks good.",
        submittedAt: reviewedAt,
      })),
      closingIssues: onDefault ? pr.issues : [],
    });
    const pullRequestPayload = (state: "open" | "merged") => ({
      url: `https://api.github.com/repos/${plan.repo}/pulls/${pr.number}`,
      id: stableId(`${plan.repo}/pull/${pr.number}`),
      html_url: `https://github.com/${plan.repo}/pull/${pr.number}`,
      number: pr.number,
      state: state === "merged" ? "closed" : "open",
      locked: false,
      title: planned.title,
      user: archiveUser(planned.author, planned.authorType),
      body: pr.body,
      created_at: pr.createdAt,
      updated_at: state === "merged" ? mergedAt : pr.createdAt,
      closed_at: state === "merged" ? mergedAt : null,
      merged_at: state === "merged" ? mergedAt : null,
      merge_commit_sha: state === "merged" ? sha(mergeCommit) : null,
      labels: planned.labels.map((name) => ({ name })),
      head: {
        label: `${plan.repo.split("/")[0]}:${planned.branch}`,
        ref: planned.branch,
        sha: sha(pr.head),
        repo: { name: plan.repo.split("/")[1], full_name: plan.repo },
      },
      base: {
        label: `${plan.repo.split("/")[0]}:${planned.baseRef}`,
        ref: planned.baseRef,
        sha: state === "merged" ? sha(base) : sha(pr.forkPoint),
        repo: { name: plan.repo.split("/")[1], full_name: plan.repo },
      },
      merged: state === "merged",
      merged_by: state === "merged" ? archiveUser(MAINTAINER) : null,
      commits: 1,
      additions: stats.additions,
      deletions: stats.deletions,
      changed_files: stats.files,
    });
    event(pr.createdAt, "PullRequestEvent", planned.author, () => ({
      action: "opened",
      number: pr.number,
      pull_request: pullRequestPayload("open"),
    }));
    for (const login of reviewers) {
      event(reviewedAt, "PullRequestReviewEvent", login, () => ({
        action: "created",
        review: {
          id: stableId(`${plan.repo}/pull/${pr.number}/review`),
          user: archiveUser(login),
          body: "Looks good.",
          state: "approved",
          submitted_at: reviewedAt,
        },
        pull_request: pullRequestPayload("open"),
      }));
    }
    event(mergedAt, "PullRequestEvent", MAINTAINER, () => ({
      action: "closed",
      number: pr.number,
      pull_request: pullRequestPayload("merged"),
    }));
    event(mergedAt, "PushEvent", MAINTAINER, () => ({
      repository_id: stableId(plan.repo),
      push_id: stableId(`${plan.repo}:${mergeCommit}`),
      size: 2,
      distinct_size: 2,
      ref: `refs/heads/${planned.baseRef}`,
      head: sha(mergeCommit),
      before: sha(base),
      commits: [
        {
          sha: sha(pr.head),
          author: { name: planned.author, email: `${planned.author}@users.noreply.github.com` },
          message: planned.commitMessage,
          distinct: true,
        },
        {
          sha: sha(mergeCommit),
          author: { name: MAINTAINER, email: `${MAINTAINER}@users.noreply.github.com` },
          message: `Merge pull request #${pr.number} from ${planned.author}/${planned.branch}`,
          distinct: true,
        },
      ],
    }));
    if (onDefault) {
      for (const number of pr.issues) {
        const issue = issues.find((i) => i.number === number) as SnapshotIssue;
        issue.state = "CLOSED";
        issue.closedAt = mergedAt;
        event(mergedAt, "IssuesEvent", MAINTAINER, () => ({
          action: "closed",
          issue: issuePayload(issue, "closed", mergedAt),
        }));
      }
    }
    if (pr.number % 3 === 0) {
      const watcher = WATCHERS[pr.number % WATCHERS.length] as string;
      event(mergedAt, pr.number % 2 === 0 ? "ForkEvent" : "WatchEvent", watcher, () =>
        pr.number % 2 === 0
          ? { forkee: { full_name: `${watcher}/${plan.repo.split("/")[1]}` } }
          : { action: "started" },
      );
    }
    truths.push({
      repo: plan.repo,
      number: pr.number,
      instanceId: `${plan.repo.replace("/", "__")}-${pr.number}`,
      title: planned.title,
      author: planned.author,
      verdict: planned.verdict,
      linkedIssues: pr.issues,
      linkStyle: planned.linkStyle,
      baseRef: planned.baseRef,
      baseCommit: sha(base),
      headCommit: sha(pr.head),
      mergeCommit: sha(mergeCommit),
      mergeBase: sha(pr.forkPoint),
      patch,
      createdAt: pr.createdAt,
      mergedAt,
      family: planned.family,
      split: planned.split,
      sourceFile: planned.sourceFile,
      testFile: planned.testFile,
      buggyLine: planned.buggyLine,
      fixedLine: planned.fixedLine,
      duplicateOf: planned.backportOf ? (opened.get(planned.backportOf)?.number ?? null) : null,
    });
  }
  const events: PendingEvent[] = deferred.map((e) => ({
    createdAt: e.createdAt,
    type: e.type,
    actor: e.actor,
    repo: e.repo,
    payload: e.payload(sha),
  }));
  return {
    plan,
    createdAt,
    issues,
    pullRequests,
    truths,
    events,
    headCommit: sha(tips.get("main") as number),
  };
}
