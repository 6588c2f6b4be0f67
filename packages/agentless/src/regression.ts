/** Per-test statuses as the log parsers report them (PASSED, FAILED, ERROR, SKIPPED, XFAIL). */
export type TestStatusMap = Readonly<Record<string, string>>;

const PASSING = new Set(["PASSED", "XFAIL"]);

/** The tests that pass on the original code: the regression suite for candidate patches. */
export function passingTests(statuses: TestStatusMap): string[] {
  return Object.entries(statuses)
    .filter(([, status]) => PASSING.has(status))
    .map(([name]) => name)
    .sort();
}

/** How many of the regression suite's tests no longer pass with a candidate (missing counts as failing). */
export function countRegressions(regressionSuite: readonly string[], candidate: TestStatusMap): number {
  return regressionSuite.filter((name) => !PASSING.has(candidate[name] ?? "FAILED")).length;
}

/** The regression suite's tests that no longer pass with a candidate (missing counts as failing). */
export function failingTests(regressionSuite: readonly string[], candidate: TestStatusMap): string[] {
  return regressionSuite.filter((name) => !PASSING.has(candidate[name] ?? "FAILED"));
}
