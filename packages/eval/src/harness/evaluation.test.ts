import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EvaluationReport, InstanceReport } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "../executors/executor.js";
import { LocalExecutor } from "../executors/local-executor.js";
import { registerRepositorySpec } from "../specs/test-spec.js";
import { type EvaluationProgress, runEvaluation } from "./run-evaluation.js";

/**
 * The evaluation with the executor of the test (without one: a LocalExecutor over the test's
 * repositories, closed after the run), logs and report under one directory.
 */
async function evaluate(options: {
  dataset: string;
  predictions: string;
  runId: string;
  outDir: string;
  executor?: Executor;
  workers?: number;
  instanceIds?: string[];
  repo?: string;
  timeoutMs?: number;
  harness?: "v4.0.4" | "v5.0.2";
  repeat?: number;
  onProgress?: (p: EvaluationProgress) => void;
  onWarning?: (message: string) => void;
}) {
  const {
    dataset,
    predictions,
    outDir,
    executor: given,
    timeoutMs,
    onProgress,
    onWarning,
    ...rest
  } = options;
  const executor = given ?? new LocalExecutor({ reposDir });
  try {
    return await runEvaluation(
      {
        datasetName: dataset,
        predictionsPath: predictions,
        logDir: outDir,
        reportDir: outDir,
        ...(timeoutMs ? { timeoutSeconds: timeoutMs / 1000 } : {}),
        ...rest,
      },
      { executor, onProgress, onWarning },
    );
  } finally {
    if (!given) await executor.close();
  }
}

let root: string;
let reposDir: string;
let datasetFile: string;
const instances: Record<string, unknown>[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

/** Creates `owner/name` with `files` at one commit, returns the commit; diffs are made with git too. */
function makeRepo(repo: string, files: Record<string, string>): { dir: string; commit: string } {
  const dir = path.join(root, "src", repo.replace("/", "__"));
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "base");
  git(root, "clone", "-q", "--bare", dir, path.join(reposDir, `${repo.replace("/", "__")}.git`));
  return { dir, commit: git(dir, "rev-parse", "HEAD") };
}

function diffOf(dir: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  git(dir, "add", "-N", ".");
  const diff = execFileSync("git", ["diff"], { cwd: dir, encoding: "utf8" });
  git(dir, "reset", "-q");
  git(dir, "checkout", "-q", "--", ".");
  git(dir, "clean", "-fdq");
  return diff;
}

const CALC_TEST_BASE =
  "import unittest\nfrom calc import add, sub\n\nclass CalcTest(unittest.TestCase):\n    def test_sub(self):\n        self.assertEqual(sub(3, 1), 2)\n";

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "swerl-eval-e2e-"));
  reposDir = path.join(root, "repos");
  mkdirSync(reposDir);
  registerRepositorySpec("demo/calc", { testCommand: "python3 -m unittest -v", parser: "unittest" });
  registerRepositorySpec("demo/strings", {
    testCommand: "node --test --test-reporter=tap",
    parser: "node-test-tap",
  });
  registerRepositorySpec("demo/broken", { testCommand: "no-such-test-runner", parser: "unittest" });

  const calc = makeRepo("demo/calc", {
    "calc.py": "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n",
    "test_calc.py": CALC_TEST_BASE,
  });
  const calcGold = diffOf(calc.dir, {
    "calc.py": "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n",
  });
  const calcTests = diffOf(calc.dir, {
    "test_calc.py": `${CALC_TEST_BASE}\n    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n`,
  });
  const calcBase = {
    repo: "demo/calc",
    base_commit: calc.commit,
    test_patch: calcTests,
    problem_statement: "add subtracts",
    version: "1",
    FAIL_TO_PASS: ["test_add (test_calc.CalcTest.test_add)"],
    PASS_TO_PASS: ["test_sub (test_calc.CalcTest.test_sub)"],
  };
  instances.push({ ...calcBase, instance_id: "demo__calc-1", patch: calcGold });
  instances.push({ ...calcBase, instance_id: "demo__calc-hang", patch: calcGold });

  const strings = makeRepo("demo/strings", {
    "index.mjs": "export const shout = (s) => s;\n",
    "test/strings.test.mjs": "import test from 'node:test';\n",
  });
  const stringsGold = diffOf(strings.dir, {
    "index.mjs": "export const shout = (s) => s.toUpperCase() + '!';\n",
  });
  const stringsTests = diffOf(strings.dir, {
    "test/strings.test.mjs":
      "import test from 'node:test';\nimport assert from 'node:assert';\nimport { shout } from '../index.mjs';\ntest('shout', () => assert.equal(shout('hi'), 'HI!'));\ntest('exists', () => assert.equal(typeof shout, 'function'));\n",
  });
  instances.push({
    repo: "demo/strings",
    instance_id: "demo__strings-1",
    base_commit: strings.commit,
    patch: stringsGold,
    test_patch: stringsTests,
    problem_statement: "shout",
    version: "1",
    FAIL_TO_PASS: ["shout"],
    PASS_TO_PASS: ["exists"],
  });
  const broken = makeRepo("demo/broken", { "a.py": "x = 1\n" });
  instances.push({
    repo: "demo/broken",
    instance_id: "demo__broken-1",
    base_commit: broken.commit,
    patch: diffOf(broken.dir, { "a.py": "x = 2\n" }),
    test_patch: diffOf(broken.dir, { "test_a.py": "x = 3\n" }),
    problem_statement: "broken",
    version: "1",
    FAIL_TO_PASS: ["t"],
    PASS_TO_PASS: [],
  });
  datasetFile = path.join(root, "dataset.jsonl");
  writeFileSync(datasetFile, `${instances.map((i) => JSON.stringify(i)).join("\n")}\n`);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function predictionsFile(name: string, patches: Record<string, string | null>): string {
  const file = path.join(root, name);
  writeFileSync(
    file,
    JSON.stringify(
      Object.entries(patches).map(([id, patch]) => ({
        instance_id: id,
        model_name_or_path: "m",
        model_patch: patch,
      })),
    ),
  );
  return file;
}

