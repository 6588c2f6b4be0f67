// Codecs
export { JsonlWriter, readJsonl } from "./codecs/jsonl.js";
export { readParquet, writeParquet } from "./codecs/parquet.js";
export { readAllRecords, readRecords, writeRecords } from "./codecs/records-file.js";
export {
  decodeSafetensors,
  encodeSafetensors,
  float32Tensor,
  readSafetensors,
  SafetensorsError,
  type Tensor,
  tensorToFloat32,
  writeSafetensors,
} from "./codecs/safetensors.js";
export { formatFieldPath, validateRecord } from "./codecs/validate.js";
// Shared utilities
export { ConcurrencyLimiter } from "./concurrency-limiter.js";
// Errors
export { ConfigError, formatZodIssues, parseConfig, zodIssues } from "./config-error.js";
export { DatasetConfig, DatasetError, resolveDataset } from "./datasets/resolve-dataset.js";
export { formatLocation, RecordError, SwerlError } from "./errors.js";
export { InternalError } from "./internal-error.js";
// Records
export { CommitSha, RepoName, Timestamp } from "./records/common.js";
export { EvaluationReport, InstanceReport } from "./records/evaluation-report.js";
export { LlamaConfig } from "./records/model-config.js";
export { ChangedFile, Comment, LinkedIssue, MinedPullRequest } from "./records/pull-request.js";
export { RewardResult } from "./records/reward-result.js";
export { Provenance, RlInstance } from "./records/rl-instance.js";
export { FinishReason, RolloutGroup, RolloutSample } from "./records/rollout.js";
export { RunConfig } from "./records/run-config.js";
export { Prediction, SweBenchInstance, type SweBenchInstanceInput } from "./records/swe-bench-instance.js";
export { TrainingMetricsRow } from "./records/training-metrics.js";
// Rules
export { isTestPath } from "./rules/test-path.js";
