// PR instances/s extracted from a local repository with a long history: `minePullRequests` (merge base,
// cumulative patch, changed files) and `curatePullRequests` (filters, dedup, code context with the
// relevant-file ranker, oracle), against plain `git diff <merge-base> <head>` per PR in the same run.
// Usage: node --conditions=@swerl/source --import tsx bench/pr-extraction.ts [commits] [prs]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { curatePullRequests, minePullRequests, RepositorySnapshot } from "../src/index.js";

const COMMITS = Number(process.argv[2] ?? 20_000);
const PRS = Number(process.argv[3] ?? 200);
const FILES = 400;
const root = mkdtempSync(join(tmpdir(), "swerl-bench-prs-"));
const gitDir = join(root, "repos", "bench__history.git");

const moduleText = (i: number, version: number) => {
  const lines = [`"""Module ${i}."""`, "", `from pkg${(i + 1) % 20}.mod${(i + 1) % FILES} import f0`, ""];
  for (let f = 0; f < 30; f++)
    lines.push(`def f${f}(x):`, `    return x + ${f} + ${f === version % 30 ? version : 0}`, "");
  return `${lines.join("\n")}\n`;
};
const pathOf = (i: number) => `pkg${i % 20}/mod${i}.py`;

// One fast-import stream: COMMITS commits on main, each changing one module; every so often a PR
// branch (a fix plus its test) forks from main, main moves on a few commits, and the PR is merged.
const parts: string[] = [];
let mark = 0;
const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
const commit = (
  ref: string,
  seconds: number,
  message: string,
  changes: Record<string, string>,
  from?: number,
  merge?: number,
) => {
  mark += 1;
  let text = `commit ${ref}\nmark :${mark}\nauthor dev <dev@example.com> ${seconds} +0000\ncommitter dev <dev@example.com> ${seconds} +0000\n${data(message)}`;
  if (from !== undefined) text += `from :${from}\n`;
  if (merge !== undefined) text += `merge :${merge}\n`;
  for (const [path, contents] of Object.entries(changes))
    text += `M 100644 inline ${path}\n${data(contents)}`;
  parts.push(`${text}\n`);
  return mark;
};
const initial: Record<string, string> = {};
for (let i = 0; i < FILES; i++) initial[pathOf(i)] = moduleText(i, 0);
for (let d = 0; d < 20; d++) initial[`pkg${d}/__init__.py`] = "";
let t0 = 1_600_000_000;
let tip = commit("refs/heads/main", t0, "initial", initial);
const versions = new Array<number>(FILES).fill(0);
const prPoints = new Set(Array.from({ length: PRS }, (_, k) => Math.floor(((k + 1) * COMMITS) / (PRS + 1))));
const pending: {
  number: number;
  head: number;
  file: number;
  mergeAt: number;
  changes: Record<string, string>;
}[] = [];
const merged: {
  number: number;
  baseMark: number;
  headMark: number;
  mergeMark: number;
  file: number;
  seconds: number;
}[] = [];
let prNumber = 0;
for (let c = 1; c <= COMMITS; c++) {
  t0 += 60;
  const file = (c * 7919) % FILES;
  versions[file] = (versions[file] ?? 0) + 1;
  tip = commit(
    "refs/heads/main",
    t0,
    `change ${c}`,
    { [pathOf(file)]: moduleText(file, versions[file] ?? 0) },
    tip,
  );
  if (prPoints.has(c)) {
    prNumber += 2; // odd numbers are the issues
    const target = (c * 104729 + 13) % FILES;
    const fixed = moduleText(target, versions[target] ?? 0).replace("return x + 1 +", "return x - 1 +");
    const test = `import unittest\n\nfrom pkg${target % 20}.mod${target} import f1\n\n\nclass T(unittest.TestCase):\n    def test_f1(self):\n        self.assertEqual(f1(2), 1)\n`;
    const changes = { [pathOf(target)]: fixed, [`tests/test_mod${target}.py`]: test };
    const head = commit(`refs/heads/pr-${prNumber}`, t0 + 1, `Fix f1 in mod${target}`, changes, tip);
    pending.push({ number: prNumber, head, file: target, mergeAt: c + 5, changes });
  }
  for (const pr of pending.filter((p) => p.mergeAt === c)) {
    const mergeMark = commit(
      "refs/heads/main",
      t0 + 30,
      `Merge pull request #${pr.number}`,
      pr.changes,
      tip,
      pr.head,
    );
    merged.push({
      number: pr.number,
      baseMark: tip,
      headMark: pr.head,
      mergeMark,
      file: pr.file,
      seconds: t0 + 30,
    });
    tip = mergeMark;
  }
}
execFileSync("git", ["init", "-q", "--bare", gitDir]);
const marksFile = join(root, "marks");
let t = performance.now();
const imported = spawnSync(
  "git",
  ["--git-dir", gitDir, "fast-import", "--quiet", `--export-marks=${marksFile}`],
  {
    input: parts.join(""),
    maxBuffer: 1 << 30,
  },
);
if (imported.status !== 0) throw new Error(imported.stderr.toString());
const marks = new Map(
  readFileSync(marksFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [m, sha] = l.split(" ");
      return [Number(m?.slice(1)), sha as string];
    }),
);
const buildMs = performance.now() - t;
const sha = (m: number) => marks.get(m) as string;
const iso = (s: number) => new Date(s * 1000).toISOString();

