// Running Agentless Mini
export { AgentlessConfig } from "./config.js";
export { AgentlessCounts } from "./counts.js";
export { LocalizationRates } from "./localization.js";
// The official tools' file formats (zod schemas)
export * from "./official/formats.js";
export type { AgentlessStage } from "./persistence.js";
export { agentlessPromptBudget } from "./prompt-budget.js";
// Agentless's prompts, for building training data in the form the policy is prompted with (the pipeline's
// SFT examples)
export { buildAgentlessRepairPrompt, buildLocalizationPrompts } from "./prompts.js";
export { listRepositoryFiles, localizableFiles } from "./repository-view.js";
export { type AgentlessRun, runAgentless } from "./run-agentless.js";
export { readSpecsFile } from "./specs.js";
