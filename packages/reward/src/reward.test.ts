import { RewardResult } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { calculateSearchReplaceReward, changeSimilarity, fileChange, normalizedPatch } from "./reward.js";
import { applySearchReplace, extractThoughtSolution, parseSearchReplace } from "./search-replace.js";
import { SequenceMatcher } from "./sequence-matcher.js";
import { askPython, seededRandom } from "./testing/python-oracle.js";
import { calculateRewardUnidiff, fileLevelDiff } from "./unidiff-reward.js";

const block = (path: string, search: string, replace: string, fence = "python") =>
  `\`\`\`${fence}\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;
const respond = (thought: string, ...blocks: string[]) =>
  `<think>${thought}</think>\n<solution>\n${blocks.join("\n")}\n</solution>`;

const context = { "calc.py": "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n" };
const oracle = { "calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n" };

describe("1. thought and solution", () => {
  it("requires each tag exactly once, checked in order, counted anywhere", () => {
    expect(() => extractThoughtSolution("<solution></solution></think>")).toThrow(
      "count of <think> is not 1",
    );
    expect(() => extractThoughtSolution("<think>a<think></think><solution></solution>")).toThrow(
      "count of <think> is not 1",
    );
    expect(() => extractThoughtSolution("<think>a</think></think><solution></solution>")).toThrow(
      "count of </think> is not 1",
    );
    expect(() => extractThoughtSolution("<think>a</think>")).toThrow("count of <solution> is not 1");
    expect(() => extractThoughtSolution("<think>a</think><solution>")).toThrow(
      "count of </solution> is not 1",
    );
    expect(() => extractThoughtSolution("<think>a</think><solution>```<solution>```</solution>")).toThrow(
      "count of <solution> is not 1",
    );
  });

  it("does not check tag order: the thought runs to the next </think> or to the end", () => {
    expect(extractThoughtSolution("</think><solution>s</solution><think>t")).toEqual({
      thought: "t",
      answer: "s",
    });
    expect(extractThoughtSolution("<solution>s<think>t</solution></think>").thought).toBe("t</solution>");
  });

  it("strips with Python's whitespace set, not JavaScript's", () => {
    expect(extractThoughtSolution("<think>\x1c\x85 t \x1f</think><solution>\n a \n</solution>")).toEqual({
      thought: "t",
      answer: "a",
    });
    expect(extractThoughtSolution("<think>\ufefft</think><solution></solution>").thought).toBe("\ufefft");
  });

  it("rejects an empty thought and lets an empty answer fail at parsing", () => {
    expect(calculateSearchReplaceReward(context, oracle, "<think> \n</think><solution>x</solution>")).toEqual(
      {
        reward: -1,
        error: "Thought is empty",
      },
    );
    expect(calculateSearchReplaceReward(context, oracle, "<think>t</think><solution></solution>")).toEqual({
      reward: -1,
      error: "No valid search blocks found",
    });
  });
});

describe("2. SEARCH/REPLACE parsing", () => {
  it("groups edits by path in order of first appearance, edits in order", () => {
    const answer = [block("b.py", "1", "2"), block("a.py", "x", "y"), block("b.py", "3", "4")].join("\n");
    const edits = parseSearchReplace(answer);
    expect(Object.keys(edits)).toEqual(["b.py", "a.py"]);
    expect(edits["b.py"]).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it("finds nothing in a CRLF response", () => {
    expect(parseSearchReplace(block("a.py", "x", "y").replaceAll("\n", "\r\n"))).toEqual({});
  });

  it("takes paths verbatim, trailing spaces too, and \\r as part of a path (Python's . excludes only \\n)", () => {
    expect(Object.keys(parseSearchReplace(block("a.py  ", "x", "y")))).toEqual(["a.py  "]);
    expect(Object.keys(parseSearchReplace(block("a.py\r", "x", "y")))).toEqual(["a.py\r"]);
    expect(Object.keys(parseSearchReplace(block("a\u2028b.py", "x", "y")))).toEqual(["a\u2028b.py"]);
  });

  it("needs an empty SEARCH written as an empty line", () => {
    expect(parseSearchReplace("```\n### n.py\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n```")).toEqual({});
    expect(parseSearchReplace(block("n.py", "", "x"))).toEqual({ "n.py": [["", "x"]] });
  });
});

