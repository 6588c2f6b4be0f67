import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RecordError } from "@swerl/schema";
import { type ArchiveEvent, readArchiveFile } from "./gharchive-reader.js";
import {
  RepositorySnapshot,
  type SnapshotActor,
  type SnapshotComment,
  type SnapshotIssue,
  SnapshotPullRequest,
  type SnapshotReview,
} from "./github/snapshot.js";

/** The event types that carry pull requests, issues, comments and reviews. */
export const ARCHIVE_EVENT_TYPES: ReadonlySet<string> = new Set([
  "PullRequestEvent",
  "IssuesEvent",
  "IssueCommentEvent",
  "PullRequestReviewEvent",
  "PullRequestReviewCommentEvent",
]);

/** Counters of one GH Archive read. */
export interface ArchiveStats {
  files: number;
  events: number;
  duplicateEvents: number;
  badLines: number;
  /** Merged-or-not pull requests dropped because the archive never gave their base/head commits. */
  incompletePullRequests: number;
}

export interface ArchiveSnapshotOptions {
  /** Keep only repositories for which this returns true (e.g. this shard's). */
  include?: (repo: string) => boolean;
  onError?: (error: RecordError) => void;
  stats?: ArchiveStats;
  signal?: AbortSignal;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v) ? v : undefined;

/** `owner/name` of an event: `repo.name` (2015+), `repository.owner`/`.name` (Timeline, 2011-2014) or a repo URL. */
function repoOf(event: Json): string | undefined {
  const repo = obj(event.repo);
  const name = str(repo?.name);
  if (name?.includes("/")) return name;
  const legacy = obj(event.repository);
  const owner = str(legacy?.owner) ?? str(obj(legacy?.owner)?.login);
  if (owner && str(legacy?.name)) return `${owner}/${str(legacy?.name)}`;
  const url = str(repo?.url) ?? str(legacy?.url);
  const m = url && /github\.com\/(?:repos\/)?([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(url);
  return m ? m[1] : undefined;
}

/** A user object (`{ login, type }`), a Timeline-era login string, or nothing. */
function actorOf(v: unknown): SnapshotActor | null {
  if (typeof v === "string" && v !== "") return { login: v, type: v.endsWith("[bot]") ? "Bot" : "User" };
  const user = obj(v);
  const login = str(user?.login);
  if (!login) return null;
  const type = str(user?.type);
  return {
    login,
    type:
      type === "Bot" || login.endsWith("[bot]") ? "Bot" : type === "Organization" ? "Organization" : "User",
  };
}

/** The fields a pull request and an issue payload share (absent ones undefined, a null body empty). */
function discussionFields(p: Json) {
  return {
    title: str(p.title),
    body: p.body === null ? "" : str(p.body),
    author: p.user === undefined ? undefined : actorOf(p.user),
    createdAt: str(p.created_at),
    closedAt: str(p.closed_at),
  };
}

function labelsOf(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((l) => str(obj(l)?.name) ?? str(l)).filter((l): l is string => l !== undefined);
}

/** Pull request fields as accumulated over events; later events fill in and override earlier ones. */
interface PullRequestDraft {
  number: number;
  title?: string;
  body?: string;
  author?: SnapshotActor | null;
  createdAt?: string;
  mergedAt?: string | null;
  closedAt?: string | null;
  merged?: boolean;
  open?: boolean;
  baseRefName?: string;
  headRefName?: string;
  baseRefOid?: string;
  headRefOid?: string;
  mergeCommitOid?: string | null;
  labels?: string[];
  comments: SnapshotComment[];
  reviews: SnapshotReview[];
  firstSeen: string;
  where: { file: string; line: number };
}

interface IssueDraft {
  number: number;
  title?: string;
  body?: string;
  author?: SnapshotActor | null;
  createdAt?: string;
  closedAt?: string | null;
  open?: boolean;
  labels?: string[];
  comments: SnapshotComment[];
  firstSeen: string;
}

interface RepositoryDraft {
  repo: string;
  firstSeen: string;
  pullRequests: Map<number, PullRequestDraft>;
  issues: Map<number, IssueDraft>;
}

function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  }
}

/** Groups GH Archive events into per-repository drafts. */
class ArchiveGrouper {
  readonly repos = new Map<string, RepositoryDraft>();
  readonly #seen = new Set<string>();

  constructor(
    private readonly include: (repo: string) => boolean,
    private readonly stats: ArchiveStats,
  ) {}

