import { z } from "zod";
import type { HarnessVersion, StatusMap } from "../parsers/test-status.js";

export const EvalType = z.enum(["pass_and_fail", "fail_only"]);
export type EvalType = z.infer<typeof EvalType>;

export const ResolutionStatus = z.enum(["RESOLVED_FULL", "RESOLVED_PARTIAL", "RESOLVED_NO"]);
export type ResolutionStatus = z.infer<typeof ResolutionStatus>;

export const Outcome = z.object({ success: z.array(z.string()), failure: z.array(z.string()) });
export type Outcome = z.infer<typeof Outcome>;

/** `tests_status` of an official report.json. */
export const TestsStatus = z.object({
  FAIL_TO_PASS: Outcome,
  PASS_TO_PASS: Outcome,
  FAIL_TO_FAIL: Outcome,
  PASS_TO_FAIL: Outcome,
});
export type TestsStatus = z.infer<typeof TestsStatus>;

export interface GradeOptions {
  harness?: HarnessVersion;
  evalType?: EvalType;
}

/**
 * The status of `name`; for 5.x, a FAIL_TO_PASS/PASS_TO_PASS name cut at the first space of a
 * parametrized id (`test_f[a,` for `test_f[a, b]`) is looked up by that prefix.
 */
function lookup(name: string, map: StatusMap, harness: HarnessVersion): string | undefined {
  const exact = map[name];
  if (exact !== undefined || harness === "v4.0.4") return exact;
  if (!name.includes("[") || name.endsWith("]")) return undefined;
  const key = Object.keys(map).find((candidate) => candidate.startsWith(`${name} `));
  return key === undefined ? undefined : map[key];
}

function classify(
  tests: readonly string[],
  map: StatusMap,
  harness: HarnessVersion,
  evalType: EvalType,
  skippedCounts: "fail" | "pass" | "neither",
): Outcome {
  const outcome: Outcome = { success: [], failure: [] };
  for (const test of tests) {
    const status = lookup(test, map, harness);
    if (evalType === "fail_only") {
      (status === "FAILED" ? outcome.failure : outcome.success).push(test);
    } else if (status === "PASSED" || status === "XFAIL") {
      outcome.success.push(test);
    } else if (status === "SKIPPED") {
      if (skippedCounts === "fail") outcome.failure.push(test);
      else if (skippedCounts === "pass") outcome.success.push(test);
    } else {
      outcome.failure.push(test);
    }
  }
  return outcome;
}

/** FAIL_TO_PASS and PASS_TO_PASS outcomes as the official `get_eval_tests_report` builds them. */
export function gradeTests(
  statusMap: StatusMap,
  expected: { FAIL_TO_PASS: readonly string[]; PASS_TO_PASS: readonly string[] },
  options: GradeOptions = {},
): TestsStatus {
  const harness = options.harness ?? "v4.0.4";
  const evalType = options.evalType ?? "pass_and_fail";
  const v5 = harness === "v5.0.2";
  return {
    FAIL_TO_PASS: classify(expected.FAIL_TO_PASS, statusMap, harness, evalType, v5 ? "fail" : "neither"),
    PASS_TO_PASS: classify(expected.PASS_TO_PASS, statusMap, harness, evalType, v5 ? "pass" : "neither"),
    FAIL_TO_FAIL: { success: [], failure: [] },
    PASS_TO_FAIL: { success: [], failure: [] },
  };
}

function rate(outcome: Outcome): number {
  const total = outcome.success.length + outcome.failure.length;
  return total === 0 ? 1 : outcome.success.length / total;
}

/** FULL when every FAIL_TO_PASS and PASS_TO_PASS test succeeds; PARTIAL when some F2P do and all P2P do. */
export function resolutionStatus(tests: TestsStatus): ResolutionStatus {
  const f2p = rate(tests.FAIL_TO_PASS);
  const p2p = rate(tests.PASS_TO_PASS);
  if (f2p === 1 && p2p === 1) return "RESOLVED_FULL";
  if (f2p > 0 && f2p < 1 && p2p === 1) return "RESOLVED_PARTIAL";
  return "RESOLVED_NO";
}
