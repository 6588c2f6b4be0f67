/**
 * The SWE-RL paper's patch selection (facebookresearch/swe-rl `src/swerl/agentless_mini/rerank.py`,
 * `majority_voting`), re-implemented from its documented behaviour: candidates with an empty normalized
 * patch are dropped; by regression, the candidates with the fewest failing regression tests are kept; by
 * reproduction, candidates are grouped by the exact set T of reproduction tests they pass and the groups P
 * with the largest |P|·|T|² are kept. The first of (regression then reproduction, reproduction then
 * regression, reproduction alone, regression alone) that keeps some but not all candidates is used (none:
 * all candidates), and a majority vote over normalized patches picks among what is left, ties going to the
 * patch drawn first.
 */

export interface SelectionCandidate {
  /** Sample index (the order the repairs were drawn in). */
  sample: number;
  /** The patch's meaning; empty for an empty candidate. */
  normalizedKey: string;
  /** Failing regression tests; null when regression tests were not run (counts as 0). */
  regressions: number | null;
  /** The reproduction tests (by id) the candidate passes; null when none were run (the empty set). */
  passedTests: readonly number[] | null;
}

/** Which filter narrowed the candidates before the vote. */
export type SelectionFilter =
  | "regression+reproduction"
  | "reproduction+regression"
  | "reproduction"
  | "regression"
  | "none";

export interface SweRlDecision {
  chosen: number | null;
  /**
   * What separated the chosen patch: `all-empty`, `only-candidate` (one distinct patch), the filter that
   * left one distinct patch, `majority` (the vote), or `earliest` (a tied vote, the first drawn).
   */
  decidedBy: string;
  filter: SelectionFilter;
  /** The reproduction groups: tests passed (T), candidates (P) and |P|·|T|². */
  groups: Array<{ tests: number[]; samples: number[]; score: number }>;
  /** Per non-empty candidate: regressions, reproduction passes, votes among all non-empty candidates. */
  scores: Array<{ sample: number; regressions: number; reproductionPasses: number; votes: number }>;
}

const testsKey = (tests: readonly number[]) => JSON.stringify([...new Set(tests)].sort((a, b) => a - b));

export function selectSweRl(candidates: readonly SelectionCandidate[]): SweRlDecision {
  const live = candidates.filter((c) => c.normalizedKey.trim() !== "");
  const groupsOf = (pool: readonly SelectionCandidate[]) => {
    const groups = new Map<string, SelectionCandidate[]>();
    for (const c of pool) {
      const key = testsKey(c.passedTests ?? []);
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    return [...groups.entries()].map(([key, members]) => {
      const tests = JSON.parse(key) as number[];
      return { tests, members, score: tests.length * tests.length * members.length };
    });
  };
  const byRegression = (pool: readonly SelectionCandidate[]) => {
    if (pool.length === 0) return [];
    const fewest = Math.min(...pool.map((c) => c.regressions ?? 0));
    return pool.filter((c) => (c.regressions ?? 0) === fewest);
  };
  const byReproduction = (pool: readonly SelectionCandidate[]) => {
    if (pool.length === 0) return [];
    const groups = groupsOf(pool);
    const best = Math.max(...groups.map((g) => g.score));
    return groups.filter((g) => g.score === best).flatMap((g) => g.members);
  };
  const groups = groupsOf(live).map((g) => ({
    tests: g.tests,
    samples: g.members.map((c) => c.sample),
    score: g.score,
  }));
  const allVotes = new Map<string, number>();
  for (const c of live) allVotes.set(c.normalizedKey, (allVotes.get(c.normalizedKey) ?? 0) + 1);
  const scores = live.map((c) => ({
    sample: c.sample,
    regressions: c.regressions ?? 0,
    reproductionPasses: new Set(c.passedTests ?? []).size,
    votes: allVotes.get(c.normalizedKey)!,
  }));
  if (live.length === 0) return { chosen: null, decidedBy: "all-empty", filter: "none", groups, scores };
  const regressionOnly = byRegression(live);
  const reproductionOnly = byReproduction(live);
  const considered: Array<[SelectionFilter, SelectionCandidate[]]> = [
    ["regression+reproduction", byReproduction(regressionOnly)],
    ["reproduction+regression", byRegression(reproductionOnly)],
    ["reproduction", reproductionOnly],
    ["regression", regressionOnly],
  ];
  const [filter, pool] = considered.find(([, ids]) => ids.length > 0 && ids.length !== live.length) ?? [
    "none" as const,
    live,
  ];
  // majority vote over normalized patches within the pool; ties to the patch whose first copy came first
  const votes = new Map<string, number>();
  const first = new Map<string, number>();
  for (const c of pool) {
    votes.set(c.normalizedKey, (votes.get(c.normalizedKey) ?? 0) + 1);
    if (!first.has(c.normalizedKey)) first.set(c.normalizedKey, c.sample);
  }
  let chosen = pool[0]!;
  for (const c of pool) {
    const better =
      votes.get(c.normalizedKey)! > votes.get(chosen.normalizedKey)! ||
      (votes.get(c.normalizedKey) === votes.get(chosen.normalizedKey) &&
        first.get(c.normalizedKey)! < first.get(chosen.normalizedKey)!);
    if (better) chosen = c;
  }
  const distinct = (p: readonly SelectionCandidate[]) => new Set(p.map((c) => c.normalizedKey)).size;
  const topVotes = [...votes.values()].filter((v) => v === votes.get(chosen.normalizedKey)!).length;
  const decidedBy =
    distinct(live) === 1
      ? "only-candidate"
      : distinct(pool) === 1
        ? filter
        : topVotes > 1
          ? "earliest"
          : "majority";
  return { chosen: chosen.sample, decidedBy, filter, groups, scores };
}
