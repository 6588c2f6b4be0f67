export { type Contamination, contaminationReason, loadContamination } from "./decontamination.js";
export { type ArchiveEvent, type ReadArchiveOptions, readArchiveFile } from "./gharchive-reader.js";
export {
  ARCHIVE_EVENT_TYPES,
  type ArchiveSnapshotOptions,
  type ArchiveStats,
  expandArchiveInputs,
  snapshotsFromArchive,
} from "./gharchive-snapshots.js";
export { GitError, GitRepository, type PatchFile } from "./git-repository.js";
export {
  RepositorySnapshot,
  SnapshotActor,
  SnapshotChangedFile,
  SnapshotComment,
  SnapshotIssue,
  SnapshotPullRequest,
  SnapshotReview,
  snapshotFileName,
} from "./github/snapshot.js";
export { findIssueLinks, type IssueLink } from "./issue-links.js";
export {
  type MineOptions,
  type MineProgress,
  type MineSummary,
  MiningError,
  minePullRequests,
  parseShard,
  Shard,
  shardOf,
} from "./mine-pull-requests.js";
export { dedupeByPatch, normalizePatch, patchKey } from "./patch-dedup.js";
export { FilterConfig, type NoiseReason, noiseReason, PullRequestFacts } from "./pr-filters.js";
export {
  cloneUrl,
  RepositoryCache,
  type RepositoryCacheOptions,
  repoDirectoryName,
} from "./repository-cache.js";
