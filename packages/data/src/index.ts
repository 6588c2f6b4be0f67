export { type Contamination, contaminationReason, loadContamination } from "./decontamination.js";
export { type ArchiveEvent, type ReadArchiveOptions, readArchiveFile } from "./gharchive-reader.js";
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
export { dedupeByPatch, normalizePatch, patchKey } from "./patch-dedup.js";
export { FilterConfig, type NoiseReason, noiseReason, PullRequestFacts } from "./pr-filters.js";
