import { z } from "zod";
import { TrainerConfigError } from "./errors.js";

/** How per-token losses become one scalar. */
export const LossAggregation = z.enum([
  /** Sum over every response token of the batch / number of those tokens (DAPO). */
  "token-mean",
  /** Mean over sequences of each sequence's token mean (GRPO as in DeepSeekMath and SWE-RL). */
  "sequence-mean",
  /** Sum over every token / (sequences x constantNormalizer) (Dr. GRPO: no length bias). */
  "constant",
]);
export type LossAggregation = z.infer<typeof LossAggregation>;

/** How a group's rewards become advantages. */
export const AdvantageEstimator = z.enum([
  /** (r - mean) / (std + eps) within the group. */
  "grpo",
  /** r - mean within the group, no std scaling (Dr. GRPO). */
  "dr-grpo",
]);
export type AdvantageEstimator = z.infer<typeof AdvantageEstimator>;

export const AdamConfig = z.strictObject({
  name: z.literal("adam").default("adam"),
  learningRate: z.number().positive().default(1e-6),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  /** Decoupled (AdamW) weight decay; 0 is plain Adam. */
  weightDecay: z.number().min(0).default(0),
  /** Global gradient-norm clip; 0 disables it. */
  maxGradNorm: z.number().min(0).default(1),
});
export type AdamConfig = z.infer<typeof AdamConfig>;

/** Every GRPO option. Defaults are the SWE-RL paper's setting (see `paperPreset`). */
export const GrpoConfig = z.strictObject({
  /** Prompts (instances) sampled per optimisation batch. */
  promptsPerBatch: z.number().int().positive().default(32),
  /** Samples per prompt (G). */
  rolloutsPerPrompt: z.number().int().min(2).default(16),
  /** Optimizer steps taken on each sampled batch (the paper: 1, i.e. fully on-policy). */
  optimizerStepsPerBatch: z.number().int().positive().default(1),
  advantage: AdvantageEstimator.default("grpo"),
  /** Std of the group: "unbiased" divides by G-1 (torch.std's default), "population" by G. */
  stdEstimator: z.enum(["unbiased", "population"]).default("unbiased"),
  advantageEpsilon: z.number().min(0).default(1e-6),
  /** Lower clip: ratio is clipped below at 1 - epsLow. */
  epsLow: z.number().min(0).lt(1).default(0.2),
  /** Upper clip: ratio is clipped above at 1 + epsHigh (DAPO's clip-higher when > epsLow). */
  epsHigh: z.number().min(0).default(0.2),
  /** Coefficient of the k3 KL estimate to the frozen reference policy; 0 disables the reference. */
  klBeta: z.number().min(0).default(0.04),
  aggregation: LossAggregation.default("sequence-mean"),
  /** Token budget used by the "constant" aggregation (Dr. GRPO's MAX_TOKENS). */
  constantNormalizer: z.number().int().positive().default(4096),
  /** Groups whose rewards are all equal carry no signal: "drop" them or "keep" them (advantages 0). */
  equalRewardGroups: z.enum(["drop", "keep"]).default("keep"),
  /** Cap C of truncated importance sampling min(pi_old / pi_rollout, C); absent disables it. */
  truncatedIsCap: z.number().positive().optional(),
  optimizer: AdamConfig.prefault({}),
});
export type GrpoConfig = z.infer<typeof GrpoConfig>;
export type GrpoConfigInput = z.input<typeof GrpoConfig>;

/**
 * The SWE-RL paper's setting: 32 instances x 16 rollouts per step, one optimizer step per batch,
 * Adam at 1e-6, GRPO advantages with std scaling and per-sequence token means.
 */
export const paperPreset: GrpoConfig = GrpoConfig.parse({});

/** Named presets; a config file may say `"preset": "<name>"` and override single keys. */
export const grpoPresets = {
  paper: paperPreset,
  /** Dr. GRPO: no std scaling, constant normalisation, no KL. */
  "dr-grpo": GrpoConfig.parse({ advantage: "dr-grpo", aggregation: "constant", klBeta: 0 }),
  /** DAPO-style: clip-higher, token-level mean, equal-reward groups dropped, no KL. */
  dapo: GrpoConfig.parse({ epsHigh: 0.28, aggregation: "token-mean", equalRewardGroups: "drop", klBeta: 0 }),
} as const satisfies Record<string, GrpoConfig>;
export type GrpoPresetName = keyof typeof grpoPresets;

/** Validates `input` (optionally `{ preset, ...overrides }`), naming `source` and the bad key on failure. */
export function parseGrpoConfig(input: unknown, source = "GRPO config"): GrpoConfig {
  let raw = input;
  if (raw !== null && typeof raw === "object" && "preset" in raw) {
    const { preset, ...overrides } = raw as { preset: unknown } & Record<string, unknown>;
    if (typeof preset !== "string" || !(preset in grpoPresets)) {
      throw new TrainerConfigError(
        source,
        "preset",
        `unknown preset ${JSON.stringify(preset)}; expected one of ${Object.keys(grpoPresets).join(", ")}`,
      );
    }
    const base = grpoPresets[preset as GrpoPresetName];
    const optimizer = { ...base.optimizer, ...((overrides.optimizer as object | undefined) ?? {}) };
    raw = { ...base, ...overrides, optimizer };
  }
  const result = GrpoConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TrainerConfigError(source, issue?.path.join(".") ?? "", issue?.message ?? "invalid");
  }
  return result.data;
}

/** A run config's `grpo` field: a GrpoConfig, or `{ preset, ...overrides }` (default: the paper preset). */
export const GrpoConfigField = z
  .unknown()
  .default({ preset: "paper" })
  .transform((value, ctx) => {
    try {
      return parseGrpoConfig(value, "grpo");
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
