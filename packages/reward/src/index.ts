export { FormatError } from "./format-error.js";
export {
  HttpError,
  type HttpRequestContext,
  type HttpServerOptions,
  parseJsonBody,
  type RunningHttpServer,
  startHttpServer,
} from "./http-server.js";
export { countOccurrences, pyStrip, splitLines } from "./python-text.js";
export { ASSISTANT_TURN_MARKERS, type ResponseSource, responsePart } from "./response-part.js";
export {
  type ChangeSimilarity,
  calculateReward,
  calculateSearchReplaceReward,
  changeSimilarity,
  computeChangeSimilarities,
  type FileMap,
  fileChange,
  normalizedPatch,
  type SearchReplaceReward,
} from "./reward.js";
export {
  RewardBatchConfig,
  type RewardBatchProgress,
  type RewardBatchSummary,
  RewardOutput,
  scoreRewardFile,
} from "./reward-batch.js";
export { type RewardFn, RewardFnError, type RewardQuery, scoreWith, sweRlReward } from "./reward-fn.js";
export { InstanceLabel, OpenRlhfRewardRequest, RewardInput } from "./reward-input.js";
export {
  type RewardDetail,
  RewardPool,
  RewardPoolClosedError,
  type RewardPoolOptions,
  type RewardRequest,
  type ScoreAllOptions,
  type ScoredRequest,
  scoreBatch,
} from "./reward-pool.js";
export {
  RewardServerConfig,
  type RewardServerConfigInput,
  type RewardServerOptions,
  type RunningRewardServer,
  startRewardServer,
} from "./reward-server.js";
export {
  applySearchReplace,
  extractThoughtSolution,
  parseSearchReplace,
  type SearchReplaceEdit,
  type SearchReplaceEdits,
} from "./search-replace.js";
export {
  type Match,
  type Opcode,
  type OpcodeTag,
  type Sequence,
  SequenceMatcher,
  type SequenceMatcherOptions,
} from "./sequence-matcher.js";
export { calculateRewardUnidiff, fileLevelDiff } from "./unidiff-reward.js";
export { type UnifiedDiffOptions, unifiedDiff } from "./unified-diff.js";