const snapshot = RepositorySnapshot.parse({
  repo: "bench/history",
  createdAt: iso(1_600_000_000),
  pullRequests: merged.map((pr) => ({
    number: pr.number,
    title: `Fix f1 in mod${pr.file}`,
    body: `Fixes #${pr.number - 1}`,
    author: { login: "dev" },
    state: "MERGED",
    createdAt: iso(pr.seconds - 300),
    mergedAt: iso(pr.seconds),
    closedAt: iso(pr.seconds),
    baseRefName: "main",
    headRefName: `pr-${pr.number}`,
    baseRefOid: sha(pr.baseMark),
    headRefOid: sha(pr.headMark),
    mergeCommitOid: sha(pr.mergeMark),
  })),
  issues: merged.map((pr) => ({
    number: pr.number - 1,
    title: `f1 in mod${pr.file} returns the wrong value`,
    body: `pkg${pr.file % 20}/mod${pr.file}.py f1(2) gives 3, expected 1: wrong sign.`,
    author: { login: "user" },
    state: "CLOSED",
    createdAt: iso(pr.seconds - 600),
    closedAt: iso(pr.seconds),
  })),
});

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const perS = (n: number, ms: number) => ((n / ms) * 1000).toFixed(1);
const commits = execFileSync("git", ["--git-dir", gitDir, "rev-list", "--count", "--all"]).toString().trim();
console.log(
  `repository: ${commits} commits, ${FILES + 20} files, ${merged.length} merged PRs (built in ${buildMs.toFixed(0)} ms)`,
);
console.log(`load average before: ${load()}`);

// Reference: one plain `git diff <merge-base> <head>` per PR, sequential (merge bases given).
const bases = merged.map((pr) =>
  execFileSync("git", ["--git-dir", gitDir, "merge-base", sha(pr.baseMark), sha(pr.headMark)])
    .toString()
    .trim(),
);
t = performance.now();
for (const [i, pr] of merged.entries()) {
  execFileSync("git", ["--git-dir", gitDir, "diff", "--no-color", bases[i] as string, sha(pr.headMark)]);
}
const gitMs = performance.now() - t;

t = performance.now();
const mined = await minePullRequests({
  snapshots: (async function* () {
    yield snapshot;
  })(),
  reposDir: join(root, "repos"),
  outDir: join(root, "mine"),
  concurrency: 2,
});
const mineMs = performance.now() - t;
// The first open clones the mirror; time it apart from the per-PR work.
t = performance.now();
execFileSync("git", ["clone", "-q", "--mirror", gitDir, join(root, "clone-probe.git")]);
const cloneMs = performance.now() - t;

t = performance.now();
const curated = await curatePullRequests({
  minedFile: mined.pullRequestsFile,
  reposDir: join(root, "repos"),
  outDir: join(root, "curate"),
  config: {
    parquet: false,
    concurrency: 2,
    relevantFiles: { ranker: process.env.RANKER === "none" ? "none" : "lexical" },
  },
});
const curateMs = performance.now() - t;

console.log(`git diff per PR (reference):   ${gitMs.toFixed(0)} ms, ${perS(merged.length, gitMs)} PRs/s`);
console.log(
  `minePullRequests:              ${mineMs.toFixed(0)} ms incl. ~${cloneMs.toFixed(0)} ms mirror clone, ${perS(mined.mined, mineMs - cloneMs)} PR instances/s (${mined.mined} mined, ${mined.errors} errors)`,
);
console.log(
  `curatePullRequests:            ${curateMs.toFixed(0)} ms, ${perS(curated.instances, curateMs)} RL instances/s (${curated.instances} instances, ranker on ${FILES} candidates each)`,
);
console.log(
  `ratio mine per PR / git diff per PR: ${((mineMs - cloneMs) / mined.mined / (gitMs / merged.length)).toFixed(2)}x`,
);
console.log(
  `ratio curate per PR / git diff per PR: ${(curateMs / curated.instances / (gitMs / merged.length)).toFixed(2)}x`,
);
console.log(`load average after: ${load()}`);
rmSync(root, { recursive: true, force: true });
