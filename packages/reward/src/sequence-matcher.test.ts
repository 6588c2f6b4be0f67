import { describe, expect, it } from "vitest";
import { pyStrip, splitLines } from "./python-text.js";
import { type Sequence, SequenceMatcher, setAutomatonThreshold } from "./sequence-matcher.js";
import { askPython, seededRandom } from "./testing/python-oracle.js";
import { unifiedDiff } from "./unified-diff.js";

type Junk = "none" | "space" | "line" | "char";
interface MatcherCase {
  kind: "matcher";
  a: Sequence;
  b: Sequence;
  junk?: Junk;
  autojunk?: boolean;
  n?: number;
}
interface MatcherAnswer {
  ratio: number;
  quick: number;
  realQuick: number;
  blocks: number[][];
  opcodes: Array<[string, number, number, number, number]>;
  grouped: Array<Array<[string, number, number, number, number]>>;
  longest: number[];
}

const junkFns: Record<Junk, ((x: string) => boolean) | undefined> = {
  none: undefined,
  space: (x) => x === " ",
  line: (x) => /^\s*(?:#\s*)?$/.test(x),
  char: (x) => x === " " || x === "\t",
};

const rand = seededRandom(20250218);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const randomString = (alphabet: string, length: number) => {
  const chars = Array.from(alphabet);
  return Array.from({ length }, () => pick(chars)).join("");
};
const codeLines = [
  "def f(x):",
  "    return x + 1",
  "    if x is None:",
  "        raise ValueError('x')",
  "",
  "# comment",
  "class A:",
  "    pass",
  "import os",
  "    for i in range(10):",
  "        total += i",
  "}",
  "  ",
  "    return None",
];
const mutate = (lines: string[]): string[] => {
  const out = [...lines];
  const edits = int(0, 4);
  for (let e = 0; e < edits; e++) {
    const at = int(0, out.length);
    const op = int(0, 2);
    if (op === 0) out.splice(at, 0, pick(codeLines));
    else if (op === 1 && out.length) out.splice(Math.min(at, out.length - 1), 1);
    else if (out.length) out[Math.min(at, out.length - 1)] = pick(codeLines) + randomString("xyz", int(0, 2));
  }
  return out;
};
const codeText = (n: number) => Array.from({ length: n }, () => pick(codeLines));
const astral = "a🐍b𝔘c\u0301 é\u{1F600}\u{10FFFF}";

function generateCases(): MatcherCase[] {
  const cases: MatcherCase[] = [
    { kind: "matcher", a: "", b: "" },
    { kind: "matcher", a: "abc", b: "" },
    { kind: "matcher", a: "", b: "abc" },
    { kind: "matcher", a: [], b: ["x"] },
    { kind: "matcher", a: " abcd", b: "abcd abcd", junk: "space" },
    {
      kind: "matcher",
      a: "private Thread currentThread;",
      b: "private volatile Thread currentThread;",
      junk: "space",
    },
  ];
  for (const length of [199, 200, 201]) {
    // The popularity rule starts at exactly 200 elements of b.
    cases.push({ kind: "matcher", a: randomString("ab", length), b: randomString("ab", length) });
    const lines = Array.from({ length }, (_, i) => (i % 4 === 0 ? "pass" : `line ${i}`));
    cases.push({ kind: "matcher", a: lines.slice(1), b: lines });
  }
  for (let k = 0; k < 1500; k++) {
    const alphabet = pick(["ab", "abc", "abcd ", "aab\n", "xyz  \t"]);
    cases.push({
      kind: "matcher",
      a: randomString(alphabet, int(0, 60)),
      b: randomString(alphabet, int(0, 60)),
      junk: pick(["none", "none", "space", "char"] as const),
      autojunk: rand() < 0.5,
      n: int(0, 4),
    });
  }
  for (let k = 0; k < 400; k++) {
    const a = codeText(int(0, 40));
    cases.push({ kind: "matcher", a, b: mutate(a), junk: pick(["none", "line"] as const), n: int(1, 5) });
  }
  for (let k = 0; k < 120; k++) {
    // Over 200 elements: autojunk's popularity rule changes which lines seed matches.
    const a = codeText(int(200, 420));
    cases.push({ kind: "matcher", a, b: mutate(mutate(a)), autojunk: rand() < 0.7 });
    const s = randomString("abcde fgh\n", int(200, 600));
    cases.push({
      kind: "matcher",
      a: s,
      b: randomString("abcde fgh\n", 40) + s.slice(int(0, 100)),
      autojunk: rand() < 0.7,
    });
  }
  for (let k = 0; k < 40; k++) {
    const long = randomString("abcdefghij \n(){}=+", int(1500, 2500));
    cases.push({
      kind: "matcher",
      a: long,
      b: long.slice(int(0, 300)) + randomString("xyz", 50) + long.slice(int(0, 2000)),
      autojunk: false,
    });
  }
  for (let k = 0; k < 200; k++) {
    cases.push({
      kind: "matcher",
      a: randomString(astral, int(0, 30)),
      b: randomString(astral, int(0, 30)),
      autojunk: rand() < 0.5,
    });
  }
  for (let k = 0; k < 60; k++) {
    // Equal sequences, one a prefix of the other (the matcher answers those without searching), a
    // shared prefix that is not the longest block, and elements of a that b lacks.
    const s = randomString(pick(["ab \n", "abcdefgh(){} \n"]), int(0, 400));
    const extra = randomString("abz", int(1, 30));
    const autojunk = rand() < 0.5;
    const junk = pick(["none", "none", "space"] as const);
    cases.push({ kind: "matcher", a: s, b: s, autojunk, junk });
    cases.push({ kind: "matcher", a: s + extra, b: s, autojunk, junk });
    cases.push({ kind: "matcher", a: s, b: s + extra, autojunk, junk });
    cases.push({ kind: "matcher", a: s.slice(0, int(0, s.length)), b: s, autojunk, junk });
    cases.push({ kind: "matcher", a: `xy${s}`, b: `xyQ${s}`, autojunk, junk });
    cases.push({
      kind: "matcher",
      a: randomString("abcQRS", int(0, 300)),
      b: randomString("abcd", int(0, 300)),
      autojunk,
    });
    const lines = codeText(int(0, 250));
    cases.push({ kind: "matcher", a: lines, b: [...lines, "tail"], autojunk });
    cases.push({ kind: "matcher", a: [...lines, "only in a"], b: lines, autojunk });
  }
  for (let k = 0; k < 100; k++) {
    const base = Array.from({ length: int(5, 60) }, () => pick(["same", "same", "x", "y", "", "same"]));
    cases.push({ kind: "matcher", a: base, b: mutate(base) });
  }
  return cases;
}

describe("SequenceMatcher equals CPython's difflib", () => {
  const cases = generateCases();
  const expected = askPython<MatcherAnswer>(cases);

  // The longest-match search has two engines (difflib's row scan and a suffix automaton, chosen by
  // size): each must give difflib's answers on every case, and so must the automatic choice.
  const engines = [
    ["the automatic choice", undefined],
    ["the suffix automaton everywhere it applies", 0],
    ["the row scan everywhere", Number.POSITIVE_INFINITY],
  ] as const;
  for (const [engine, threshold] of engines) {
    it(`gives the same ratios, blocks, opcodes and groups on ${cases.length} generated pairs with ${engine}`, () => {
      const previous = threshold === undefined ? undefined : setAutomatonThreshold(threshold);
      const mismatches: string[] = [];
      try {
        for (const [i, c] of cases.entries()) {
          const options = {
            autojunk: c.autojunk ?? true,
            ...(junkFns[c.junk ?? "none"] ? { isjunk: junkFns[c.junk ?? "none"] } : {}),
          };
          const sm = new SequenceMatcher(c.a, c.b, options);
          const longest = sm.findLongestMatch();
          const got: MatcherAnswer = {
            ratio: sm.ratio(),
            quick: sm.quickRatio(),
            realQuick: sm.realQuickRatio(),
            blocks: sm.getMatchingBlocks().map((m) => [m.a, m.b, m.size]),
            opcodes: sm.getOpcodes(),
            grouped: sm.getGroupedOpcodes(c.n ?? 3),
            longest: [longest.a, longest.b, longest.size],
          };
          try {
            expect(got).toEqual(expected[i]);
          } catch {
            mismatches.push(`case ${i}: ${JSON.stringify(c).slice(0, 200)}`);
          }
        }
      } finally {
        if (previous !== undefined) setAutomatonThreshold(previous);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it("counts astral characters as one element (code points, not UTF-16 units)", () => {
    const sm = new SequenceMatcher("🐍a", "🐍b");
    expect(sm.getMatchingBlocks()[0]).toEqual({ a: 0, b: 0, size: 1 });
    expect(sm.ratio()).toBe(0.5);
  });
});

describe("unifiedDiff equals difflib.unified_diff", () => {
  it("on generated line lists with every option", () => {
    const cases = [];
    for (let k = 0; k < 400; k++) {
      const a = k % 7 === 0 ? codeText(int(200, 300)) : codeText(int(0, 30));
      const b = mutate(mutate(a));
      const options: Record<string, string | number> = { n: int(0, 5) };
      if (rand() < 0.5) Object.assign(options, { fromfile: "old", tofile: "new", lineterm: "" });
      if (rand() < 0.2) Object.assign(options, { fromfiledate: "2024-01-01", tofiledate: "2024-01-02" });
      cases.push({ kind: "unified", a, b, options });
    }
    cases.push({ kind: "unified", a: ["one"], b: ["one"], options: {} });
    cases.push({ kind: "unified", a: [], b: ["x", "y"], options: { lineterm: "" } });
    const expected = askPython<string[]>(cases);
    for (const [i, c] of cases.entries())
      expect(unifiedDiff(c.a, c.b, c.options), `case ${i}`).toEqual(expected[i]);
  });
});

describe("Python string semantics", () => {
  it("splitLines equals str.splitlines on every separator", () => {
    const texts = [
      "",
      "\n",
      "a",
      "a\n",
      "a\r\nb\rc\nd",
      "a\n\nb\n\n",
      "x\x0by\x0cz\x1cw\x1dv\x1eu\x85t\u2028s\u2029r",
      "\r\n\r\n",
      "\r\r\n\n",
      "a\x1fb",
      ...Array.from({ length: 300 }, () => randomString("ab\n\r\x0b\x85\u2028 ", int(0, 30))),
    ];
    const expected = askPython<string[]>(texts.map((text) => ({ kind: "splitlines", text })));
    for (const [i, t] of texts.entries()) expect(splitLines(t), JSON.stringify(t)).toEqual(expected[i]);
  });

  it("pyStrip equals str.strip (U+001C..U+001F and U+0085 stripped, U+FEFF kept)", () => {
    const texts = ["  a  ", "\x1c\x1d\x1e\x1fa\x85", "\ufeffa\ufeff", "\u3000\u2028a b\u00a0", "", " \t\n"];
    const expected = askPython<string>(texts.map((text) => ({ kind: "strip", text })));
    for (const [i, t] of texts.entries()) expect(pyStrip(t)).toBe(expected[i]);
    expect(pyStrip("\ufeffx")).toBe("\ufeffx");
  });
});