describe("runEvaluation with the local executor", () => {
  it("gold resolves, hanging tests and a crashing runner are errors with their cause, the run continues", async () => {
    const calcGold = (instances[0] as { patch: string }).patch;
    const hangPatch = calcGold.replace("+    return a + b", "+    while True: pass");
    const predictions = predictionsFile("preds.json", {
      "demo__calc-1": calcGold,
      "demo__calc-hang": hangPatch,
      "demo__strings-1": (instances[2] as { patch: string }).patch,
      "demo__broken-1": (instances[3] as { patch: string }).patch,
    });
    const executor = new LocalExecutor({ reposDir, concurrency: 2 });
    const progress: EvaluationProgress[] = [];
    const run = await evaluate({
      dataset: datasetFile,
      predictions,
      runId: "r1",
      outDir: path.join(root, "out"),
      executor,
      workers: 2,
      timeoutMs: 3_000,
      onProgress: (p) => progress.push(p),
    });
    await executor.close();
    const report = EvaluationReport.parse(run.report);
    expect(report).toMatchObject({
      total_instances: 4,
      submitted_instances: 4,
      completed_instances: 2,
      resolved_ids: ["demo__calc-1", "demo__strings-1"],
      error_ids: ["demo__broken-1", "demo__calc-hang"],
      schema_version: 2,
    });
    expect(progress.at(-1)).toMatchObject({ done: 4, total: 4, resolved: 2, error: 2 });
    const dir = path.join(root, "out", "r1", "m");
    const calcReport = InstanceReport.parse(
      JSON.parse(readFileSync(path.join(dir, "demo__calc-1", "report.json"), "utf8")),
    );
    expect(calcReport["demo__calc-1"]?.tests_status?.FAIL_TO_PASS).toEqual({
      success: ["test_add (test_calc.CalcTest.test_add)"],
      failure: [],
    });
    for (const file of ["patch.diff", "test_output.txt", "report.json", "run_instance.log"]) {
      expect(statSync(path.join(dir, "demo__strings-1", file)).isFile()).toBe(true);
    }
    expect(readFileSync(path.join(dir, "demo__calc-hang", "test_output.txt"), "utf8")).toContain(
      ">>>>> Tests Timed Out",
    );
    expect(readFileSync(path.join(dir, "demo__broken-1", "run_instance.log"), "utf8")).toContain(
      "without reporting any test",
    );
    expect(readFileSync(path.join(dir, "demo__broken-1", "run_instance.log"), "utf8")).toContain(
      "no-such-test-runner",
    );
    expect(JSON.parse(readFileSync(run.reportPath, "utf8"))).toEqual(report);

    // resumable: the finished instances are not run again
    const before = statSync(path.join(dir, "demo__calc-1", "run_instance.log")).mtimeMs;
    // (by a new executor: nothing of the first run is kept in memory)
    const resumed = await evaluate({
      dataset: datasetFile,
      predictions,
      runId: "r1",
      outDir: path.join(root, "out"),
      instanceIds: ["demo__calc-1", "demo__strings-1"],
    });
    expect(resumed.report.resolved_ids).toEqual(["demo__calc-1", "demo__strings-1"]);
    expect(statSync(path.join(dir, "demo__calc-1", "run_instance.log")).mtimeMs).toBe(before);
  });

  it("empty patches are not run, a patch that does not apply is an error, base code fails F2P", async () => {
    const predictions = predictionsFile("preds2.json", {
      "demo__calc-1":
        "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n-def nothing_like_this():\n-    pass\n+def add(a, b):\n+    return a + b\n",
      "demo__calc-hang": "",
      "demo__strings-1":
        "diff --git a/README b/README\nnew file mode 100644\n--- /dev/null\n+++ b/README\n@@ -0,0 +1 @@\n+docs\n",
    });
    const run = await evaluate({
      dataset: datasetFile,
      predictions,
      runId: "r2",
      outDir: path.join(root, "out"),
      timeoutMs: 20_000,
    });
    expect(run.report).toMatchObject({
      empty_patch_ids: ["demo__calc-hang"],
      error_ids: ["demo__calc-1"],
      unresolved_ids: ["demo__strings-1"],
      incomplete_ids: ["demo__broken-1"],
    });
    const log = readFileSync(path.join(root, "out", "r2", "m", "demo__calc-1", "run_instance.log"), "utf8");
    expect(log).toContain(">>>>> Patch Apply Failed");
    expect(log).toContain("patch --batch --fuzz=5 -p1");
  });

  it("evaluates the gold and empty predictions by name", async () => {
    const executor = new LocalExecutor({ reposDir });
    const gold = await evaluate({
      dataset: datasetFile,
      predictions: "gold",
      runId: "g",
      outDir: path.join(root, "out"),
      executor,
      repo: "demo/calc",
      instanceIds: ["demo__calc-1"],
    });
    const empty = await evaluate({
      dataset: datasetFile,
      predictions: "empty",
      runId: "e",
      outDir: path.join(root, "out"),
      executor,
    });
    await executor.close();
    expect(gold.report.resolved_ids).toEqual(["demo__calc-1"]);
    expect(gold.reportPath).toBe(path.join(root, "out", "gold.g.json"));
    expect(empty.report.resolved_instances).toBe(0);
    expect(empty.report.empty_patch_instances).toBe(4);
    await expect(
      evaluate({
        dataset: datasetFile,
        predictions: "gold",
        runId: "x",
        outDir: root,
        executor,
        instanceIds: ["nope"],
      }),
    ).rejects.toThrow("--instance_ids: not in");
  });

  it("re-evaluates a torn or empty report.json and a changed patch, naming them", async () => {
    const calcGold = (instances[0] as { patch: string }).patch;
    const predictions = predictionsFile("preds-torn.json", {
      "demo__calc-1": calcGold,
      "demo__strings-1": "",
    });
    const executor = new LocalExecutor({ reposDir });
    const out = path.join(root, "out-torn");
    const first = await evaluate({ dataset: datasetFile, predictions, runId: "t", outDir: out, executor });
    expect(first.report.resolved_ids).toEqual(["demo__calc-1"]);
    const report = path.join(out, "t", "m", "demo__calc-1", "report.json");
    writeFileSync(report, '{"demo__calc-1": {"patch_is_None": fal');
    const warnings: string[] = [];
    const again = await evaluate({
      dataset: datasetFile,
      predictions,
      runId: "t",
      outDir: out,
      executor,
      onWarning: (w) => warnings.push(w),
    });
    expect(again.report.resolved_ids).toEqual(["demo__calc-1"]);
    expect(warnings).toEqual([
      expect.stringMatching(/demo__calc-1.*report\.json is torn: .*re-evaluating demo__calc-1/),
    ]);
    expect(JSON.parse(readFileSync(report, "utf8"))["demo__calc-1"].resolved).toBe(true);
    writeFileSync(report, "");
    warnings.length = 0;
    await evaluate({
      dataset: datasetFile,
      predictions,
      runId: "t",
      outDir: out,
      executor,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([expect.stringContaining("report.json is empty")]);
    // a different patch for the same run id: evaluated again, not the old verdict
    const wrong = calcGold.replace("+    return a + b", "+    return 0");
    const changed = predictionsFile("preds-torn.json", { "demo__calc-1": wrong, "demo__strings-1": "" });
    warnings.length = 0;
    const rerun = await evaluate({
      dataset: datasetFile,
      predictions: changed,
      runId: "t",
      outDir: out,
      executor,
      onWarning: (w) => warnings.push(w),
    });
    await executor.close();
    expect(warnings).toEqual([expect.stringContaining("the patch of demo__calc-1 changed")]);
    expect(rerun.report.unresolved_ids).toEqual(["demo__calc-1"]);
    expect(readFileSync(path.join(out, "t", "m", "demo__calc-1", "run_instance.log"), "utf8")).toMatch(
      /Patch sha256: [0-9a-f]{64}/,
    );
  });

  it("refuses predictions for unknown ids and ids or models that would leave the output folder", async () => {
    const executor = new LocalExecutor({ reposDir });
    const out = path.join(root, "out-bad");
    const run = (name: string, records: unknown[]) => {
      const file = path.join(root, name);
      writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n"));
      return evaluate({ dataset: datasetFile, predictions: file, runId: "bad", outDir: out, executor });
    };
    await expect(
      run("unknown.jsonl", [
        { instance_id: "demo__calc-1", model_name_or_path: "m", model_patch: "" },
        { instance_id: "demo__nope-7", model_name_or_path: "m", model_patch: "x" },
      ]),
    ).rejects.toThrow(/1 prediction\(s\) for instances not in .*dataset\.jsonl: demo__nope-7/);
    await expect(
      run("model.jsonl", [
        { instance_id: "demo__calc-1", model_name_or_path: "../../etc", model_patch: "x" },
      ]),
    ).rejects.toThrow(/model_name_or_path "\.\.__\.\.__etc" cannot name an output directory/);
    await expect(
      run("nul.jsonl", [{ instance_id: "demo__calc-1", model_name_or_path: "a\u0000b", model_patch: "x" }]),
    ).rejects.toThrow(/cannot name an output directory/);
    const evil = path.join(root, "evil.jsonl");
    writeFileSync(evil, `${JSON.stringify({ ...instances[0], instance_id: "../../escape" })}\n`);
    await expect(
      evaluate({ dataset: evil, predictions: "gold", runId: "bad", outDir: out, executor }),
    ).rejects.toThrow(/instance_id in .*evil\.jsonl "\.\.\/\.\.\/escape" cannot name an output directory/);
    await executor.close();
    expect(existsSync(path.join(root, "escape"))).toBe(false);
  });

  it("is a usage error before any work when a repository has no test spec", async () => {
    const file = path.join(root, "nospec", "d.jsonl");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ ...instances[0], repo: "nobody/unknown", instance_id: "nobody__unknown-1" })}\n`,
    );
    const executor = new LocalExecutor({ reposDir });
    await expect(
      evaluate({
        dataset: file,
        predictions: "gold",
        runId: "s",
        outDir: path.join(root, "out-nospec"),
        executor,
      }),
    ).rejects.toThrow(
      /no test spec for nobody\/unknown: pass --specs FILE .* or put test-specs\.json beside/,
    );
    await executor.close();
    expect(existsSync(path.join(root, "out-nospec"))).toBe(false);
    // test-specs.json beside the dataset is found without a flag
    writeFileSync(
      path.join(path.dirname(file), "test-specs.json"),
      JSON.stringify({ "nobody/unknown": { testCommand: "python3 -m unittest -v", parser: "unittest" } }),
    );
    mkdirSync(path.join(path.dirname(file), "repos"), { recursive: true });
    execFileSync("cp", [
      "-r",
      path.join(reposDir, "demo__calc.git"),
      path.join(path.dirname(file), "repos", "nobody__unknown.git"),
    ]);
    const found = await runEvaluation({
      datasetName: file,
      predictionsPath: "gold",
      runId: "s",
      logDir: path.join(root, "out-nospec"),
      reportDir: path.join(root, "out-nospec"),
    });
    expect(found.report.resolved_ids).toEqual(["nobody__unknown-1"]);
  });

  it("never shows the user's tokens to evaluated code", async () => {
    process.env.GITHUB_TOKEN = "ghp_leak_me";
    process.env.HF_TOKEN = "hf_leak_me";
    try {
      const calcGold = (instances[0] as { patch: string }).patch;
      const leaky = `${calcGold}diff --git a/env.txt b/env.txt\nnew file mode 100644\n--- /dev/null\n+++ b/env.txt\n@@ -0,0 +1 @@\n+x\n`;
      const spec = path.join(root, "leak-specs.json");
      writeFileSync(
        spec,
        JSON.stringify({ "demo/calc": { testCommand: "env; python3 -m unittest -v", parser: "unittest" } }),
      );
      const executor = new LocalExecutor({ reposDir });
      const out = path.join(root, "out-leak");
      await runEvaluation(
        {
          datasetName: datasetFile,
          predictionsPath: predictionsFile("preds-leak.json", { "demo__calc-1": leaky }),
          runId: "leak",
          logDir: out,
          reportDir: out,
          specs: spec,
          instanceIds: ["demo__calc-1"],
        },
        { executor },
      );
      await executor.close();
      const output = readFileSync(path.join(out, "leak", "m", "demo__calc-1", "test_output.txt"), "utf8");
      expect(output).toMatch(/^PATH=/m);
      expect(output).not.toContain("leak_me");
    } finally {
      delete process.env.GITHUB_TOKEN;
      delete process.env.HF_TOKEN;
    }
  });

  it("--repeat finds a test whose outcome varies between attempts", async () => {
    const counter = path.join(root, "flaky-counter");
    const testPatch = diffOf(path.join(root, "src", "demo__calc"), {
      "test_flaky.py": `import os, unittest\n\nclass FlakyTest(unittest.TestCase):\n    def test_coin(self):\n        path = ${JSON.stringify(counter)}\n        n = int(open(path).read()) if os.path.exists(path) else 0\n        open(path, "w").write(str(n + 1))\n        self.assertEqual(n % 2, 0)\n`,
    });
    const file = path.join(root, "flaky.jsonl");
    writeFileSync(
      file,
      `${JSON.stringify({ ...instances[0], instance_id: "demo__calc-flaky", test_patch: testPatch, FAIL_TO_PASS: ["test_coin (test_flaky.FlakyTest.test_coin)"], PASS_TO_PASS: [] })}\n`,
    );
    const out = path.join(root, "out-flaky");
    const run = await evaluate({ dataset: file, predictions: "gold", runId: "f", outDir: out, repeat: 3 });
    expect(run.flaky).toEqual([
      {
        instance_id: "demo__calc-flaky",
        verdicts: ["resolved", "unresolved", "resolved"],
        tests: ["test_coin (test_flaky.FlakyTest.test_coin)"],
      },
    ]);
    expect(JSON.parse(readFileSync(path.join(out, "gold.f.flaky.json"), "utf8")).flaky).toHaveLength(1);
    expect(existsSync(path.join(out, "f", "gold", "demo__calc-flaky", "repeat-3", "report.json"))).toBe(true);
  });

  it("writes the v5.0.2 shape: infra_failure, infra/ambiguous ids, failure reasons, run.json", async () => {
    const out = path.join(root, "out-v5");
    const run = await evaluate({
      dataset: datasetFile,
      predictions: "gold",
      runId: "v5",
      outDir: out,
      harness: "v5.0.2",
      instanceIds: ["demo__calc-1", "demo__broken-1"],
    });
    expect(Object.keys(run.report)).toEqual([
      "total_instances",
      "submitted_instances",
      "completed_instances",
      "resolved_instances",
      "unresolved_instances",
      "infra_failure_instances",
      "ambiguous_failure_instances",
      "empty_patch_instances",
      "error_instances",
      "completed_ids",
      "incomplete_ids",
      "empty_patch_ids",
      "submitted_ids",
      "resolved_ids",
      "unresolved_ids",
      "infra_failure_ids",
      "ambiguous_failure_ids",
      "failure_reasons",
      "error_ids",
      "schema_version",
    ]);
    expect(run.report).toMatchObject({
      resolved_ids: ["demo__calc-1"],
      unresolved_ids: ["demo__broken-1"],
      ambiguous_failure_ids: ["demo__broken-1"],
      failure_reasons: { "demo__broken-1": "no_tests_collected" },
    });
    const entry = JSON.parse(
      readFileSync(path.join(out, "v5", "gold", "demo__calc-1", "report.json"), "utf8"),
    );
    expect(entry["demo__calc-1"].infra_failure).toBe(false);
    expect(JSON.parse(readFileSync(path.join(out, "v5", "run.json"), "utf8"))).toMatchObject({
      run_id: "v5",
      harness: "v5.0.2",
    });
    expect(readFileSync(path.join(out, "v5", "gold", "demo__calc-1", "eval.sh"), "utf8")).toContain(
      ": '>>>>> Start Test Output'",
    );
  });
});