describe("3. applying edits", () => {
  it("treats an unknown path as an empty file (new files)", () => {
    expect(applySearchReplace({}, { "new.py": [["", "print('hi')"]] })).toEqual({ "new.py": "print('hi')" });
  });

  it("rejects identical search and replace", () => {
    expect(() => applySearchReplace(context, { "calc.py": [["x", "x"]] })).toThrow(
      "Search and replace blocks are identical",
    );
  });

  it("anchors the search at a line start, and names the prefixed search when it is missing", () => {
    expect(() => applySearchReplace({ "a.py": "xa = 1\n" }, { "a.py": [["a = 1", "a = 2"]] })).toThrow(
      "Search block not found in the code: \na = 1",
    );
    expect(applySearchReplace({ "a.py": "a = 1\n" }, { "a.py": [["a = 1", "a = 2"]] })).toEqual({
      "a.py": "a = 2\n",
    });
  });

  it("replaces every occurrence literally ($& and $1 are not patterns)", () => {
    const result = applySearchReplace({ "a.py": "x\nx\ny\n" }, { "a.py": [["x", "$&$1 x"]] });
    expect(result).toEqual({ "a.py": "$&$1 x\n$&$1 x\ny\n" });
  });

  it("applies edits in order, each seeing the earlier ones, and fails the whole response on one bad edit", () => {
    expect(
      applySearchReplace(
        { "a.py": "a\n" },
        {
          "a.py": [
            ["a", "b"],
            ["b", "c"],
          ],
        },
      ),
    ).toEqual({ "a.py": "c\n" });
    const output = respond(
      "t",
      block("calc.py", "    return a - b", "    return a + b"),
      block("calc.py", "nope", "x"),
    );
    expect(calculateSearchReplaceReward(context, oracle, output)).toEqual({
      reward: -1,
      error: "Search block not found in the code: \nnope",
    });
  });
});

describe("4. per-file change strings", () => {
  it("are difflib hunks without the file headers, joined by newlines", () => {
    expect(fileChange("a\nb\nc\n", "a\nB\nc\n")).toBe("@@ -1,3 +1,3 @@\n a\n-b\n+B\n c");
    expect(fileChange("", "x\n")).toBe("@@ -0,0 +1 @@\n+x");
  });

  it("do not see CRLF versus LF or a trailing newline, and drop files with no change", () => {
    expect(fileChange("a\r\nb\r\n", "a\nb")).toBe("");
    expect(normalizedPatch({ "a.py": "x\n" }, { "a.py": "x", "b.py": "y" })).toEqual({
      "b.py": "@@ -0,0 +1 @@\n+y",
    });
  });

  it("group hunks with line-level autojunk on (200+ lines)", () => {
    const old = Array.from({ length: 240 }, (_, i) => (i % 3 === 0 ? "pass" : `v${i} = ${i}`)).join("\n");
    const next = old.replace("v1 = 1", "v1 = 100").replace("v200 = 200", "v200 = 0");
    const expected = askPython<{ predPatch: Record<string, string> }>([
      {
        kind: "reward",
        context: { "a.py": old },
        oracle: { "a.py": next },
        output: respond("t", block("a.py", "v1 = 1", "v1 = 100"), block("a.py", "v200 = 200", "v200 = 0")),
      },
    ])[0]!;
    expect(normalizedPatch({ "a.py": old }, { "a.py": next })).toEqual(expected.predPatch);
  });
});

