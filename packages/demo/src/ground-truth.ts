import { CommitSha, RepoName, Timestamp } from "@swerl/schema";
import { z } from "zod";
import { BugFamily, Language } from "./bug-families.js";

/**
 * What the mining and curation stages must conclude about a pull request: `keep`, or the noise filter
 * that removes it (the `NoiseReason`s of @swerl/data's pr-filters), `duplicate` (same normalized patch
 * as an earlier kept PR) or `contaminated` (a SWE-bench repository).
 */
export const DemoVerdict = z.enum([
  "keep",
  "bot",
  "version-bump",
  "empty",
  "lock-file-only",
  "huge",
  "no-linked-issue",
  "duplicate",
  "contaminated",
]);
export type DemoVerdict = z.infer<typeof DemoVerdict>;

/** How a PR names the issue it fixes. */
export const DemoLinkStyle = z.enum([
  /** `Fixes #N` (or another closing keyword with `#N`). */
  "keyword",
  /** `Resolves owner/repo#N`. */
  "cross-reference",
  /** `Fix https://github.com/owner/repo/issues/N`. */
  "url",
  /** No text reference: only GitHub's `closingIssuesReferences` (linked in the UI), so only the snapshot shows it. */
  "closing-reference",
]);
export type DemoLinkStyle = z.infer<typeof DemoLinkStyle>;

export const DemoPullRequestTruth = z.object({
  repo: RepoName,
  number: z.number().int().positive(),
  /** `owner__name-number`, the RL instance and task id. */
  instanceId: z.string(),
  title: z.string(),
  author: z.string(),
  verdict: DemoVerdict,
  /** Issues of the same repository this PR fixes (empty when none). */
  linkedIssues: z.array(z.number().int().positive()),
  linkStyle: DemoLinkStyle.nullable(),
  baseRef: z.string(),
  /** The base branch tip when the PR was merged (GitHub's baseRefOid). */
  baseCommit: CommitSha,
  headCommit: CommitSha,
  mergeCommit: CommitSha,
  /** `git merge-base baseCommit headCommit`: the task's base commit. */
  mergeBase: CommitSha,
  /** `git diff --no-color --no-ext-diff --no-renames <mergeBase> <headCommit>` (contracts.md #3). */
  patch: z.string(),
  createdAt: Timestamp,
  mergedAt: Timestamp,
  /** Planted bug family of a fix (null for noise without a bug). */
  family: BugFamily.nullable(),
  /** For kept fixes: `test` instances are held out of training (the mini benchmark); null otherwise. */
  split: z.enum(["train", "test"]).nullable(),
  /** The source file a fix changes and its test file (null for noise). */
  sourceFile: z.string().nullable(),
  testFile: z.string().nullable(),
  /** The buggy line and its replacement (null for noise). */
  buggyLine: z.string().nullable(),
  fixedLine: z.string().nullable(),
  /** For `duplicate`: the number of the kept PR with the same normalized patch. */
  duplicateOf: z.number().int().positive().nullable(),
});
export type DemoPullRequestTruth = z.infer<typeof DemoPullRequestTruth>;

export const DemoRepositoryTruth = z.object({
  repo: RepoName,
  language: Language,
  defaultBranch: z.string(),
  /** Tip of the default branch after the whole history. */
  headCommit: CommitSha,
  /** Bare repository directory, relative to the world directory. */
  gitDir: z.string(),
});
export type DemoRepositoryTruth = z.infer<typeof DemoRepositoryTruth>;

/** `DIR/ground-truth.json`: everything planted in a demo world, for tests to compare against. */
export const DemoGroundTruth = z.object({
  seed: z.number().int(),
  repositories: z.array(DemoRepositoryTruth),
  pullRequests: z.array(DemoPullRequestTruth),
  /** Counts by verdict, for reading at a glance. */
  verdictCounts: z.record(z.string(), z.number().int().nonnegative()),
});
export type DemoGroundTruth = z.infer<typeof DemoGroundTruth>;
