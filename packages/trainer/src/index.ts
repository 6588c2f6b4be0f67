export { AdamOptimizer } from "./adam.js";
export { computeGroupAdvantages, isEqualRewardGroup } from "./advantages.js";
export { prepareGrpoBatch } from "./batch.js";
export {
  AdamConfig,
  AdvantageEstimator,
  GrpoConfig,
  type GrpoConfigInput,
  grpoPresets,
  LossAggregation,
  paperPreset,
  parseGrpoConfig,
} from "./config.js";
export {
  createDefaultModel,
  DEFAULT_MODEL_CONFIG,
  DefaultModelSpec,
  tokenizerCorpus,
} from "./default-model.js";
export {
  type EnginePrompt,
  OpenRlhfRow,
  RewardLabel,
  toVerlRows,
  VerlRow,
  writeOpenRlhfDataset,
  writeVerlDataset,
} from "./engines/datasets.js";
export {
  ENGINE_VERSIONS,
  EngineLaunchError,
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
export { type PreparedEngineRun, type PromptLengths, prepareEngineRun } from "./engines/prepare-run.js";
export { verlRewardGlue } from "./engines/verl-launch.js";
export { GrpoBatchError, OracleResponseError, TrainerConfigError } from "./errors.js";
export { runGrpo } from "./grpo.js";
export { JitLlama } from "./jit-llama.js";
export { KvCacheLlama } from "./kv-cache-llama.js";
export { type LlamaParams, llamaTokenLogprobs } from "./llama.js";
export { grpoUpdate, llamaGrpoStep, responseLogprobs } from "./llama-grpo-step.js";
export { LocalLlamaPolicy } from "./local-llama-policy.js";
export { type GrpoLossResult, type GrpoSequence, grpoLoss } from "./loss.js";
export { buildOracleResponse, oracleEditForFile, oracleEdits } from "./oracle-response.js";
export { GrpoRunConfig, SftRunConfig } from "./run-config.js";
export { HeldoutRow } from "./run-files.js";
export { runSft } from "./sft.js";
export { readTrainConfigFile, TrainConfigFile, trainOptionsFromConfig } from "./train-config-file.js";
export {
  LOCAL_GRPO_DEFAULTS,
  LOCAL_SFT_DEFAULTS,
  type LocalPhaseOptions,
  parseTrainLocalConfig,
  runLocalPhase,
  TrainLocalConfig,
  type TrainLocalOptions,
  type TrainLocalProgress,
  type TrainLocalResult,
  trainLocal,
} from "./train-local.js";
export { loadSftExamples, SftExample, type SftSequence } from "./training-data.js";
export type { TrainingProgress, TrainingRunOptions, TrainingRunResult } from "./training-loop.js";