  add(file: string, { line, type, event }: ArchiveEvent): void {
    const repo = repoOf(event);
    if (!repo || !this.include(repo)) return;
    const id = str(event.id) ?? (num(event.id) === undefined ? undefined : String(event.id));
    if (id !== undefined) {
      if (this.#seen.has(id)) {
        this.stats.duplicateEvents += 1;
        return;
      }
      this.#seen.add(id);
    }
    this.stats.events += 1;
    const at = str(event.created_at) ?? "1970-01-01T00:00:00Z";
    let draft = this.repos.get(repo);
    if (!draft) {
      draft = { repo, firstSeen: at, pullRequests: new Map(), issues: new Map() };
      this.repos.set(repo, draft);
    }
    const payload = obj(event.payload) ?? {};
    const where = { file, line };
    if (type === "PullRequestEvent") this.#pullRequest(draft, payload, at, where);
    else if (type === "IssuesEvent") this.#issue(draft, payload, at);
    else if (type === "IssueCommentEvent") this.#comment(draft, payload, at, where);
    else if (type === "PullRequestReviewEvent" || type === "PullRequestReviewCommentEvent") {
      this.#review(draft, payload, type, at, where);
    }
  }

  #pr(
    draft: RepositoryDraft,
    number: number,
    at: string,
    where: PullRequestDraft["where"],
  ): PullRequestDraft {
    let pr = draft.pullRequests.get(number);
    if (!pr) {
      pr = { number, comments: [], reviews: [], firstSeen: at, where };
      draft.pullRequests.set(number, pr);
    }
    return pr;
  }

  #pullRequest(draft: RepositoryDraft, payload: Json, at: string, where: PullRequestDraft["where"]): void {
    const p = obj(payload.pull_request) ?? {};
    const number = num(payload.number) ?? num(p.number);
    if (number === undefined || number <= 0) return;
    const pr = this.#pr(draft, number, at, where);
    pr.where = where;
    const base = obj(p.base);
    const head = obj(p.head);
    const action = str(payload.action);
    const mergedAt = str(p.merged_at);
    assignDefined(pr, {
      ...discussionFields(p),
      mergedAt,
      merged: typeof p.merged === "boolean" ? p.merged : mergedAt ? true : undefined,
      open: action === "closed" ? false : action === "opened" || action === "reopened" ? true : undefined,
      baseRefName: str(base?.ref),
      headRefName: str(head?.ref),
      baseRefOid: str(base?.sha),
      headRefOid: str(head?.sha),
      mergeCommitOid: str(p.merge_commit_sha),
      labels: labelsOf(p.labels),
    });
  }

  #issueDraft(draft: RepositoryDraft, number: number, at: string): IssueDraft {
    let issue = draft.issues.get(number);
    if (!issue) {
      issue = { number, comments: [], firstSeen: at };
      draft.issues.set(number, issue);
    }
    return issue;
  }

  #issue(draft: RepositoryDraft, payload: Json, at: string): void {
    const i = obj(payload.issue);
    // Timeline-era IssuesEvent payloads hold only the issue's id and number, no text.
    const number = num(i?.number) ?? num(payload.number);
    if (number === undefined || number <= 0 || obj(i?.pull_request)) return;
    const issue = this.#issueDraft(draft, number, at);
    const action = str(payload.action);
    if (i) this.#issueFields(issue, i);
    if (action === "closed") issue.open = false;
    else if (action === "opened" || action === "reopened") issue.open = true;
  }

  #issueFields(issue: IssueDraft, i: Json): void {
    assignDefined(issue, {
      ...discussionFields(i),
      open: str(i.state) === undefined ? undefined : str(i.state) === "open",
      labels: labelsOf(i.labels),
    });
  }

  #comment(draft: RepositoryDraft, payload: Json, at: string, where: PullRequestDraft["where"]): void {
    const i = obj(payload.issue);
    const c = obj(payload.comment);
    const number = num(i?.number);
    if (number === undefined || number <= 0 || !c) return;
    const comment: SnapshotComment = {
      author: actorOf(c.user),
      body: str(c.body) ?? "",
      createdAt: str(c.created_at) ?? at,
    };
    if (i?.pull_request !== undefined) {
      this.#pr(draft, number, at, where).comments.push(comment);
      return;
    }
    const issue = this.#issueDraft(draft, number, at);
    if (i) this.#issueFields(issue, i);
    issue.comments.push(comment);
  }

  #review(
    draft: RepositoryDraft,
    payload: Json,
    type: string,
    at: string,
    where: PullRequestDraft["where"],
  ): void {
    const p = obj(payload.pull_request);
    const number = num(p?.number) ?? num(payload.number);
    const r = obj(type === "PullRequestReviewEvent" ? payload.review : payload.comment);
    if (number === undefined || number <= 0 || !r) return;
    const state = (str(r.state) ?? "commented").toUpperCase();
    this.#pr(draft, number, at, where).reviews.push({
      author: actorOf(r.user),
      state: (["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"].includes(state)
        ? state
        : "COMMENTED") as SnapshotReview["state"],
      body: str(r.body) ?? "",
      submittedAt: str(r.submitted_at) ?? str(r.created_at) ?? at,
    });
  }

  /** The snapshot of one grouped repository; PRs without base/head commits are reported and left out. */
  snapshot(draft: RepositoryDraft, onError: (e: RecordError) => void): RepositorySnapshot {
    const pullRequests: SnapshotPullRequest[] = [];
    for (const pr of [...draft.pullRequests.values()].sort((a, b) => a.number - b.number)) {
      const merged = pr.merged === true || (pr.mergedAt ?? null) !== null;
      const candidate = {
        number: pr.number,
        title: pr.title ?? "",
        body: pr.body ?? "",
        author: pr.author ?? null,
        state: merged ? "MERGED" : pr.open === false ? "CLOSED" : "OPEN",
        createdAt: pr.createdAt ?? pr.firstSeen,
        mergedAt: merged ? (pr.mergedAt ?? pr.closedAt ?? null) : null,
        closedAt: pr.closedAt ?? null,
        baseRefName: pr.baseRefName ?? "",
        headRefName: pr.headRefName ?? "",
        baseRefOid: pr.baseRefOid,
        headRefOid: pr.headRefOid,
        mergeCommitOid: merged ? (pr.mergeCommitOid ?? null) : null,
        labels: pr.labels ?? [],
        comments: pr.comments,
        reviews: pr.reviews,
      };
      const parsed = SnapshotPullRequest.safeParse(candidate);
      if (parsed.success) pullRequests.push(parsed.data);
      else {
        this.stats.incompletePullRequests += 1;
        const issue = parsed.error.issues[0];
        onError(
          new RecordError(
            pr.where,
            `payload.pull_request.${issue?.path.join(".") ?? ""}`,
            `${draft.repo}#${pr.number} left out: ${issue?.message ?? "invalid"} (the archive never gave it)`,
          ),
        );
      }
    }
    const issues: SnapshotIssue[] = [...draft.issues.values()]
      .sort((a, b) => a.number - b.number)
      .map((i) => ({
        number: i.number,
        title: i.title ?? "",
        body: i.body ?? "",
        author: i.author ?? null,
        state: i.open === false ? "CLOSED" : "OPEN",
        createdAt: i.createdAt ?? i.firstSeen,
        closedAt: i.closedAt ?? null,
        labels: i.labels ?? [],
        comments: i.comments,
      }));
    return RepositorySnapshot.parse({ repo: draft.repo, createdAt: draft.firstSeen, pullRequests, issues });
  }
}

