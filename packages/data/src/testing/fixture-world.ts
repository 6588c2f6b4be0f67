import { join } from "node:path";
import { FixtureRepo, issueEvent, pullRequestEvent, writeArchive } from "./fixture-repos.js";

/** Test-only: two small repositories with merged PRs (good fixes and planted noise) and their GH Archive hour. */
export interface FixtureWorld {
  reposDir: string;
  archiveDir: string;
  /** PR number -> expected cumulative patch (`git diff merge-base head`), computed with the git CLI. */
  patches: Record<string, string>;
  heads: Record<string, string>;
}

const CALC = `from util import clamp


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def bounded_sub(a, b):
    return clamp(sub(a, b), 0, 100)
`;
const UTIL = `def clamp(x, lo, hi):
    return max(lo, min(hi, x))
`;
const TEST = `import unittest

from calc import add


class TestCalc(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(1, 2), 3)
`;
const FIXED_CALC = CALC.replace("def sub(a, b):\n    return a + b", "def sub(a, b):\n    return a - b");
const FIXED_TEST = `${TEST.replace("from calc import add", "from calc import add, sub")}
    def test_sub(self):
        self.assertEqual(sub(3, 2), 1)
`;

export function buildFixtureWorld(root: string): FixtureWorld {
  const reposDir = join(root, "repos");
  const archiveDir = join(root, "gharchive");
  const patches: Record<string, string> = {};
  const heads: Record<string, string> = {};
  const events: object[] = [];

  const calc = new FixtureRepo(root, "acme/calc");
  const c1 = calc.commit("initial", {
    "calc.py": CALC,
    "util.py": UTIL,
    "tests/test_calc.py": TEST,
    "README.md": "# calc\n",
    "docs/guide.md": "Use add and sub.\n",
    "package-lock.json": '{"lockfileVersion": 1}\n',
  });
  const pr = (number: number, from: string, files: Record<string, string | null>, message: string) => {
    calc.git("checkout", "-q", "-b", `pr-${number}`, from);
    const head = calc.commit(message, files);
    calc.git("checkout", "-q", "main");
    heads[`acme/calc#${number}`] = head;
    return head;
  };
  // #2: the real fix of issue #1, branched before an unrelated commit on main.
  const h2 = pr(2, c1, { "calc.py": FIXED_CALC, "tests/test_calc.py": FIXED_TEST }, "fix sub");
  const base2 = calc.commit("readme", { "README.md": "# calc\n\nA calculator.\n" });
  const m2 = calc.merge("pr-2");
  // #3: a bot changing only the lock file.
  const h3 = pr(3, m2, { "package-lock.json": '{"lockfileVersion": 2}\n' }, "bump lock");
  const m3 = calc.merge("pr-3");
  // #4: a refactor linked to no issue.
  const h4 = pr(4, m3, { "util.py": `${UTIL}\n\ndef double(x):\n    return 2 * x\n` }, "add double");
  const m4 = calc.merge("pr-4");
  // #5: the same change as #2, from the same base (a duplicate PR for issue #6).
  const h5 = pr(5, c1, { "calc.py": FIXED_CALC, "tests/test_calc.py": FIXED_TEST }, "fix sub again");
  const m5 = calc.merge("pr-5");
  // #7: a feature (issue #8 asks for multiplication) - not a bug fix.
  const h7 = pr(7, m5, { "calc.py": `${FIXED_CALC}\n\ndef mul(a, b):\n    return a * b\n` }, "add mul");
  const m7 = calc.merge("pr-7");
  calc.publish(reposDir);
  for (const [n, base, head] of [
    [2, base2, h2],
    [5, m4, h5],
  ] as const) {
    const mb = calc.git("merge-base", base, head);
    patches[`acme/calc#${n}`] = calc.git("diff", "--no-color", "--no-ext-diff", "--no-renames", mb, head);
  }
  events.push(
    issueEvent("acme/calc", {
      number: 1,
      title: "sub returns the sum",
      body: "sub(3, 2) gives 5, expected 1. Bug!",
    }),
    issueEvent("acme/calc", {
      number: 6,
      title: "sub is wrong",
      body: "Subtraction gives an incorrect result.",
    }),
    issueEvent("acme/calc", {
      number: 8,
      title: "Feature request: multiplication",
      body: "Please add a mul function, it would be a nice enhancement.",
    }),
    pullRequestEvent("acme/calc", {
      number: 2,
      title: "Fix sub",
      body: "Fixes #1",
      user: "alice",
      base: base2,
      head: h2,
      mergeCommit: m2,
    }),
    pullRequestEvent("acme/calc", {
      number: 3,
      title: "Update lock file",
      body: "Fixes #1",
      user: "dependabot[bot]",
      userType: "Bot",
      base: m2,
      head: h3,
      mergeCommit: m3,
    }),
    pullRequestEvent("acme/calc", {
      number: 4,
      title: "Add double helper",
      body: "",
      user: "bob",
      base: m3,
      head: h4,
      mergeCommit: m4,
    }),
    pullRequestEvent("acme/calc", {
      number: 5,
      title: "Fix subtraction",
      body: "resolves https://github.com/acme/calc/issues/6",
      user: "carol",
      base: m4,
      head: h5,
      mergeCommit: m5,
    }),
    pullRequestEvent("acme/calc", {
      number: 7,
      title: "Add mul",
      body: "Closes #8",
      user: "dave",
      base: m5,
      head: h7,
      mergeCommit: m7,
    }),
    pullRequestEvent("acme/calc", {
      number: 9,
      title: "Fix a crash",
      body: "Fixes #1",
      user: "erin",
      base: m7,
      head: "f".repeat(40),
    }),
    pullRequestEvent("acme/calc", {
      number: 10,
      title: "Fix wrong sub",
      body: "Fixes #1",
      user: "frank",
      base: m7,
      head: h7,
      merged: false,
    }),
    pullRequestEvent("acme/ghost", {
      number: 1,
      title: "Fix",
      body: "Fixes #1",
      user: "gina",
      base: "a".repeat(40),
      head: "b".repeat(40),
    }),
  );

  const web = new FixtureRepo(root, "acme/web");
  const w1 = web.commit("initial", { "src/index.js": "export const greet = (n) => 'hi ' + n;\n" });
  web.git("checkout", "-q", "-b", "pr-3", w1);
  const wh = web.commit("fix greeting", {
    "src/index.js": "export const greet = (n) => 'hello ' + n;\n",
    "src/index.test.js": "import { greet } from './index.js';\n",
  });
  const wm = web.merge("pr-3");
  web.publish(reposDir);
  heads["acme/web#3"] = wh;
  patches["acme/web#3"] = web.git("diff", "--no-color", "--no-ext-diff", "--no-renames", w1, wh);
  events.push(
    issueEvent("acme/web", {
      number: 2,
      title: "Greeting is wrong",
      body: "It says hi, expected hello. Broken.",
    }),
    pullRequestEvent("acme/web", {
      number: 3,
      title: "Fix greeting",
      body: "Closes https://github.com/acme/web/issues/2",
      user: "hank",
      base: w1,
      head: wh,
      mergeCommit: wm,
    }),
  );
  writeArchive(join(archiveDir, "2020-01-02-0.json.gz"), events.slice(0, 6), [
    '{"type": "PullRequestEvent", "payload": {broken',
  ]);
  writeArchive(join(archiveDir, "2020-01-02-1.json.gz"), events.slice(6));
  return { reposDir, archiveDir, patches, heads };
}
