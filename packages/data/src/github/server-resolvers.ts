import { GraphQLError, type GraphQLFieldResolver, isNonNullType } from "graphql";
import type {
  RepositorySnapshot,
  SnapshotActor,
  SnapshotChangedFile,
  SnapshotComment,
  SnapshotIssue,
  SnapshotPullRequest,
  SnapshotReview,
} from "./snapshot.js";

/**
 * Resolvers that answer GitHub's schema from {@link RepositorySnapshot} values. Every value handed to
 * graphql-js is a tagged model; `__typename` is set where the schema has interfaces or unions (Actor,
 * RepositoryOwner, IssueOrPullRequest). A field the snapshot cannot answer resolves to null, or to an
 * explicit error when the schema says it is non-null.
 */

/** One repository's snapshot with its pull requests and issues indexed by number. */
export interface RepoData {
  snapshot: RepositorySnapshot;
  pulls: ReadonlyMap<number, SnapshotPullRequest>;
  issues: ReadonlyMap<number, SnapshotIssue>;
}

/** The repositories a server answers about, by lower-cased `owner/name`. */
export class GithubWorld {
  readonly #repos = new Map<string, RepoData>();

  constructor(snapshots: Iterable<RepositorySnapshot>) {
    for (const snapshot of snapshots) {
      this.#repos.set(snapshot.repo.toLowerCase(), {
        snapshot,
        pulls: new Map(snapshot.pullRequests.map((pr) => [pr.number, pr])),
        issues: new Map(snapshot.issues.map((issue) => [issue.number, issue])),
      });
    }
  }

  get size(): number {
    return this.#repos.size;
  }

  repository(owner: string, name: string): RepoData | undefined {
    return this.#repos.get(`${owner}/${name}`.toLowerCase());
  }
}

/** The rate-limit window a request ran in, after its own cost was charged. */
export interface RateLimitState {
  cost: number;
  limit: number;
  remaining: number;
  used: number;
  resetAt: string;
  nodeCount: number;
}

/** Per-request context of the resolvers. */
export interface ResolverContext {
  world: GithubWorld;
  rateLimit: RateLimitState;
}

type Model =
  | { kind: "query" }
  | { kind: "repository"; repo: RepoData }
  | { kind: "pullRequest"; __typename: "PullRequest"; repo: RepoData; pr: SnapshotPullRequest }
  | { kind: "issue"; __typename: "Issue"; repo: RepoData; number: number; issue: SnapshotIssue | undefined }
  | { kind: "comment"; comment: SnapshotComment }
  | { kind: "review"; review: SnapshotReview }
  | { kind: "file"; file: SnapshotChangedFile }
  | { kind: "label"; name: string }
  | { kind: "actor"; __typename: SnapshotActor["type"]; login: string }
  | { kind: "commit"; oid: string }
  | { kind: "ref"; name: string }
  | { kind: "rateLimit" }
  | { kind: "connection"; all: readonly Model[]; start: number; end: number }
  | { kind: "edge"; node: Model; index: number }
  | { kind: "pageInfo"; connection: Extract<Model, { kind: "connection" }> };

type Kind = Model["kind"];
type Args = Record<string, unknown>;
type Resolver<K extends Kind> = (
  model: Extract<Model, { kind: K }>,
  args: Args,
  context: ResolverContext,
) => unknown;
type ResolverTable = { [K in Kind]: Record<string, Resolver<K>> };

/** GitHub's largest page. */
const MAX_PAGE = 100;

function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: "NOT_FOUND" } });
}

function cursorOf(index: number): string {
  return Buffer.from(`swerl:${index}`).toString("base64");
}

function indexOfCursor(cursor: unknown): number {
  const text = typeof cursor === "string" ? Buffer.from(cursor, "base64").toString("utf8") : "";
  const match = /^swerl:(\d+)$/.exec(text);
  if (!match) throw new GraphQLError(`\`${String(cursor)}\` does not appear to be a valid cursor.`);
  return Number(match[1]);
}

