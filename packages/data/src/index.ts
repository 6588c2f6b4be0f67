export {
  BugFixConfig,
  bugFixPrompt,
  heuristicBugFix,
  llmBugFix,
  type SamplingPolicy,
} from "./curate/bug-fix-classifier.js";
export { instanceIdOf } from "./curate/build-instance.js";
export { type CurateSummary, curatePullRequests } from "./curate/curate.js";
export {
  CurateConfig,
  type CurateConfigInput,
  CurateRunConfig,
  readCurateConfig,
} from "./curate/curate-config.js";
export { DroppedPullRequest, FUNNEL_STEPS, type FunnelStage, funnelMarkdown } from "./curate/funnel.js";
export { llmRankRelevantFiles, relevantFilesPrompt } from "./curate/llm-relevant-files.js";
export {
  type FileFactsCache,
  importSpecifiers,
  RelevantFilesConfig,
  rankRelevantFiles,
} from "./curate/relevant-files.js";
export {
  builtinContamination,
  contaminationReason,
  loadContamination,
  SWEBENCH_REPOSITORIES,
} from "./decontamination.js";
export { readArchiveFile } from "./gharchive-reader.js";
export { expandArchiveInputs, snapshotsFromArchive } from "./gharchive-snapshots.js";
export { GitError, GitRepository } from "./git-repository.js";
export { fetchRepositorySnapshot, githubSnapshots } from "./github/client.js";
export {
  GithubError,
  GithubGraphqlError,
  GithubHttpError,
  GithubRateLimitError,
  GithubResponseError,
} from "./github/errors.js";
export { githubQueries } from "./github/queries.js";
export { GithubServerError, startGithubGraphqlServer } from "./github/server.js";
export {
  RepositorySnapshot,
  SnapshotChangedFile,
  SnapshotIssue,
  SnapshotPullRequest,
  snapshotFileName,
} from "./github/snapshot.js";
export { readSnapshotDirectory, writeSnapshotFile } from "./github/snapshot-files.js";
export { findIssueLinks } from "./issue-links.js";
export { mapLimited } from "./map-limited.js";
export { MineConfig, type MineConfigInput, type MineHooks, mineFromConfig } from "./mine-config.js";
export {
  type MineSummary,
  MiningError,
  minePullRequests,
  parseShard,
  Shard,
  shardOf,
} from "./mine-pull-requests.js";
export { dedupeByPatch, normalizePatch, patchKey } from "./patch-dedup.js";
export { FilterConfig, noiseReason } from "./pr-filters.js";
export { isValidPython, normalizePython, pythonParser } from "./python/python-parser.js";
export { cloneUrl, RepositoryCache, repoDirectoryName } from "./repository-cache.js";
