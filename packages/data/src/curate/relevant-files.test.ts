import { describe, expect, it } from "vitest";
import type { SamplingPolicy } from "./bug-fix-classifier.js";
import { llmRankRelevantFiles, relevantFilesPrompt } from "./llm-relevant-files.js";
import { pythonOutline } from "./python-syntax.js";
import { RelevantFilesConfig, rankRelevantFiles, resolveImport, words } from "./relevant-files.js";

const repo: Record<string, string> = {
  "pkg/__init__.py": "",
  "pkg/core.py":
    "from .util import (\n    clamp,\n    scale as s,\n)\nimport pkg.io\n\ndef resize(x):\n    return clamp(s(x))\n",
  "pkg/util.py": "def clamp(x):\n    return max(0, x)\n\ndef scale(x):\n    return 2 * x\n",
  "pkg/io.py": "def load(path):\n    return open(path).read()\n",
  "pkg/render.py": "from pkg.core import resize\n\ndef draw(x):\n    return resize(x)\n",
  "pkg/palette.py": "def palette_colors():\n    return ['red']\n",
  "pkg/unrelated.py": "def nothing():\n    pass\n",
  "tests/test_core.py": "import unittest\nfrom pkg.core import resize\n",
  "docs/guide.md": "resize palette colors palette colors",
};

const input = (changed: string[], problemStatement: string) => ({
  changed: new Map(changed.map((p) => [p, repo[p] ?? ""])),
  allFiles: Object.keys(repo).sort(),
  problemStatement,
  readFiles: async (paths: readonly string[]) =>
    new Map(paths.filter((p) => p in repo).map((p) => [p, repo[p] as string])),
});

describe("pythonOutline", () => {
  it("reads relative, parenthesised, aliased and dotted imports from the syntax tree", async () => {
    const outline = await pythonOutline(repo["pkg/core.py"] as string);
    expect(outline.parsed).toBe(true);
    expect(outline.imports.sort()).toEqual([".util", ".util.clamp", ".util.scale", "pkg.io"]);
    expect(outline.definitions).toEqual(["resize"]);
    expect(outline.identifiers.has("clamp")).toBe(true);
  });

  it("flags sources that do not parse", async () => {
    expect((await pythonOutline("def f(:\n")).parsed).toBe(false);
  });
});

describe("resolveImport", () => {
  const files = new Set(Object.keys(repo));
  it("resolves relative and absolute Python modules and packages", () => {
    expect(resolveImport("pkg/core.py", ".util.clamp", files)).toEqual([]);
    expect(resolveImport("pkg/core.py", ".util", files)).toEqual(["pkg/util.py"]);
    expect(resolveImport("pkg/core.py", "pkg.io", files)).toEqual(["pkg/io.py"]);
    expect(resolveImport("tests/test_core.py", "pkg", files)).toEqual(["pkg/__init__.py"]);
  });
  it("resolves relative JavaScript specifiers with or without an extension", () => {
    const js = new Set(["src/a.js", "src/lib/index.js"]);
    expect(resolveImport("src/b.js", "./a", js)).toEqual(["src/a.js"]);
    expect(resolveImport("src/b.js", "./lib", js)).toEqual(["src/lib/index.js"]);
    expect(resolveImport("src/b.js", "lodash", js)).toEqual([]);
  });
});

describe("rankRelevantFiles", () => {
  it("ranks imports of the changed file first, then its importers, then issue words; never docs", async () => {
    const ranked = await rankRelevantFiles(
      input(["pkg/core.py"], "resize uses the wrong palette colors"),
      RelevantFilesConfig.parse({ maxRelevantFiles: 10 }),
    );
    expect(ranked.map((r) => [r.path, r.via])).toEqual([
      ["pkg/io.py", "import"],
      ["pkg/util.py", "import"],
      ["pkg/render.py", "import"],
      ["tests/test_core.py", "import"],
      ["pkg/palette.py", "lexical"],
    ]);
  });

  it("keeps at most maxRelevantFiles, and none with the `none` ranker", async () => {
    const pr = input(["pkg/core.py"], "resize");
    expect(await rankRelevantFiles(pr, RelevantFilesConfig.parse({ maxRelevantFiles: 2 }))).toHaveLength(2);
    expect(await rankRelevantFiles(pr, RelevantFilesConfig.parse({ ranker: "none" }))).toEqual([]);
  });

  it("splits identifiers into words", () => {
    expect([...words("fooBar baz_qux x")].sort()).toEqual(["bar", "baz", "baz_qux", "foo", "foobar", "qux"]);
  });
});

describe("llmRankRelevantFiles", () => {
  /** A policy that always gives `answer`, recording what it was asked. */
  const answering = (answer: string, asked: string[] = []): SamplingPolicy => ({
    async sample(prompts) {
      asked.push(...prompts);
      return prompts.map(() => ({ samples: [{ text: answer }] }));
    },
  });
  const llm = RelevantFilesConfig.parse({ ranker: "llm", maxRelevantFiles: 2 });
  const pr = input(["pkg/core.py"], "resize uses the wrong palette colors");

  it("keeps the shortlisted paths the model names, in its order, ignoring others", async () => {
    const asked: string[] = [];
    const ranked = await llmRankRelevantFiles(
      pr,
      answering("- `pkg/palette.py`\n2. pkg/invented.py\npkg/util.py,\npkg/io.py", asked),
      llm,
    );
    expect(ranked).toEqual([
      { path: "pkg/palette.py", score: 2, via: "llm" },
      { path: "pkg/util.py", score: 1, via: "llm" },
    ]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBe(
      relevantFilesPrompt(
        pr,
        ["pkg/io.py", "pkg/util.py", "pkg/render.py", "tests/test_core.py", "pkg/palette.py"],
        2,
      ),
    );
    expect(asked[0]).toContain("- pkg/core.py");
  });

  it("takes none for none, and falls back to the lexical order when the answer names nothing", async () => {
    expect(await llmRankRelevantFiles(pr, answering("None of them."), llm)).toEqual([]);
    const fallback = await llmRankRelevantFiles(pr, answering("I am not sure"), llm);
    expect(fallback.map((f) => [f.path, f.via])).toEqual([
      ["pkg/io.py", "import"],
      ["pkg/util.py", "import"],
    ]);
  });
});
