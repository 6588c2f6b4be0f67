import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";
import { git } from "../testing/git.js";

const root = commandTestRoot("swerl-cli-eval-");

describe("swerl eval", () => {
  it("exits 2 naming the flag on a bad --workers", async () => {
    const io = captureOutput();
    const args = ["--dataset_name", "d", "--predictions_path", "gold", "--repos", "r", "--run_id", "x"];
    expect(await swerl("eval", ...args, "--max_workers", "two")).toBe(2);
    expect(io.err()).toMatch(/^swerl: --max_workers: expected a number, got "two"/);
  });

  it("evaluates gold patches of a demo repository registered with --specs", async () => {
    const src = path.join(root, "src");
    mkdirSync(src);
    git(src, "init", "-q", "-b", "main");
    writeFileSync(path.join(src, "m.py"), "def f():\n    return 1\n");
    git(src, "add", ".");
    git(src, "commit", "-q", "-m", "base");
    const base = git(src, "rev-parse", "HEAD");
    writeFileSync(path.join(src, "m.py"), "def f():\n    return 2\n");
    const patch = execFileSync("git", ["diff"], { cwd: src, encoding: "utf8" });
    git(src, "checkout", "-q", "--", ".");
    writeFileSync(
      path.join(src, "test_m.py"),
      "import unittest\nfrom m import f\nclass T(unittest.TestCase):\n    def test_f(self):\n        self.assertEqual(f(), 2)\n",
    );
    git(src, "add", "-N", ".");
    const testPatch = execFileSync("git", ["diff"], { cwd: src, encoding: "utf8" });
    mkdirSync(path.join(root, "repos"));
    git(root, "clone", "-q", "--bare", src, path.join(root, "repos", "demo__m.git"));
    const instance = {
      instance_id: "demo__m-1",
      repo: "demo/m",
      base_commit: base,
      patch,
      test_patch: testPatch,
      problem_statement: "f should return 2",
      version: "1",
      FAIL_TO_PASS: ["test_f (test_m.T.test_f)"],
      PASS_TO_PASS: [],
    };
    writeFileSync(path.join(root, "d.jsonl"), `${JSON.stringify(instance)}\n`);
    writeFileSync(
      path.join(root, "specs.json"),
      JSON.stringify({ "demo/m": { testCommand: "python3 -m unittest -v", parser: "unittest" } }),
    );
    const io = captureOutput();
    const code = await swerl(
      "eval",
      "--dataset_name",
      path.join(root, "d.jsonl"),
      "--predictions_path",
      "gold",
      "--repos",
      path.join(root, "repos"),
      "--specs",
      path.join(root, "specs.json"),
      "--run_id",
      "cli",
      "--log-dir",
      path.join(root, "out"),
      "--report_dir",
      path.join(root, "out"),
    );
    expect(io.err()).not.toContain("swerl:");
    expect(code).toBe(0);
    expect(io.out()).toContain("1/1 resolved");
    const report = JSON.parse(readFileSync(path.join(root, "out", "gold.cli.json"), "utf8"));
    expect(report.resolved_ids).toEqual(["demo__m-1"]);
  });

  it("keeps today's flags as deprecated aliases and shows each error's cause on the console", async () => {
    writeFileSync(
      path.join(root, "broken-specs.json"),
      JSON.stringify({ "demo/m": { testCommand: "no-such-runner", parser: "unittest" } }),
    );
    const io = captureOutput();
    const code = await swerl(
      "eval",
      "--dataset",
      path.join(root, "d.jsonl"),
      "--predictions",
      "gold",
      "--repos",
      path.join(root, "repos"),
      "--specs",
      path.join(root, "broken-specs.json"),
      "--run-id",
      "old",
      "--out",
      path.join(root, "out-old"),
    );
    expect(code).toBe(0);
    expect(io.err()).toContain("swerl: --dataset is deprecated: use --dataset_name");
    expect(io.err()).toContain("swerl: --out is deprecated");
    expect(io.out()).toContain("0/1 resolved, 0 unresolved, 0 empty, 1 errors");
    expect(io.out()).toMatch(
      /error demo__m-1: test command exited 127 without reporting any test: .*no-such-runner/,
    );
    expect(readFileSync(path.join(root, "out-old", "gold.old.json"), "utf8")).toContain('"error_ids"');
  });

  it("names a Hub dataset that is not cached offline, and is a usage error for an instance without a spec", async () => {
    const io = captureOutput();
    const hubHome = mkdtempSync(path.join(tmpdir(), "swerl-hf-home-"));
    vi.stubEnv("HF_HOME", hubHome);
    vi.stubEnv("HF_HUB_OFFLINE", "1");
    const hub = [
      "--dataset_name",
      "princeton-nlp/SWE-bench_Verified",
      "--predictions_path",
      "gold",
      "--run_id",
      "h",
    ];
    expect(await swerl("eval", ...hub)).toBe(1);
    expect(io.err()).toMatch(/princeton-nlp\/SWE-bench_Verified.*test/);
    vi.unstubAllEnvs();
    const nospec = [
      "--dataset_name",
      path.join(root, "d.jsonl"),
      "--predictions_path",
      "gold",
      "--run_id",
      "n",
    ];
    expect(await swerl("eval", ...nospec, "--repos", path.join(root, "repos"))).toBe(2);
    expect(io.err()).toContain("no test spec for demo/m");
  });
});
