import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTasks } from "./build-tasks.js";

const root = mkdtempSync(path.join(tmpdir(), "swerl-build-tasks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** A repository whose PR fixes `add` and adds tests; `flaky` makes one new test pass every other run. */
function makePullRequest(name: string, flaky: boolean) {
  const src = path.join(root, name);
  mkdirSync(src, { recursive: true });
  git(src, "init", "-q", "-b", "main");
  writeFileSync(path.join(src, "calc.py"), "def add(a, b):\n    return a - b\n");
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "base");
  const base = git(src, "rev-parse", "HEAD");
  writeFileSync(path.join(src, "calc.py"), "def add(a, b):\n    return a + b\n");
  const counter = path.join(root, `${name}-counter`);
  const coin = flaky
    ? `\n    def test_coin(self):\n        import os\n        n = int(open(${JSON.stringify(counter)}).read()) if os.path.exists(${JSON.stringify(counter)}) else 0\n        open(${JSON.stringify(counter)}, "w").write(str(n + 1))\n        self.assertEqual(add(2, 2), 4)\n        self.assertEqual(n % 2, 0)\n`
    : "";
  writeFileSync(
    path.join(src, "test_calc.py"),
    `import unittest\nfrom calc import add\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n${coin}`,
  );
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "fix add");
  const head = git(src, "rev-parse", "HEAD");
  mkdirSync(path.join(root, "repos"), { recursive: true });
  git(root, "clone", "-q", "--bare", src, path.join(root, "repos", `demo__${name}.git`));
  return {
    repo: `demo/${name}`,
    number: 1,
    title: "fix add",
    body: "fixes #2",
    author: "a",
    createdAt: "2026-01-01T00:00:00Z",
    mergedAt: "2026-01-02T00:00:00Z",
    baseCommit: base,
    headCommit: head,
    mergeCommit: head,
    linkedIssues: [
      {
        repo: `demo/${name}`,
        number: 2,
        title: "add subtracts",
        body: "2+2 is 0",
        linkedBy: "keyword" as const,
      },
    ],
  };
}

describe("buildTasks", () => {
  it("finds FAIL_TO_PASS over repeated runs and drops a task whose FAIL_TO_PASS test is flaky", async () => {
    const steady = makePullRequest("steady", false);
    const flaky = makePullRequest("flaky", true);
    const spec = { testCommand: "python3 -m unittest -v", parser: "unittest" };
    const built = await buildTasks(
      {
        reposDir: path.join(root, "repos"),
        specs: { "demo/steady": spec, "demo/flaky": spec },
        outDir: path.join(root, "out"),
        repeat: 3,
      },
      { candidates: [steady, flaky] },
    );
    expect(built.tasks.map((t) => [t.instance_id, t.FAIL_TO_PASS])).toEqual([
      ["demo__steady-1", ["test_add (test_calc.T.test_add)"]],
    ]);
    expect(built.dropped).toEqual([
      expect.objectContaining({
        instance_id: "demo__flaky-1",
        reason: expect.stringMatching(/^flaky FAIL_TO_PASS: test_coin .* over 3 runs/),
      }),
    ]);
  });
});

describe("buildTasks and bytecode caches", () => {
  it("sees a same-size fix even when it lands within the second of the run before it", async () => {
    // The spec pins calc.py's mtime before every run, as a fix applied in the same second would: a cached
    // calc.pyc from the "before" run would then look fresh (same size, same mtime) and hide the fix.
    const pr = makePullRequest("samesecond", false);
    const spec = {
      testCommand: "touch -d @1000000000 calc.py && python3 -m unittest -v",
      parser: "unittest",
    };
    const built = await buildTasks(
      {
        reposDir: path.join(root, "repos"),
        specs: { "demo/samesecond": spec },
        outDir: path.join(root, "out-samesecond"),
      },
      { candidates: [pr] },
    );
    expect(built.dropped).toEqual([]);
    expect(built.tasks.map((t) => t.FAIL_TO_PASS)).toEqual([["test_add (test_calc.T.test_add)"]]);
  });
});
