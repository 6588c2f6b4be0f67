import { z } from "zod";
import type * as snapshot from "./snapshot.js";

/**
 * The shapes of the answers to the queries in `queries.ts`, checked with zod so that a server that
 * answers something else fails with the field named, and converted to snapshot records.
 */

export const RateLimitInfo = z.object({
  cost: z.number().int(),
  remaining: z.number().int(),
  resetAt: z.string(),
  limit: z.number().int(),
});
export type RateLimitInfo = z.infer<typeof RateLimitInfo>;

const PageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });

/** A connection page: `{ pageInfo, nodes }`; GitHub may put null among nodes, which are dropped. */
export function connectionOf<T extends z.ZodType>(node: T) {
  return z.object({
    pageInfo: PageInfo,
    nodes: z
      .array(node.nullable())
      .transform((nodes) => nodes.filter((n): n is NonNullable<typeof n> => n != null)),
  });
}
export type ConnectionPage<T> = { pageInfo: z.infer<typeof PageInfo>; nodes: T[] };

const Actor = z.object({ __typename: z.string(), login: z.string() });
const ActorOrNull = Actor.nullable();
const Label = z.object({ name: z.string() });
const Comment = z.object({ author: ActorOrNull, body: z.string(), createdAt: z.string() });
const Review = z.object({
  author: ActorOrNull,
  state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]),
  body: z.string(),
  submittedAt: z.string().nullable(),
  createdAt: z.string(),
});
const ChangedFile = z.object({
  path: z.string(),
  additions: z.number().int(),
  deletions: z.number().int(),
  changeType: z.enum(["ADDED", "MODIFIED", "DELETED", "RENAMED", "COPIED", "CHANGED"]),
});
const ClosingIssue = z.object({
  number: z.number().int(),
  repository: z.object({ nameWithOwner: z.string() }),
});

/** Node schemas of every nested connection, by the name of its fragment. */
export const NestedNode = {
  SwerlLabel: Label,
  SwerlComment: Comment,
  SwerlReview: Review,
  SwerlChangedFile: ChangedFile,
  SwerlClosingIssue: ClosingIssue,
} as const;

export const PullRequestNode = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string(),
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  createdAt: z.string(),
  mergedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  author: ActorOrNull,
  baseRefName: z.string(),
  headRefName: z.string(),
  baseRefOid: z.string(),
  headRefOid: z.string(),
  mergeCommit: z.object({ oid: z.string() }).nullable(),
  labels: connectionOf(Label),
  files: connectionOf(ChangedFile),
  comments: connectionOf(Comment),
  reviews: connectionOf(Review),
  closingIssuesReferences: connectionOf(ClosingIssue),
});
export type PullRequestNode = z.infer<typeof PullRequestNode>;

export const IssueNode = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string(),
  state: z.enum(["OPEN", "CLOSED"]),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  author: ActorOrNull,
  labels: connectionOf(Label),
  comments: connectionOf(Comment),
});
export type IssueNode = z.infer<typeof IssueNode>;

export const PullRequestsResponse = z.object({
  rateLimit: RateLimitInfo,
  repository: z.object({
    createdAt: z.string(),
    description: z.string().nullable(),
    defaultBranchRef: z.object({ name: z.string() }).nullable(),
    pullRequests: connectionOf(PullRequestNode),
  }),
});

export const IssuesResponse = z.object({
  rateLimit: RateLimitInfo,
  repository: z.object({ issues: connectionOf(IssueNode) }),
});

/** `issueOrPullRequest` answers: an issue, a pull request (skipped), or null (no such number). */
const IssueOrPullRequest = z
  .discriminatedUnion("__typename", [
    IssueNode.extend({ __typename: z.literal("Issue") }),
    z.object({ __typename: z.literal("PullRequest") }),
  ])
  .nullable();

export const IssuesByNumberResponse = z.object({
  rateLimit: RateLimitInfo,
  repository: z.record(z.string(), IssueOrPullRequest),
});

/** The answer of a nested-connection follow-up query, with its node schema. */
export function nestedConnectionResponse<T extends z.ZodType>(
  owner: "pullRequest" | "issue",
  field: string,
  node: T,
) {
  return z.object({
    rateLimit: RateLimitInfo,
    repository: z.object({ [owner]: z.object({ [field]: connectionOf(node) }) }),
  });
}

export function toActor(actor: z.infer<typeof Actor> | null): snapshot.SnapshotActor | null {
  if (actor === null) return null;
  const type = actor.__typename === "Bot" || actor.__typename === "Organization" ? actor.__typename : "User";
  return { login: actor.login, type };
}

export function toComment(comment: z.infer<typeof Comment>): snapshot.SnapshotComment {
  return { author: toActor(comment.author), body: comment.body, createdAt: comment.createdAt };
}

export function toReview(review: z.infer<typeof Review>): snapshot.SnapshotReview {
  return {
    author: toActor(review.author),
    state: review.state,
    body: review.body,
    // Pending reviews have no submission time yet; their creation time is the closest fact.
    submittedAt: review.submittedAt ?? review.createdAt,
  };
}

export function toChangedFile(file: z.infer<typeof ChangedFile>): snapshot.SnapshotChangedFile {
  return {
    path: file.path,
    additions: file.additions,
    deletions: file.deletions,
    changeType: file.changeType,
  };
}

/** Closing references that live in `repo` itself (GitHub also lists other repositories' issues). */
export function closingIssueNumbers(issues: readonly z.infer<typeof ClosingIssue>[], repo: string): number[] {
  const own = repo.toLowerCase();
  return issues.filter((i) => i.repository.nameWithOwner.toLowerCase() === own).map((i) => i.number);
}

/** What pull requests and issues have alike, first in their snapshot records. */
function discussion<N extends PullRequestNode | IssueNode>(node: N) {
  return {
    number: node.number,
    title: node.title,
    body: node.body,
    author: toActor(node.author),
    state: node.state as N["state"],
    createdAt: node.createdAt,
  };
}

/** A pull request node whose nested connections have all been completed. */
export function toPullRequest(node: PullRequestNode, repo: string): snapshot.SnapshotPullRequest {
  return {
    ...discussion(node),
    mergedAt: node.mergedAt,
    closedAt: node.closedAt,
    baseRefName: node.baseRefName,
    headRefName: node.headRefName,
    baseRefOid: node.baseRefOid,
    headRefOid: node.headRefOid,
    mergeCommitOid: node.mergeCommit?.oid ?? null,
    labels: node.labels.nodes.map((l) => l.name),
    files: node.files.nodes.map(toChangedFile),
    comments: node.comments.nodes.map(toComment),
    reviews: node.reviews.nodes.map(toReview),
    closingIssues: closingIssueNumbers(node.closingIssuesReferences.nodes, repo),
  };
}

/** An issue node whose nested connections have all been completed. */
export function toIssue(node: IssueNode): snapshot.SnapshotIssue {
  return {
    ...discussion(node),
    closedAt: node.closedAt,
    labels: node.labels.nodes.map((l) => l.name),
    comments: node.comments.nodes.map(toComment),
  };
}
