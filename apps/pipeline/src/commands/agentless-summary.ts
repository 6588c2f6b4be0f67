import type { AgentlessCounts, LocalizationRates } from "@swerl/agentless";

export const percent = (part: number, whole: number) =>
  whole === 0 ? "0.0%" : `${((100 * part) / whole).toFixed(1)}%`;

/** One line per stage: localization rates, then what each later stage produced. */
export function formatAgentlessSummary(rates: LocalizationRates, counts: AgentlessCounts): string {
  const n = rates.instances;
  const rules = Object.entries(counts.rerank.decidedBy)
    .map(([rule, k]) => `${rule} ${k}`)
    .join(", ");
  return [
    `localize: ${n} instances, all gold files found ${rates.allFound} (${percent(rates.allFound, n)}), any ${rates.anyFound} (${percent(rates.anyFound, n)}), none ${rates.noneFound} (${percent(rates.noneFound, n)}); ${counts.localize.samples} samples`,
    `repair: ${counts.repair.samples} samples, ${counts.repair.nonEmpty} non-empty, ${counts.repair.unique} distinct, ${counts.repair.instancesWithCandidates} instances with a candidate; ${Object.entries(
      counts.repair.byStatus,
    )
      .filter(([, k]) => k > 0)
      .map(([status, k]) => `${status} ${k}`)
      .join(", ")}`,
    `reproduce: ${counts.reproduce.samples} tests sampled, ${counts.reproduce.extracted} extracted, ${counts.reproduce.reproducing} reproducing on the original code, ${counts.reproduce.instancesWithTest} instances with a selected test`,
    `regression: ${counts.regression.candidatesTested} candidates tested on ${counts.regression.instancesTested} instances, ${counts.regression.withoutRegressions} without regressions`,
    `rerank: ${counts.rerank.predictions} predictions, ${counts.rerank.nonEmpty} non-empty${rules ? ` (decided by ${rules})` : ""}`,
  ].join("\n");
}
