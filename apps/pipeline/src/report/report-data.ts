import { EvaluationReport, TrainingMetricsRow } from "@swerl/schema";
import { HeldoutRow } from "@swerl/trainer";
import { z } from "zod";

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
});
export type ReportData = z.infer<typeof ReportData>;
