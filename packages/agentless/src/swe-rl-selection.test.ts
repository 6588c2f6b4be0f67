import { describe, expect, it } from "vitest";
import { type SelectionCandidate, selectSweRl } from "./swe-rl-selection.js";

const c = (
  sample: number,
  normalizedKey: string,
  passedTests: number[] | null,
  regressions: number | null = 0,
): SelectionCandidate => ({ sample, normalizedKey, passedTests, regressions });

describe("selectSweRl: |P|·|T|² groups, then a majority vote (hand-computed cases)", () => {
  it("a lone patch passing two tests (1·2² = 4) beats two copies passing one (2·1² = 2)", () => {
    const d = selectSweRl([c(0, "A", [1]), c(1, "A", [1]), c(2, "B", [1, 2]), c(3, "C", []), c(4, "C", [])]);
    expect(d.groups).toEqual([
      { tests: [1], samples: [0, 1], score: 2 },
      { tests: [1, 2], samples: [2], score: 4 },
      { tests: [], samples: [3, 4], score: 0 },
    ]);
    // no regressions anywhere: regression keeps all, reproduction then keeps the group of score 4
    expect(d).toMatchObject({
      chosen: 2,
      filter: "regression+reproduction",
      decidedBy: "regression+reproduction",
    });
  });

  it("groups tied on |P|·|T|² are both kept and the vote decides: T={1} with |P|=4 (4) ties T={1,2} with |P|=1 (4)", () => {
    const d = selectSweRl([
      c(0, "D", [1]),
      c(1, "A", [1]),
      c(2, "A", [1]),
      c(3, "A", [1]),
      c(4, "B", [2, 1]),
      c(5, "E", []),
    ]);
    expect(d.groups.map((g) => g.score)).toEqual([4, 4, 0]);
    // the pool is samples 0-4 (E dropped); A has 3 votes there
    expect(d).toMatchObject({ chosen: 1, filter: "regression+reproduction", decidedBy: "majority" });
  });

  it("regressions first: the fewest failing regression tests, then the best group among those", () => {
    // reproduction alone would take sample 0 (1·3² = 9), but it breaks two regression tests
    const d = selectSweRl([c(0, "A", [1, 2, 3], 2), c(1, "B", [1], 0), c(2, "C", [], 0)]);
    expect(d).toMatchObject({ chosen: 1, filter: "regression+reproduction" });
    expect(d.scores).toEqual([
      { sample: 0, regressions: 2, reproductionPasses: 3, votes: 1 },
      { sample: 1, regressions: 0, reproductionPasses: 1, votes: 1 },
      { sample: 2, regressions: 0, reproductionPasses: 0, votes: 1 },
    ]);
  });

  it("without tests the vote alone decides; a tied vote goes to the patch drawn first; empty patches never count", () => {
    expect(selectSweRl([c(0, "A", null, null), c(1, "B", null, null), c(2, "B", null, null)])).toMatchObject({
      chosen: 1,
      filter: "none",
      decidedBy: "majority",
    });
    expect(selectSweRl([c(0, "", null), c(1, "A", null), c(2, "B", null)])).toMatchObject({
      chosen: 1,
      decidedBy: "earliest",
    });
    expect(selectSweRl([c(0, "A", [1]), c(1, "A", [])])).toMatchObject({
      chosen: 0,
      decidedBy: "only-candidate",
    });
    expect(selectSweRl([c(0, "", null)])).toMatchObject({ chosen: null, decidedBy: "all-empty" });
  });
});
