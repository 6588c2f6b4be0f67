export {
  BugFixConfig,
  type BugFixVerdict,
  bugFixPrompt,
  heuristicBugFix,
  llmBugFix,
  type SamplingPolicy,
} from "./curate/bug-fix-classifier.js";
export { instanceIdOf } from "./curate/build-instance.js";
export {
  type CurateOptions,
  type CurateProgress,
  type CurateSummary,
  curatePullRequests,
} from "./curate/curate.js";
export {
  CurateConfig,
  type CurateConfigInput,
  CurateRunConfig,
  DecontaminationConfig,
  readCurateConfig,
} from "./curate/curate-config.js";
export {
  DroppedPullRequest,
  FUNNEL_STEPS,
  type FunnelStage,
  type FunnelStep,
  funnelMarkdown,
} from "./curate/funnel.js";
export { llmRankRelevantFiles, relevantFilesPrompt } from "./curate/llm-relevant-files.js";
export {
  type FileFactsCache,
  importSpecifiers,
  type RelevantFile,
  RelevantFilesConfig,
  type RelevantFilesInput,
  rankRelevantFiles,
} from "./curate/relevant-files.js";
export {
  builtinContamination,
  type Contamination,
  contaminationReason,
  loadContamination,
  SWEBENCH_REPOSITORIES,
} from "./decontamination.js";
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
  type FetchSnapshotOptions,
  fetchRepositorySnapshot,
  type GithubProgress,
  type GithubSnapshotsOptions,
  githubSnapshots,
} from "./github/client.js";
export {
  GithubError,
  GithubGraphqlError,
  type GithubGraphqlErrorEntry,
  GithubHttpError,
  GithubRateLimitError,
  type GithubRequestSite,
  GithubResponseError,
} from "./github/errors.js";
export { loadGithubSchema } from "./github/github-schema.js";
export { githubQueries } from "./github/queries.js";
export {
  type GithubGraphqlServerOptions,
  GithubServerError,
  type GithubServerFault,
  type GithubServerStats,
  type RunningGithubGraphqlServer,
  startGithubGraphqlServer,
} from "./github/server.js";
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
export { readSnapshotDirectory, readSnapshotFile, writeSnapshotFile } from "./github/snapshot-files.js";
export type { GithubRetry, GithubTransportOptions, GithubUsage } from "./github/transport.js";
export { findIssueLinks, type IssueLink } from "./issue-links.js";
export { mapLimited } from "./map-limited.js";
export { MineConfig, type MineConfigInput, type MineHooks, mineFromConfig } from "./mine-config.js";
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
export { isValidPython, normalizePython, pythonParser } from "./python/python-parser.js";
export {
  cloneUrl,
  RepositoryCache,
  type RepositoryCacheOptions,
  repoDirectoryName,
} from "./repository-cache.js";
