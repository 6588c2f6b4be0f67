import { RepoName, Timestamp } from "@swerl/schema";
import { z } from "zod";

/**
 * What GitHub knows about one repository, as plain data: the file a local GraphQL server answers
 * from (`DIR/github/<owner>__<name>.json` in the demo world), and what a recorded crawl can be
 * saved as. Field names follow GitHub's GraphQL objects so resolvers stay one-to-one.
 */
export const SnapshotActor = z.object({
  login: z.string().min(1),
  /** GraphQL `__typename` of the actor: bots are `Bot`, people `User`. */
  type: z.enum(["User", "Bot", "Organization"]).default("User"),
});
export type SnapshotActor = z.infer<typeof SnapshotActor>;

export const SnapshotComment = z.object({
  author: SnapshotActor.nullable(),
  body: z.string(),
  createdAt: Timestamp,
});
export type SnapshotComment = z.infer<typeof SnapshotComment>;

export const SnapshotReview = z.object({
  author: SnapshotActor.nullable(),
  /** GitHub's PullRequestReviewState. */
  state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]),
  body: z.string(),
  submittedAt: Timestamp,
});
export type SnapshotReview = z.infer<typeof SnapshotReview>;

export const SnapshotChangedFile = z.object({
  path: z.string().min(1),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  /** GitHub's PatchStatus. */
  changeType: z.enum(["ADDED", "MODIFIED", "DELETED", "RENAMED", "COPIED", "CHANGED"]),
});
export type SnapshotChangedFile = z.infer<typeof SnapshotChangedFile>;

export const SnapshotIssue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  author: SnapshotActor.nullable(),
  state: z.enum(["OPEN", "CLOSED"]),
  createdAt: Timestamp,
  closedAt: Timestamp.nullable(),
  labels: z.array(z.string()).default([]),
  comments: z.array(SnapshotComment).default([]),
});
export type SnapshotIssue = z.infer<typeof SnapshotIssue>;

export const SnapshotPullRequest = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  author: SnapshotActor.nullable(),
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  createdAt: Timestamp,
  mergedAt: Timestamp.nullable(),
  closedAt: Timestamp.nullable(),
  baseRefName: z.string(),
  headRefName: z.string(),
  baseRefOid: z.string().regex(/^[0-9a-f]{40}$/),
  headRefOid: z.string().regex(/^[0-9a-f]{40}$/),
  /** The merge commit on the base branch; null unless merged. */
  mergeCommitOid: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .nullable(),
  labels: z.array(z.string()).default([]),
  files: z.array(SnapshotChangedFile).default([]),
  comments: z.array(SnapshotComment).default([]),
  reviews: z.array(SnapshotReview).default([]),
  /** Numbers of the issues GitHub lists in `closingIssuesReferences` (same repository). */
  closingIssues: z.array(z.number().int().positive()).default([]),
});
export type SnapshotPullRequest = z.infer<typeof SnapshotPullRequest>;

export const RepositorySnapshot = z.object({
  /** `owner/name`. */
  repo: RepoName,
  defaultBranch: z.string().default("main"),
  description: z.string().default(""),
  createdAt: Timestamp,
  pullRequests: z.array(SnapshotPullRequest).default([]),
  issues: z.array(SnapshotIssue).default([]),
});
export type RepositorySnapshot = z.infer<typeof RepositorySnapshot>;

/** `owner/name` -> the file name a snapshot is stored under (`owner__name.json`). */
export function snapshotFileName(repo: string): string {
  return `${repo.replace("/", "__")}.json`;
}