/** `YYYY-MM-DD-H` of a GH Archive file name as a sortable number (hours are not zero-padded). */
function hourKey(name: string): string {
  const m = /(\d{4})-(\d{2})-(\d{2})-(\d{1,2})\.json/.exec(name);
  return m ? `${m[1]}${m[2]}${m[3]}${(m[4] ?? "").padStart(2, "0")}` : name;
}

/** Inputs (files, directories of `*.json.gz`, URLs) as a list of files in chronological order. */
export async function expandArchiveInputs(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (/^https?:\/\//.test(input)) files.push(input);
    else if ((await stat(input)).isDirectory()) {
      for (const name of await readdir(input)) if (name.endsWith(".json.gz")) files.push(join(input, name));
    } else files.push(input);
  }
  return files.sort((a, b) =>
    hourKey(a.split("/").at(-1) ?? a) < hourKey(b.split("/").at(-1) ?? b) ? -1 : 1,
  );
}

/**
 * Reads GH Archive hourly files (local paths, directories or http(s) URLs), keeps the pull request,
 * issue, comment and review events, and yields one {@link RepositorySnapshot} per repository, in
 * repository-name order, once every file has been read. Bad lines, truncated files and pull
 * requests the archive never describes fully are reported through `onError` and skipped.
 */
export async function* snapshotsFromArchive(
  inputs: readonly string[],
  options: ArchiveSnapshotOptions = {},
): AsyncGenerator<RepositorySnapshot> {
  const stats = options.stats ?? {
    files: 0,
    events: 0,
    duplicateEvents: 0,
    badLines: 0,
    incompletePullRequests: 0,
  };
  const onError = (e: RecordError) => {
    stats.badLines += 1;
    options.onError?.(e);
  };
  const grouper = new ArchiveGrouper(options.include ?? (() => true), stats);
  for (const file of await expandArchiveInputs(inputs)) {
    options.signal?.throwIfAborted();
    stats.files += 1;
    for await (const event of readArchiveFile(file, { types: ARCHIVE_EVENT_TYPES, onError })) {
      grouper.add(file, event);
    }
  }
  const names = [...grouper.repos.keys()].sort();
  for (const name of names) {
    const draft = grouper.repos.get(name);
    if (draft) yield grouper.snapshot(draft, (e) => options.onError?.(e));
  }
}
