export { AdamOptimizer, type NamedArrays } from "./adam.js";
export { computeGroupAdvantages, type GroupAdvantages, isEqualRewardGroup } from "./advantages.js";
export { type BatchRewardStats, type PreparedSample, prepareGrpoBatch } from "./batch.js";
export {
  AdamConfig,
  AdvantageEstimator,
  GrpoConfig,
  type GrpoConfigInput,
  type GrpoPresetName,
  grpoPresets,
  LossAggregation,
  paperPreset,
  parseGrpoConfig,
} from "./config.js";
export {
  createDefaultModel,
  DEFAULT_MODEL_CONFIG,
  DefaultModelSpec,
  type DefaultModelSpecInput,
  tokenizerCorpus,
} from "./default-model.js";
export {
  type EnginePrompt,
  OpenRlhfRow,
  RewardLabel,
  SWERL_DATA_SOURCE,
  toVerlRows,
  VerlRow,
  writeOpenRlhfDataset,
  writeVerlDataset,
} from "./engines/datasets.js";
export {
  ENGINE_VERSIONS,
  EngineLaunchError,
  type EngineSurface,
  type EngineTarget,
  ExternalEngine,
  engineTargets,
  OpenRlhfSurface,
  resolveEngine,
  VerlSurface,
  validateOpenRlhfArgs,
  validateVerlOverrides,
} from "./engines/engine-surface.js";
export { engineDataFiles, planEngineRun, shellLine } from "./engines/launch.js";
export { EngineLaunchConfig, type EngineLaunchConfigInput } from "./engines/launch-config.js";
export type { EngineLaunchPlan, LaunchData, UnsupportedOption } from "./engines/launch-plan.js";
export { PRESET_OPTION_TABLE } from "./engines/option-table.js";
export {
  type PreparedEngineRun,
  type PrepareEngineRunOptions,
  type PromptLengths,
  prepareEngineRun,
} from "./engines/prepare-run.js";
export { verlRewardGlue } from "./engines/verl-launch.js";
export {
  GrpoBatchError,
  ModelDirError,
  ModelDirectoryError,
  ModelWeightsError,
  OptimizerStateError,
  OracleResponseError,
  TrainerConfigError,
} from "./errors.js";
export { type GrpoRunOptions, runGrpo } from "./grpo.js";
export { JitLlama, JitLlamaEngine, type LlamaWeights, type SequenceScores } from "./jit-llama.js";
export { KvCacheLlama, type KvState } from "./kv-cache-llama.js";
export { type LlamaParams, llamaTargetLogprobs, llamaTokenLogprobs } from "./llama.js";
export {
  type GrpoUpdateResult,
  grpoUpdate,
  llamaGrpoStep,
  responseLogprobs,
  type TrainingSequence,
} from "./llama-grpo-step.js";
export { LocalLlamaPolicy } from "./local-llama-policy.js";
export { type GrpoLossResult, type GrpoSequence, grpoLoss } from "./loss.js";
export {
  cloneWeights,
  type LoadedModel,
  readModelDir,
  WEIGHTS_FILE,
  writeModelDir,
  writeWeights,
} from "./model-dir.js";
export { loadModelTokenizer, type ModelTokenizer } from "./model-tokenizer.js";
export {
  buildOracleResponse,
  type OracleEdit,
  type OracleResponseOptions,
  oracleEditForFile,
  oracleEdits,
} from "./oracle-response.js";
export { OrtEngineConfig, type OrtEngineConfigInput, OrtLlama } from "./ort-llama.js";
export {
  GrpoRunConfig,
  type GrpoRunConfigInput,
  HeldoutConfig,
  RolloutSampling,
  SftRunConfig,
  type SftRunConfigInput,
} from "./run-config.js";
export { batchIndices, HeldoutRow, type LocalMetricsRow } from "./run-files.js";
export { runSft } from "./sft.js";
export { readTrainConfigFile, TrainConfigFile, trainOptionsFromConfig } from "./train-config-file.js";
export {
  LOCAL_GRPO_DEFAULTS,
  LOCAL_SFT_DEFAULTS,
  type LocalPhaseOptions,
  parseTrainLocalConfig,
  runLocalPhase,
  TrainLocalConfig,
  type TrainLocalConfigInput,
  type TrainLocalOptions,
  type TrainLocalProgress,
  type TrainLocalResult,
  trainLocal,
} from "./train-local.js";
export {
  evaluateHeldout,
  type HeldoutResult,
  loadPromptedInstances,
  loadSftExamples,
  type PromptedInstance,
  SftExample,
  type SftSequence,
} from "./training-data.js";
export type {
  GradientPass,
  ResponseScores,
  ResponseSequence,
  TrainingEngine,
} from "./training-engine.js";
export type {
  SyncablePolicy,
  TrainingProgress,
  TrainingRunOptions,
  TrainingRunResult,
} from "./training-loop.js";
