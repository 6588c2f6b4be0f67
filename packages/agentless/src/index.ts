// Running Agentless Mini
export { AgentlessConfig, type AgentlessConfigInput, shardOf } from "./config.js";
export type { AgentlessProgress, AgentlessRuntime } from "./context.js";
export { AgentlessCounts, countCandidates } from "./counts.js";
export { AgentlessInputError, AgentlessWorkspaceError } from "./errors.js";
// The pieces that decide, for use on their own
export { gitPatch } from "./git-patch.js";
export { type LenientEdits, lenientEdits } from "./lenient-edits.js";
export {
  LocalizationOutcome,
  LocalizationRates,
  localizationOutcome,
  localizationRates,
  parseLocalizedFiles,
  patchFiles,
} from "./localization.js";
export {
  localizationLists,
  OfficialLocalization,
  OfficialNormalizedPatch,
  OfficialProcessedPatch,
  OfficialRegressionResult,
  OfficialRegressionTests,
  OfficialRepairOutput,
  OfficialReproductionResult,
  ReproductionTestRow,
  Trajectory,
} from "./official/formats.js";
export { readLocFile, readPatchFolder } from "./official/read-official.js";
export { GAP_MARKER, type PatchSketch, sketchFromPatches } from "./patch-sketch.js";
export { AGENTLESS_STAGES, type AgentlessStage } from "./persistence.js";
export { agentlessPromptBudget, type PromptBudgetInput } from "./prompt-budget.js";
// Agentless's prompts, for building training data in the form the policy is prompted with (the pipeline's
// SFT examples)
export { buildAgentlessRepairPrompt, buildLocalizationPrompts } from "./prompts.js";
export {
  InstanceStages,
  InstanceTrace,
  LocalizeRecord,
  RegressionRecord,
  RepairRecord,
  ReproduceRecord,
} from "./records.js";
export { type RepairOutcome, RepairStatus, repairCandidate } from "./repair.js";
export { listRepositoryFiles, localizableFiles } from "./repository-view.js";
export {
  extractTestScript,
  ReproductionVerdict,
  reproductionVerdict,
  selectReproductionTests,
} from "./reproduction.js";
export { RepairCandidate, type RerankDecision, rerankCandidates } from "./rerank.js";
export { type AgentlessRun, runAgentless } from "./run-agentless.js";
export { readSpecsFile } from "./specs.js";
export { mergeLocalizations } from "./stages/localize.js";
export {
  type SelectionCandidate,
  type SelectionFilter,
  type SweRlDecision,
  selectSweRl,
} from "./swe-rl-selection.js";
