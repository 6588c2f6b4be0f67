import { describe, expect, it } from "vitest";
import { countRegressions, passingTests } from "./regression.js";
import { extractTestScript, reproductionVerdict, selectReproductionTests } from "./reproduction.js";
import { type RepairCandidate, rerankCandidates } from "./rerank.js";

describe("reproduction tests", () => {
  it("reads the last verdict line; none printed means other", () => {
    expect(reproductionVerdict("setup\nIssue reproduced\n")).toBe("reproduced");
    expect(reproductionVerdict("Issue reproduced\nIssue resolved\n")).toBe("resolved");
    expect(reproductionVerdict("Traceback (most recent call last):\n  ...\nZeroDivisionError")).toBe("other");
    expect(reproductionVerdict("  Issue resolved  \r\n")).toBe("resolved");
  });

  it("extracts the last python block of the answer", () => {
    const answer =
      "<think>x</think><solution>\n```python\nprint(1)\n```\ntext\n```python\nprint(2)\n```\n</solution>";
    expect(extractTestScript(answer)).toBe("print(2)\n");
    expect(extractTestScript("no code")).toBeNull();
  });

  it("keeps tests that reproduce on the original code and picks the most agreed-upon", () => {
    const tests = [
      { sample: 0, normalized: "A", onOriginal: "reproduced" as const },
      { sample: 1, normalized: "B", onOriginal: "reproduced" as const },
      { sample: 2, normalized: "B", onOriginal: "reproduced" as const },
      { sample: 3, normalized: "C", onOriginal: "resolved" as const },
      { sample: 4, normalized: "C", onOriginal: "resolved" as const },
      { sample: 5, normalized: "C", onOriginal: "other" as const },
    ];
    expect(selectReproductionTests(tests)).toEqual([1]);
    expect(selectReproductionTests(tests, 2)).toEqual([1, 0]);
    expect(selectReproductionTests(tests.filter((t) => t.onOriginal !== "reproduced"))).toEqual([]);
  });
});

describe("regression tests", () => {
  it("uses the tests passing on the original code and counts what a candidate breaks", () => {
    const suite = passingTests({ t1: "PASSED", t2: "FAILED", t3: "XFAIL", t4: "SKIPPED" });
    expect(suite).toEqual(["t1", "t3"]);
    expect(countRegressions(suite, { t1: "PASSED", t3: "XFAIL" })).toBe(0);
    expect(countRegressions(suite, { t1: "FAILED" })).toBe(2);
  });
});

describe("rerankCandidates", () => {
  const c = (
    sample: number,
    key: string,
    regressions: number | null,
    repro: number | null,
    patch = `p${key}`,
  ) =>
    ({ sample, patch, normalizedKey: key, regressions, reproductionPasses: repro }) satisfies RepairCandidate;

  it("prefers the fewest regressions first", () => {
    const d = rerankCandidates([c(0, "A", 2, 3), c(1, "B", 0, 0), c(2, "A", 2, 3)]);
    expect(d).toMatchObject({ chosen: 1, decidedBy: "regressions" });
  });

  it("then the most reproduction tests passing", () => {
    expect(rerankCandidates([c(0, "A", 0, 0), c(1, "B", 0, 1), c(2, "A", 0, 0)])).toMatchObject({
      chosen: 1,
      decidedBy: "reproduction",
    });
  });

  it("then the majority of equal normalized patches, then the earliest sample", () => {
    expect(rerankCandidates([c(0, "A", 0, 1), c(1, "B", 0, 1), c(2, "B", 0, 1)])).toMatchObject({
      chosen: 1,
      decidedBy: "majority",
    });
    expect(rerankCandidates([c(3, "A", 1, 0), c(1, "B", 1, 0)])).toMatchObject({
      chosen: 1,
      decidedBy: "earliest",
    });
  });

  it("calls copies of one patch the only candidate and takes the earliest copy", () => {
    expect(rerankCandidates([c(2, "A", 1, 0), c(0, "A", 1, 0), c(1, "E", 0, 0, "")])).toMatchObject({
      chosen: 0,
      decidedBy: "only-candidate",
    });
    // once a rule leaves only copies of one patch, that rule decided
    expect(rerankCandidates([c(0, "B", 1, 0), c(3, "A", 0, 0), c(2, "A", 0, 0)])).toMatchObject({
      chosen: 2,
      decidedBy: "regressions",
    });
  });

  it("ignores empty candidates and says when all are empty", () => {
    expect(rerankCandidates([c(0, "E", 0, 5, ""), c(1, "B", 3, 0)])).toMatchObject({
      chosen: 1,
      decidedBy: "only-candidate",
    });
    expect(rerankCandidates([c(0, "E", 0, 0, " \n")])).toEqual({
      chosen: null,
      decidedBy: "all-empty",
      scores: [],
    });
  });
});
