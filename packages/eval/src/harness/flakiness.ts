import type { InstanceOutcome } from "./evaluate-instance.js";

/** An instance whose repeated evaluations disagreed. */
export interface FlakyInstance {
  instance_id: string;
  /** The verdict of each attempt, in order. */
  verdicts: string[];
  /** Tests whose outcome (success/failure under FAIL_TO_PASS/PASS_TO_PASS...) changed between attempts. */
  tests: string[];
}

type TestOutcomes = Map<string, string>;

function testOutcomes(outcome: InstanceOutcome): TestOutcomes {
  const map: TestOutcomes = new Map();
  const status = outcome.report?.tests_status;
  if (status) {
    // the instance's own tests; FAIL_TO_FAIL/PASS_TO_FAIL hold whatever else the parser saw
    for (const kind of ["FAIL_TO_PASS", "PASS_TO_PASS"] as const) {
      const lists = status[kind];
      for (const name of lists.success) map.set(name, `${kind}:success`);
      for (const name of lists.failure) map.set(name, `${kind}:failure`);
    }
  }
  // ungraded attempts (errors) are compared by their raw statuses
  if (!status) for (const [name, value] of Object.entries(outcome.statuses ?? {})) map.set(name, value);
  return map;
}

/** Compares the attempts of each instance: the verdict, then each graded test's outcome. */
export function findFlaky(attempts: ReadonlyMap<string, readonly InstanceOutcome[]>): FlakyInstance[] {
  const flaky: FlakyInstance[] = [];
  for (const [id, outcomes] of [...attempts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (outcomes.length < 2) continue;
    const verdicts = outcomes.map((o) => o.status);
    const maps = outcomes.map(testOutcomes);
    const names = new Set(maps.flatMap((m) => [...m.keys()]));
    const tests = [...names]
      .filter((name) => new Set(maps.map((m) => m.get(name) ?? "missing")).size > 1)
      .sort();
    if (new Set(verdicts).size > 1 || tests.length > 0) flaky.push({ instance_id: id, verdicts, tests });
  }
  return flaky;
}
