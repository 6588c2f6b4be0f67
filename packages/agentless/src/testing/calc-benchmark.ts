import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SweBenchInstanceInput } from "@swerl/schema";

/**
 * A small SWE-bench-style benchmark for tests: one Python repository (`demo/calc`, a bare mirror under
 * `<dir>/repos`), `<dir>/bench.jsonl` with two instances (demo__calc-1: add() subtracts; demo__calc-2:
 * shout() lower-cases) and `<dir>/test-specs.json`.
 */
export const ADD_ISSUE = "add() subtracts instead of adding: add(2, 3) gives -1";
export const SHOUT_ISSUE = "shout() should upper-case its argument but lower-cases it";

export const files: Record<string, string> = {
  "calc/__init__.py": "",
  "calc/ops.py": "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n",
  "calc/text.py": "def shout(s):\n    return s.lower()\n",
  "calc/util.py": 'GREETING = "hi"\nLIMIT = 10\n',
  "tests/__init__.py": "",
  "tests/test_ops.py":
    "import unittest\n\nfrom calc.ops import sub\n\n\nclass OpsTest(unittest.TestCase):\n    def test_sub(self):\n        self.assertEqual(sub(5, 3), 2)\n",
  "tests/test_text.py":
    "import unittest\n\nfrom calc.text import shout\n\n\nclass TextTest(unittest.TestCase):\n    def test_empty(self):\n        self.assertEqual(shout(''), '')\n",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  }).toString();
}

/** The diff that turns `files` into `files` with `changes`, as the task builder writes patches. */
async function diffOf(work: string, base: string, changes: Record<string, string>): Promise<string> {
  git(work, "checkout", "-q", base);
  for (const [path, content] of Object.entries(changes)) await writeFile(join(work, path), content);
  const patch = git(work, "diff", "--no-color", "--no-ext-diff");
  git(work, "checkout", "-q", "--", ".");
  return patch;
}

/** A two-instance benchmark over one small Python repository (until DEMO's writeDemoWorld lands). */
export async function writeBenchmark(dir: string) {
  const work = join(dir, "work");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), content);
  }
  git(work, "init", "-q");
  git(work, "add", "-A");
  git(work, "commit", "-qm", "calc");
  const base = git(work, "rev-parse", "HEAD").trim();
  await mkdir(join(dir, "repos"));
  git(dir, "clone", "-q", "--bare", work, join(dir, "repos", "demo__calc.git"));
  const addTest =
    files["tests/test_ops.py"]! +
    "\n    def test_add(self):\n        from calc.ops import add\n        self.assertEqual(add(2, 3), 5)\n";
  const shoutTest =
    files["tests/test_text.py"]! + "\n    def test_shout(self):\n        self.assertEqual(shout('a'), 'A')\n";
  const instance = (
    id: string,
    issue: string,
    patch: string,
    testPatch: string,
    f2p: string,
    p2p: string,
  ): SweBenchInstanceInput => ({
    instance_id: id,
    repo: "demo/calc",
    base_commit: base,
    patch,
    test_patch: testPatch,
    problem_statement: issue,
    version: "1.0",
    FAIL_TO_PASS: [f2p],
    PASS_TO_PASS: [p2p],
  });
  const instances = [
    instance(
      "demo__calc-1",
      ADD_ISSUE,
      await diffOf(work, base, {
        "calc/ops.py": files["calc/ops.py"]!.replace("return a - b\n\n", "return a + b\n\n"),
      }),
      await diffOf(work, base, { "tests/test_ops.py": addTest }),
      "test_add (tests.test_ops.OpsTest.test_add)",
      "test_sub (tests.test_ops.OpsTest.test_sub)",
    ),
    instance(
      "demo__calc-2",
      SHOUT_ISSUE,
      await diffOf(work, base, { "calc/text.py": "def shout(s):\n    return s.upper()\n" }),
      await diffOf(work, base, { "tests/test_text.py": shoutTest }),
      "test_shout (tests.test_text.TextTest.test_shout)",
      "test_empty (tests.test_text.TextTest.test_empty)",
    ),
  ];
  await writeFile(join(dir, "bench.jsonl"), instances.map((i) => JSON.stringify(i)).join("\n") + "\n");
  await writeFile(
    join(dir, "test-specs.json"),
    JSON.stringify({ "demo/calc": { testCommand: "python3 -m unittest -v", parser: "unittest" } }),
  );
}
