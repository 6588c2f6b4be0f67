import type { EvaluationReport, Prediction } from "@swerl/schema";

export interface RunReportInput {
  /** Instance ids of the dataset after selection, in any order. */
  selectedIds: readonly string[];
  /** Every submitted prediction, by instance id (selected or not). */
  predictions: ReadonlyMap<string, Prediction>;
  /** Whether each instance with a report.json was resolved; instances run without one were errors. */
  resolved: ReadonlyMap<string, boolean>;
  /** v5.0.2 shape: instances that failed for infrastructure reasons, ambiguous ones, and each one's reason. */
  v5?: {
    infraFailureIds: readonly string[];
    ambiguousFailureIds: readonly string[];
    failureReasons: Readonly<Record<string, string>>;
  };
}

/**
 * The run report as the official harness computes it: each selected instance is incomplete (no
 * prediction), empty (empty patch), completed (has a report: resolved or not) or an error (no report).
 */
export function buildRunReport(input: RunReportInput): EvaluationReport {
  const completed: string[] = [];
  const incomplete: string[] = [];
  const empty: string[] = [];
  const resolved: string[] = [];
  const unresolved: string[] = [];
  const errors: string[] = [];
  for (const id of input.selectedIds) {
    const prediction = input.predictions.get(id);
    if (!prediction) {
      incomplete.push(id);
      continue;
    }
    if (prediction.model_patch === null || prediction.model_patch === "") {
      empty.push(id);
      continue;
    }
    const outcome = input.resolved.get(id);
    if (input.v5?.infraFailureIds.includes(id)) continue;
    if (outcome === undefined) {
      errors.push(id);
      continue;
    }
    completed.push(id);
    (outcome ? resolved : unresolved).push(id);
  }
  const sorted = (ids: readonly string[]) => [...ids].sort();
  const counts = {
    total_instances: input.selectedIds.length,
    submitted_instances: input.predictions.size,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: unresolved.length,
  };
  // the v5.0.2 fields, filtered to the selected instances; the key order is the official report's
  const selected = new Set(input.selectedIds);
  const v5 = input.v5 && {
    infra: sorted(input.v5.infraFailureIds.filter((id) => selected.has(id))),
    ambiguous: sorted(input.v5.ambiguousFailureIds.filter((id) => selected.has(id))),
    reasons: Object.fromEntries(
      Object.entries(input.v5.failureReasons)
        .filter(([id]) => selected.has(id))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
  return {
    ...counts,
    ...(v5 && { infra_failure_instances: v5.infra.length, ambiguous_failure_instances: v5.ambiguous.length }),
    empty_patch_instances: empty.length,
    error_instances: errors.length,
    completed_ids: sorted(completed),
    incomplete_ids: sorted(incomplete),
    empty_patch_ids: sorted(empty),
    submitted_ids: sorted([...input.predictions.keys()]),
    resolved_ids: sorted(resolved),
    unresolved_ids: sorted(unresolved),
    ...(v5 && {
      infra_failure_ids: v5.infra,
      ambiguous_failure_ids: v5.ambiguous,
      failure_reasons: v5.reasons,
    }),
    error_ids: sorted(errors),
    schema_version: 2,
  };
}
