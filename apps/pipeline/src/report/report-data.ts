import { EvaluationReport, TrainingMetricsRow } from "@swerl/schema";
import { HeldoutRow } from "@swerl/trainer";
import { z } from "zod";
import { LeakageCheck } from "./leakage.js";

/** One policy's row of the phase table: the same held-out instances and tasks for every phase. */
export const PhaseRow = z.object({
  phase: z.enum(["base", "sft", "grpo"]),
  /** Greedy SWE-RL reward on the held-out RL instances (never trained on); null: not measured. */
  heldoutReward: z.number().nullable(),
  /** Share of those greedy answers in the SWE-RL format (1 - format-error rate). */
  formatAccuracy: z.number().nullable(),
  heldoutInstances: z.number().int().nullable(),
  /** Held-out tasks the SWE-bench harness resolved with this policy in Agentless Mini; null: not run. */
  resolvedInstances: z.number().int().nullable(),
  totalTasks: z.number().int().nullable(),
});
export type PhaseRow = z.infer<typeof PhaseRow>;

/** The numbers of a run's report; `report.json` holds exactly this, and `report.html` shows it. */
export const ReportData = z.object({
  runId: z.string(),
  generatedAt: z.string(),
  config: z.unknown(),
  stages: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      seconds: z.number().nullable(),
      description: z.string(),
      /** The stage's own numbers (its manifest's summary). */
      summary: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  funnel: z
    .array(z.object({ step: z.string(), count: z.number().int().nonnegative(), note: z.string().optional() }))
    .nullable(),
  training: z.object({
    sft: z.array(TrainingMetricsRow),
    grpo: z.array(TrainingMetricsRow),
    /** Held-out evaluations during training (reward on instances never trained on). */
    heldout: z.array(HeldoutRow),
  }),
  evaluation: z
    .object({
      report: EvaluationReport,
      resolvedRate: z.number(),
      perRepository: z.array(z.object({ repo: z.string(), resolved: z.number(), total: z.number() })),
    })
    .nullable(),
  localization: z
    .object({ instances: z.number(), allFound: z.number(), anyFound: z.number(), noneFound: z.number() })
    .nullable(),
  /** The run's headline figures, flat, for scripts and the README. */
  headline: z.object({
    heldout_reward_base: z.number().nullable(),
    heldout_reward_after_sft: z.number().nullable(),
    heldout_reward_after_grpo: z.number().nullable(),
    /** Tasks the harness resolved with the final (GRPO) policy; null before the eval stage ran. */
    resolved_instances: z.number().int().nullable(),
    total_instances: z.number().int().nullable(),
    /** How Agentless Mini localized: `policy` (the trained model chose the files) or `oracle`. */
    localization: z.enum(["policy", "oracle"]).nullable(),
  }),
  /** Base vs SFT vs GRPO on the same held-out set, as the paper's repair table. */
  phases: z.array(PhaseRow),
  /** Held-out tasks checked against every file the run trained on; null when the run has no tasks yet. */
  leakage: LeakageCheck.nullable(),
});
export type ReportData = z.infer<typeof ReportData>;
