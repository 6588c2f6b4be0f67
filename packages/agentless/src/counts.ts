import { z } from "zod";
import type { InstanceStages } from "./records.js";
import { RepairStatus } from "./repair.js";

/** Candidate counts per stage over all instances (`summary.json`). */
export const AgentlessCounts = z.object({
  instances: z.number().int(),
  localize: z.object({
    samples: z.number().int(),
    /** Instances whose localization kept at least one real file. */
    localized: z.number().int(),
    files: z.number().int(),
  }),
  repair: z.object({
    samples: z.number().int(),
    byStatus: z.record(RepairStatus, z.number().int()),
    nonEmpty: z.number().int(),
    /** Distinct candidates after normalization, summed over instances. */
    unique: z.number().int(),
    instancesWithCandidates: z.number().int(),
  }),
  reproduce: z.object({
    samples: z.number().int(),
    extracted: z.number().int(),
    reproducing: z.number().int(),
    instancesWithTest: z.number().int(),
  }),
  regression: z.object({
    instancesTested: z.number().int(),
    candidatesTested: z.number().int(),
    withoutRegressions: z.number().int(),
  }),
  rerank: z.object({
    predictions: z.number().int(),
    nonEmpty: z.number().int(),
    decidedBy: z.record(z.string(), z.number().int()),
  }),
});
export type AgentlessCounts = z.infer<typeof AgentlessCounts>;

export function countStatuses(statuses: readonly RepairStatus[]): Record<RepairStatus, number> {
  const counts = Object.fromEntries(RepairStatus.options.map((s) => [s, 0])) as Record<RepairStatus, number>;
  for (const status of statuses) counts[status] += 1;
  return counts;
}

/** Totals over instances of what each stage produced. */
export function countCandidates(stages: readonly InstanceStages[]): AgentlessCounts {
  const sum = (f: (s: InstanceStages) => number) => stages.reduce((a, s) => a + f(s), 0);
  const byStatus = countStatuses([]);
  for (const s of stages)
    for (const status of RepairStatus.options) byStatus[status] += s.repair.byStatus[status] ?? 0;
  const decidedBy: Record<string, number> = {};
  for (const s of stages) decidedBy[s.rerank.decidedBy] = (decidedBy[s.rerank.decidedBy] ?? 0) + 1;
  return {
    instances: stages.length,
    localize: {
      samples: sum((s) => s.localization.samples),
      localized: stages.filter((s) => s.localization.files.length > 0).length,
      files: sum((s) => s.localization.files.length),
    },
    repair: {
      samples: sum((s) => s.repair.samples),
      byStatus,
      nonEmpty: sum((s) => s.repair.nonEmpty),
      unique: sum((s) => s.repair.unique),
      instancesWithCandidates: stages.filter((s) => s.repair.nonEmpty > 0).length,
    },
    reproduce: {
      samples: sum((s) => s.reproduction?.samples ?? 0),
      extracted: sum((s) => s.reproduction?.extracted ?? 0),
      reproducing: sum((s) => s.reproduction?.reproducing ?? 0),
      instancesWithTest: stages.filter((s) => (s.reproduction?.selected.length ?? 0) > 0).length,
    },
    regression: {
      instancesTested: stages.filter((s) => s.regression !== null).length,
      candidatesTested: sum((s) => s.regression?.candidatesTested ?? 0),
      withoutRegressions: sum((s) => s.regression?.withoutRegressions ?? 0),
    },
    rerank: {
      predictions: stages.length,
      nonEmpty: stages.filter((s) => s.rerank.chosen !== null).length,
      decidedBy,
    },
  };
}
