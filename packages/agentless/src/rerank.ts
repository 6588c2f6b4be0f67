import { z } from "zod";

/** One repair candidate with what the test stages learned about it. */
export const RepairCandidate = z.object({
  /** Sample index (the order the repairs were drawn in). */
  sample: z.number().int().nonnegative(),
  /** The candidate as a git-style diff; empty when it did not parse, apply or keep valid syntax. */
  patch: z.string(),
  /** The patch's meaning: changed files' normalized contents, equal for patches that differ only in layout/comments. */
  normalizedKey: z.string(),
  /** Regression-suite tests broken by the candidate; null when regression tests were not run. */
  regressions: z.number().int().nonnegative().nullable(),
  /** Selected reproduction tests that say "resolved" with the candidate; null when none were run. */
  reproductionPasses: z.number().int().nonnegative().nullable(),
});
export type RepairCandidate = z.infer<typeof RepairCandidate>;

export interface RerankDecision {
  /** The chosen candidate's sample, or null when every candidate is empty. */
  chosen: number | null;
  /** Why: the rule that separated the chosen candidate from the rest. */
  decidedBy: "only-candidate" | "regressions" | "reproduction" | "majority" | "earliest" | "all-empty";
  /** What each non-empty candidate scored on each rule. */
  scores: Array<{ sample: number; regressions: number; reproductionPasses: number; votes: number }>;
}

/**
 * Agentless reranking: drop empty candidates; prefer the fewest regressions; then the most reproduction
 * tests passing; then the largest group of candidates with the same normalized patch (majority vote);
 * then the earliest sample.
 */
export function rerankCandidates(candidates: readonly RepairCandidate[]): RerankDecision {
  const live = candidates.filter((c) => c.patch.trim() !== "");
  if (live.length === 0) return { chosen: null, decidedBy: "all-empty", scores: [] };
  const votes = new Map<string, number>();
  for (const c of live) votes.set(c.normalizedKey, (votes.get(c.normalizedKey) ?? 0) + 1);
  const scores = live.map((c) => ({
    sample: c.sample,
    regressions: c.regressions ?? 0,
    reproductionPasses: c.reproductionPasses ?? 0,
    votes: votes.get(c.normalizedKey)!,
  }));
  const keys: Array<(s: (typeof scores)[number]) => number> = [
    (s) => s.regressions,
    (s) => -s.reproductionPasses,
    (s) => -s.votes,
    (s) => s.sample,
  ];
  const rules = ["regressions", "reproduction", "majority", "earliest"] as const;
  let pool = scores;
  const keyOf = new Map(live.map((c) => [c.sample, c.normalizedKey]));
  const distinct = (p: typeof scores) => new Set(p.map((s) => keyOf.get(s.sample))).size;
  // The deciding rule is the last one that removed a candidate before only copies of one patch were
  // left (the earliest copy is then taken); copies of one patch from the start are the only candidate.
  let decidedBy: RerankDecision["decidedBy"] = distinct(scores) === 1 ? "only-candidate" : "earliest";
  for (const [i, key] of keys.entries()) {
    if (distinct(pool) === 1) {
      pool = [...pool].sort((a, b) => a.sample - b.sample);
      break;
    }
    const best = Math.min(...pool.map(key));
    const next = pool.filter((s) => key(s) === best);
    if (next.length < pool.length && i < 3) decidedBy = rules[i]!;
    pool = next;
  }
  return { chosen: pool[0]!.sample, decidedBy, scores };
}