/** A page of `items` per GitHub's connection arguments (`first`/`after` or `last`/`before`). */
function paginate(field: string, items: readonly Model[], args: Args): Model {
  const first = typeof args.first === "number" ? args.first : undefined;
  const last = typeof args.last === "number" ? args.last : undefined;
  if (first === undefined && last === undefined) {
    throw new GraphQLError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`,
    );
  }
  for (const [name, value] of [
    ["first", first],
    ["last", last],
  ] as const) {
    if (value !== undefined && (value < 0 || value > MAX_PAGE)) {
      throw new GraphQLError(
        `Requesting ${value} records on the \`${field}\` connection exceeds the \`${name}\` limit of ${MAX_PAGE} records.`,
      );
    }
  }
  let start = args.after != null ? indexOfCursor(args.after) + 1 : 0;
  let end = args.before != null ? indexOfCursor(args.before) : items.length;
  start = Math.min(start, items.length);
  end = Math.max(start, Math.min(end, items.length));
  if (first !== undefined) end = Math.min(end, start + first);
  if (last !== undefined) start = Math.max(start, end - last);
  return { kind: "connection", all: items, start, end };
}

function actor(author: SnapshotActor | null): Model | null {
  return author ? { kind: "actor", __typename: author.type, login: author.login } : null;
}

function pullRequestModel(repo: RepoData, pr: SnapshotPullRequest): Model {
  return { kind: "pullRequest", __typename: "PullRequest", repo, pr };
}

function issueModel(repo: RepoData, number: number): Model {
  return { kind: "issue", __typename: "Issue", repo, number, issue: repo.issues.get(number) };
}

function inStates(states: unknown, state: string): boolean {
  return !Array.isArray(states) || states.length === 0 || states.includes(state);
}

interface Order {
  field?: string;
  direction?: string;
}

/** Sorts by the order GitHub was asked for; snapshots carry no update times, so UPDATED_AT uses creation. */
function ordered<T extends { number: number; createdAt: string; comments: readonly unknown[] }>(
  items: readonly T[],
  orderBy: unknown,
): T[] {
  const order = (orderBy ?? {}) as Order;
  const sorted = [...items].sort((a, b) => {
    if (order.field === "COMMENTS") return a.comments.length - b.comments.length || a.number - b.number;
    if (order.field === undefined) return a.number - b.number;
    return Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.number - b.number;
  });
  return order.direction === "DESC" ? sorted.reverse() : sorted;
}

function repoUrl(repo: RepoData): string {
  return `https://github.com/${repo.snapshot.repo}`;
}

function nodeId(type: string, key: string): string {
  return Buffer.from(`${type}:${key}`).toString("base64");
}

/** An issue field the snapshot cannot answer because the issue itself is not in it. */
function issueData(model: Extract<Model, { kind: "issue" }>): SnapshotIssue {
  if (model.issue) return model.issue;
  throw new GraphQLError(
    `issue #${model.number} of ${model.repo.snapshot.repo} is referenced but not in the snapshot; only its number is known`,
  );
}

