import { describe, expect, it } from "vitest";
import { localizationOutcome, localizationRates, parseLocalizedFiles, patchFiles } from "./localization.js";

const known = ["src/calc/ops.py", "src/calc/parse.py", "src/util/ops.py", "README.py", "setup.py"];

describe("parseLocalizedFiles", () => {
  it("reads a fenced list and keeps only real paths, in order, up to the limit", () => {
    const answer =
      "<think>ops</think><solution>\n```\nsrc/calc/parse.py\nsrc/calc/nothere.py\nsrc/calc/ops.py\nsetup.py\n```\n</solution>";
    expect(parseLocalizedFiles(answer, known, 2)).toEqual(["src/calc/parse.py", "src/calc/ops.py"]);
  });

  it("accepts bullets, numbering, backticks, prefixes and sentences", () => {
    const answer =
      "I would edit:\n1. `./src/calc/parse.py`\n- b/setup.py,\n* the file src/calc/parse.py again.";
    expect(parseLocalizedFiles(answer, known, 5)).toEqual(["src/calc/parse.py", "setup.py"]);
  });

  it("resolves a bare file name only when one real path ends with it", () => {
    expect(parseLocalizedFiles("parse.py", known, 5)).toEqual(["src/calc/parse.py"]);
    expect(parseLocalizedFiles("ops.py", known, 5)).toEqual([]);
    expect(parseLocalizedFiles("calc/ops.py", known, 5)).toEqual(["src/calc/ops.py"]);
  });
});

describe("localization measures", () => {
  it("reads the files a diff edits", () => {
    const patch =
      "diff --git a/src/calc/ops.py b/src/calc/ops.py\n--- a/src/calc/ops.py\n+++ b/src/calc/ops.py\n@@ -1 +1 @@\n-a\n+b\n" +
      "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x\n";
    expect(patchFiles(patch)).toEqual(["src/calc/ops.py", "new.py"]);
    expect(patchFiles("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n")).toEqual(["x.py"]);
  });

  it("classifies all / any / none and aggregates rates", () => {
    expect(localizationOutcome(["a", "b"], ["a", "b"])).toBe("all");
    expect(localizationOutcome(["a"], ["a", "b"])).toBe("any");
    expect(localizationOutcome(["c"], ["a"])).toBe("none");
    expect(localizationOutcome([], [])).toBe("none");
    expect(localizationRates(["all", "any", "none", "all"])).toEqual({
      instances: 4,
      allFound: 2,
      anyFound: 3,
      noneFound: 1,
    });
  });
});
