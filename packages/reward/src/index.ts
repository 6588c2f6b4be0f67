export { FormatError } from "./format-error.js";
export { HttpError, type HttpRequestContext, parseJsonBody, startHttpServer } from "./http-server.js";
export { countOccurrences, pyStrip, splitLines } from "./python-text.js";
export {
  calculateReward,
  calculateSearchReplaceReward,
  fileChange,
  normalizedPatch,
  type SearchReplaceReward,
} from "./reward.js";
export { RewardBatchConfig, type RewardBatchSummary, scoreRewardFile } from "./reward-batch.js";
export { type RewardFn, RewardFnError, scoreWith, sweRlReward } from "./reward-fn.js";
export { InstanceLabel, OpenRlhfRewardRequest, RewardInput } from "./reward-input.js";
export {
  type RewardDetail,
  RewardPool,
  RewardPoolClosedError,
  type RewardPoolOptions,
  type RewardRequest,
  type ScoreAllOptions,
  type ScoredRequest,
} from "./reward-pool.js";
export {
  RewardServerConfig,
  type RewardServerConfigInput,
  type RewardServerOptions,
  type RunningRewardServer,
  startRewardServer,
} from "./reward-server.js";
export { scoreBatch } from "./score-batch.js";
export { applySearchReplace, extractThoughtSolution, parseSearchReplace } from "./search-replace.js";
export { SequenceMatcher } from "./sequence-matcher.js";
export { calculateRewardUnidiff, fileLevelDiff } from "./unidiff-reward.js";
export { unifiedDiff } from "./unified-diff.js";