describe("5. similarity and reward", () => {
  it("is 1 for the oracle edit and the mean over the union of changed files", () => {
    const right = respond(
      "t",
      block("calc.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b"),
    );
    expect(calculateSearchReplaceReward(context, oracle, right).reward).toBe(1);
    const extra = respond(
      "t",
      block("calc.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b"),
      block("x.py", "", "y = 1"),
    );
    const result = calculateSearchReplaceReward(context, oracle, extra);
    expect(result.reward).toBe(0.5);
    expect(result.similarities?.map((s) => [s.path, s.similarity])).toEqual([
      ["calc.py", 1],
      ["x.py", 0],
    ]);
  });

  it("compares characters with autojunk off, prediction first (order matters), by code point", () => {
    const a = "-x = 1\n+x = 2 🐍";
    const b = "-x = 1\n+x = 22";
    expect(changeSimilarity(a, b)).toBe(new SequenceMatcher(a, b, { autojunk: false }).ratio());
    // CPython: SequenceMatcher(None, "ab ba", "baba").ratio() == 2/3, with the arguments swapped 4/9
    expect(changeSimilarity("ab ba", "baba")).toBe(0.6666666666666666);
    expect(changeSimilarity("baba", "ab ba")).toBe(0.4444444444444444);
    // autojunk would ignore the popular characters of a long change
    const long = `${"x".repeat(300)}y`;
    expect(changeSimilarity(long, long.replace("y", "z"))).toBeGreaterThan(0.99);
  });

  it("derives the oracle's patch once per instance, and again when its inputs change", () => {
    const ctx = { ...context };
    const orc: Record<string, string> = { ...oracle };
    const right = respond(
      "t",
      block("calc.py", "    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub"),
    );
    const first = calculateSearchReplaceReward(ctx, orc, right);
    expect(first.reward).toBe(1);
    // The cached patch is a copy: changing a result does not change the next one.
    first.oraclePatch!["calc.py"] = "changed by the caller";
    expect(calculateSearchReplaceReward(ctx, orc, right)).toEqual({
      ...first,
      oraclePatch: normalizedPatch(context, oracle),
    });
    // A mutated oracle map, or a mutated context, is seen at once.
    orc["calc.py"] = context["calc.py"]!.replace("a - b\n\n", "b - a\n\n");
    expect(calculateSearchReplaceReward(ctx, orc, right).oraclePatch).toEqual(normalizedPatch(ctx, orc));
    ctx["calc.py"] = ctx["calc.py"]!.replace("def add", "def plus");
    expect(calculateSearchReplaceReward(ctx, orc, right).oraclePatch).toEqual(normalizedPatch(ctx, orc));
    orc["new.py"] = "x = 1\n";
    expect(calculateSearchReplaceReward(ctx, orc, right).oraclePatch).toEqual(normalizedPatch(ctx, orc));
  });

  it("is 1 when neither side changed anything", () => {
    const noChange = respond("t", block("a.py", "x\r", "x"));
    expect(
      calculateSearchReplaceReward({ "a.py": "x\r\ny\n" }, { "a.py": "x\ny\n" }, noChange),
    ).toMatchObject({
      reward: 1,
      similarities: [],
    });
  });
});

