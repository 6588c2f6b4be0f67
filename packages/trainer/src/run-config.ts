import { z } from "zod";
import { AdamConfig, GrpoConfigField } from "./config.js";

/** Held-out evaluation: at the start, every `every` steps (0: start and end only), and at the end. */
export const HeldoutConfig = z.strictObject({
  every: z.number().int().nonnegative().default(0),
  /** Greedy decoding (temperature 0) or sampling with the run's sampling options. */
  greedy: z.boolean().default(true),
  maxTokens: z.number().int().positive().default(256),
  /** Evaluate only the first N held-out instances; absent: all. */
  limit: z.number().int().positive().optional(),
});
export type HeldoutConfig = z.infer<typeof HeldoutConfig>;

const RunBasics = {
  /** Optimisation steps of the phase. */
  steps: z.number().int().positive(),
  /** Data order and sampling draws derive from this. */
  seed: z.number().int().nonnegative().default(0),
  /** Save `checkpoints/step-N/` every N steps (and always at the end or on interrupt). */
  checkpointEvery: z.number().int().positive().default(10),
  /** Tokens of the prompt's message contents; files the fix does not touch are dropped to fit. */
  maxPromptTokens: z.number().int().positive().optional(),
  heldout: HeldoutConfig.prefault({}),
};

/** Supervised warm start: teacher forcing on the chat-templated prompt + oracle response. */
export const SftRunConfig = z.strictObject({
  ...RunBasics,
  steps: RunBasics.steps.default(100),
  /** Instances per optimisation step. */
  batchSize: z.number().int().positive().default(8),
  /** Unchanged lines kept around each oracle edit (widened until the SEARCH text is unique). */
  oracleContextLines: z.number().int().nonnegative().default(3),
  /**
   * Teach the RL instances' oracle responses; false: train only on the examples file (an SFT baseline
   * trained on other data than RL's instances, as the paper's).
   */
  oracleResponses: z.boolean().default(true),
  optimizer: AdamConfig.prefault({ learningRate: 1e-3, maxGradNorm: 1 }),
});
export type SftRunConfig = z.infer<typeof SftRunConfig>;
export type SftRunConfigInput = z.input<typeof SftRunConfig>;

/** How the policy samples the G responses of a GRPO batch. */
export const RolloutSampling = z.strictObject({
  temperature: z.number().positive().default(1),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().nonnegative().default(0),
  maxTokens: z.number().int().positive().default(256),
});
export type RolloutSampling = z.infer<typeof RolloutSampling>;

/** GRPO: `grpo` is a GrpoConfig, or `{ preset, ...overrides }`. */
export const GrpoRunConfig = z.strictObject({
  ...RunBasics,
  steps: RunBasics.steps.default(20),
  grpo: GrpoConfigField,
  sampling: RolloutSampling.prefault({}),
});
export type GrpoRunConfig = z.infer<typeof GrpoRunConfig>;
export type GrpoRunConfigInput = z.input<typeof GrpoRunConfig>;