const RESOLVERS: ResolverTable = {
  query: {
    repository: (_m, args, context) => {
      const repo = context.world.repository(String(args.owner), String(args.name));
      if (!repo)
        throw notFound(`Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`);
      return { kind: "repository", repo };
    },
    rateLimit: () => ({ kind: "rateLimit" }),
  },
  rateLimit: {
    cost: (_m, _a, c) => c.rateLimit.cost,
    limit: (_m, _a, c) => c.rateLimit.limit,
    remaining: (_m, _a, c) => c.rateLimit.remaining,
    used: (_m, _a, c) => c.rateLimit.used,
    resetAt: (_m, _a, c) => c.rateLimit.resetAt,
    nodeCount: (_m, _a, c) => c.rateLimit.nodeCount,
  },
  repository: {
    id: (m) => nodeId("Repository", m.repo.snapshot.repo),
    name: (m) => m.repo.snapshot.repo.split("/")[1],
    nameWithOwner: (m) => m.repo.snapshot.repo,
    owner: (m) => ({ kind: "actor", __typename: "User", login: m.repo.snapshot.repo.split("/")[0] }),
    url: (m) => repoUrl(m.repo),
    createdAt: (m) => m.repo.snapshot.createdAt,
    description: (m) => m.repo.snapshot.description || null,
    defaultBranchRef: (m) => ({ kind: "ref", name: m.repo.snapshot.defaultBranch }),
    pullRequests: (m, args) => {
      const prs = m.repo.snapshot.pullRequests.filter((pr) => inStates(args.states, pr.state));
      return paginate(
        "pullRequests",
        ordered(prs, args.orderBy).map((pr) => pullRequestModel(m.repo, pr)),
        args,
      );
    },
    pullRequest: (m, args) => {
      const pr = m.repo.pulls.get(Number(args.number));
      if (!pr) throw notFound(`Could not resolve to a PullRequest with the number of ${args.number}.`);
      return pullRequestModel(m.repo, pr);
    },
    issues: (m, args) => {
      const issues = m.repo.snapshot.issues.filter((issue) => inStates(args.states, issue.state));
      return paginate(
        "issues",
        ordered(issues, args.orderBy).map((issue) => issueModel(m.repo, issue.number)),
        args,
      );
    },
    issue: (m, args) => {
      const number = Number(args.number);
      if (!m.repo.issues.has(number))
        throw notFound(`Could not resolve to an Issue with the number of ${number}.`);
      return issueModel(m.repo, number);
    },
    issueOrPullRequest: (m, args) => {
      const number = Number(args.number);
      if (m.repo.issues.has(number)) return issueModel(m.repo, number);
      const pr = m.repo.pulls.get(number);
      if (pr) return pullRequestModel(m.repo, pr);
      throw notFound(`Could not resolve to an issue or pull request with the number of ${number}.`);
    },
  },
  pullRequest: {
    id: (m) => nodeId("PullRequest", `${m.repo.snapshot.repo}#${m.pr.number}`),
    number: (m) => m.pr.number,
    title: (m) => m.pr.title,
    body: (m) => m.pr.body,
    state: (m) => m.pr.state,
    merged: (m) => m.pr.state === "MERGED",
    closed: (m) => m.pr.state !== "OPEN",
    createdAt: (m) => m.pr.createdAt,
    mergedAt: (m) => m.pr.mergedAt,
    closedAt: (m) => m.pr.closedAt,
    author: (m) => actor(m.pr.author),
    url: (m) => `${repoUrl(m.repo)}/pull/${m.pr.number}`,
    permalink: (m) => `${repoUrl(m.repo)}/pull/${m.pr.number}`,
    repository: (m) => ({ kind: "repository", repo: m.repo }),
    baseRefName: (m) => m.pr.baseRefName,
    headRefName: (m) => m.pr.headRefName,
    baseRefOid: (m) => m.pr.baseRefOid,
    headRefOid: (m) => m.pr.headRefOid,
    mergeCommit: (m) => (m.pr.mergeCommitOid ? { kind: "commit", oid: m.pr.mergeCommitOid } : null),
    additions: (m) => m.pr.files.reduce((sum, f) => sum + f.additions, 0),
    deletions: (m) => m.pr.files.reduce((sum, f) => sum + f.deletions, 0),
    changedFiles: (m) => m.pr.files.length,
    labels: (m, args) =>
      paginate(
        "labels",
        m.pr.labels.map((name) => ({ kind: "label", name })),
        args,
      ),
    files: (m, args) =>
      paginate(
        "files",
        m.pr.files.map((file) => ({ kind: "file", file })),
        args,
      ),
    comments: (m, args) =>
      paginate(
        "comments",
        m.pr.comments.map((comment) => ({ kind: "comment", comment })),
        args,
      ),
    reviews: (m, args) =>
      paginate(
        "reviews",
        m.pr.reviews
          .filter((r) => inStates(args.states, r.state))
          .map((review) => ({ kind: "review", review })),
        args,
      ),
    closingIssuesReferences: (m, args) =>
      paginate(
        "closingIssuesReferences",
        m.pr.closingIssues.map((number) => issueModel(m.repo, number)),
        args,
      ),
  },
  issue: {
    id: (m) => nodeId("Issue", `${m.repo.snapshot.repo}#${m.number}`),
    number: (m) => m.number,
    url: (m) => `${repoUrl(m.repo)}/issues/${m.number}`,
    repository: (m) => ({ kind: "repository", repo: m.repo }),
    title: (m) => issueData(m).title,
    body: (m) => issueData(m).body,
    state: (m) => issueData(m).state,
    closed: (m) => issueData(m).state === "CLOSED",
    createdAt: (m) => issueData(m).createdAt,
    closedAt: (m) => issueData(m).closedAt,
    author: (m) => actor(issueData(m).author),
    labels: (m, args) =>
      paginate(
        "labels",
        issueData(m).labels.map((name) => ({ kind: "label", name })),
        args,
      ),
    comments: (m, args) =>
      paginate(
        "comments",
        issueData(m).comments.map((comment) => ({ kind: "comment", comment })),
        args,
      ),
  },
  comment: {
    author: (m) => actor(m.comment.author),
    body: (m) => m.comment.body,
    createdAt: (m) => m.comment.createdAt,
  },
  review: {
    author: (m) => actor(m.review.author),
    state: (m) => m.review.state,
    body: (m) => m.review.body,
    submittedAt: (m) => m.review.submittedAt,
    createdAt: (m) => m.review.submittedAt,
  },
  file: {
    path: (m) => m.file.path,
    additions: (m) => m.file.additions,
    deletions: (m) => m.file.deletions,
    changeType: (m) => m.file.changeType,
  },
  label: { name: (m) => m.name },
  actor: {
    login: (m) => m.login,
    url: (m) => `https://github.com/${m.login.replace(/\[bot\]$/, "")}`,
  },
  commit: {
    oid: (m) => m.oid,
    abbreviatedOid: (m) => m.oid.slice(0, 7),
  },
  ref: {
    name: (m) => m.name,
    prefix: () => "refs/heads/",
  },
  connection: {
    nodes: (m) => m.all.slice(m.start, m.end),
    edges: (m) => m.all.slice(m.start, m.end).map((node, i) => ({ kind: "edge", node, index: m.start + i })),
    totalCount: (m) => m.all.length,
    pageInfo: (m) => ({ kind: "pageInfo", connection: m }),
  },
  edge: {
    node: (m) => m.node,
    cursor: (m) => cursorOf(m.index),
  },
  pageInfo: {
    hasNextPage: (m) => m.connection.end < m.connection.all.length,
    hasPreviousPage: (m) => m.connection.start > 0,
    startCursor: (m) => (m.connection.end > m.connection.start ? cursorOf(m.connection.start) : null),
    endCursor: (m) => (m.connection.end > m.connection.start ? cursorOf(m.connection.end - 1) : null),
  },
};

/** The root value every request executes against. */
export const ROOT: Model = { kind: "query" };

/** graphql-js `fieldResolver`: looks the field up by model kind; unknown fields are null or an explicit error. */
export const resolveField: GraphQLFieldResolver<unknown, ResolverContext> = (source, args, context, info) => {
  const model = source as Model;
  const table = RESOLVERS[model.kind] as Record<string, Resolver<Kind>>;
  const resolve = table[info.fieldName];
  if (resolve) return resolve(model as never, args, context);
  if (isNonNullType(info.returnType)) {
    throw new GraphQLError(
      `${info.parentType.name}.${info.fieldName} is not served by swerl's local GitHub server (snapshots do not record it)`,
    );
  }
  return null;
};