describe("differential: the whole reward equals a CPython reference", () => {
  it("on generated responses (right, partial, wrong, malformed)", () => {
    const rand = seededRandom(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const pool = [
      "import os",
      "def f(x):",
      "    return x",
      "    x += 1",
      "",
      "class K:",
      "    pass",
      "# note 🐍",
      "value = 3",
    ];
    const cases = [];
    for (let k = 0; k < 300; k++) {
      const files: Record<string, string> = {};
      const nFiles = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < nFiles; f++) {
        files[`pkg/m${f}.py`] =
          Array.from({ length: 3 + Math.floor(rand() * 30) }, () => pick(pool)).join("\n") + "\n";
      }
      const paths = Object.keys(files);
      const oracleNew: Record<string, string> = {};
      const blocks: string[] = [];
      for (const path of paths) {
        const lines = files[path]!.split("\n");
        const at = Math.floor(rand() * (lines.length - 1));
        const target = lines[at]!;
        const newLine = `${target} # fixed${k}`;
        if (rand() < 0.8) oracleNew[path] = files[path]!.replace(`${target}\n`, `${newLine}\n`);
        const variant = rand();
        if (variant < 0.4) blocks.push(block(path, target, newLine));
        else if (variant < 0.7) blocks.push(block(path, target, `${target} # other`));
        else if (variant < 0.8) blocks.push(block(path, "no such line", "x"));
        else if (variant < 0.9) blocks.push(block(`${path}.new`, "", "created = True"));
      }
      const shape = rand();
      const output =
        shape < 0.8
          ? respond(pick(["reason", " ", "x"]), ...blocks)
          : shape < 0.9
            ? `<think>t</think><think>u</think><solution>${blocks.join("\n")}</solution>`
            : `<think>t</think><solution>${blocks.join("\n").replaceAll("\n", "\r\n")}</solution>`;
      cases.push({ kind: "reward", context: files, oracle: oracleNew, output });
    }
    const expected = askPython<{
      reward: number;
      error: string | null;
      predPatch?: unknown;
      oraclePatch?: unknown;
      similarities?: number[];
    }>(cases);
    let formatErrors = 0;
    for (const [i, c] of cases.entries()) {
      const got = calculateSearchReplaceReward(c.context, c.oracle, c.output);
      // Every result is a valid @swerl/schema RewardResult record, unchanged by parsing.
      expect(RewardResult.parse(got)).toEqual(got);
      if (got.error !== null) expect(Object.keys(got)).toEqual(["reward", "error"]);
      const want = expected[i]!;
      expect({ reward: got.reward, error: got.error }, `case ${i}`).toEqual({
        reward: want.reward,
        error: want.error,
      });
      if (want.error === null) {
        expect(got.predPatch).toEqual(want.predPatch);
        expect(got.oraclePatch).toEqual(want.oraclePatch);
        expect(got.similarities?.map((s) => s.similarity)).toEqual(want.similarities);
      } else formatErrors++;
    }
    expect(formatErrors).toBeGreaterThan(20);
    expect(formatErrors).toBeLessThan(cases.length - 50);
  });
});

describe("7. unified-diff variant", () => {
  const diff = (path: string, body: string) =>
    `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n${body}`;

  it("splits per file into hunks with normalized @@ headers and no file headers", () => {
    const text =
      diff("a.py", "@@ -1 +1 @@ def f\n-x\n+y\n") +
      diff("b.py", "@@ -1,2 +1,2 @@\n k\n-z\n+w\n\\ No newline at end of file\n");
    expect(fileLevelDiff(text)).toEqual({
      "a.py": "@@ -1,1 +1,1 @@ def f\n-x\n+y",
      "b.py": "@@ -1,2 +1,2 @@\n k\n-z\n+w\n\\ No newline at end of file",
    });
  });

  it("names renames and added files, and gives no files for an unparsable text", () => {
    const rename =
      "diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n--- a/old.py\n+++ b/new.py\n@@ -1 +1 @@\n-a\n+b\n";
    expect(fileLevelDiff(rename)).toEqual({
      "old.py": "rename from old.py to new.py\n@@ -1,1 +1,1 @@\n-a\n+b",
    });
    const added =
      "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+x\n";
    expect(Object.keys(fileLevelDiff(added))).toEqual(["n.py"]);
    expect(fileLevelDiff("--- a/x\n+++ b/x\n@@ -1,3 +1,1 @@\n-a\n")).toEqual({});
    expect(fileLevelDiff("not a diff")).toEqual({});
  });

  it("scores like the search/replace reward and is 1 when nothing changes", () => {
    const gold = diff("a.py", "@@ -1 +1 @@\n-x\n+y\n");
    expect(calculateRewardUnidiff([gold], [gold]).reward).toBe(1);
    expect(calculateRewardUnidiff([gold], []).reward).toBe(0);
    expect(calculateRewardUnidiff([], []).reward).toBe(1);
    const near = calculateRewardUnidiff([gold], [diff("a.py", "@@ -1 +1 @@\n-x\n+z\n")]);
    expect(near.reward).toBe(
      new SequenceMatcher("@@ -1,1 +1,1 @@\n-x\n+z", "@@ -1,1 +1,1 @@\n-x\n+y", { autojunk: false }).ratio(),
    );
  });
});
