import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { writeDemoWorld } from "@swerl/demo";
import { ReplayPolicy, type RunningPolicyServer, startPolicyServer } from "@swerl/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";
import { git } from "../testing/git.js";
import { createTinyModel } from "../testing/tiny-model.js";

const root = commandTestRoot("swerl-cli-agentless-");

const ISSUE_M = "f() should return 2 but returns 1";
const ISSUE_N = "g() should return 'b' but returns 'a'";

/** Two instances on one repository: the scripted policy fixes the first and localizes the second wrongly. */
function writeBenchmark(): void {
  const src = path.join(root, "src");
  mkdirSync(src);
  git(src, "init", "-q", "-b", "main");
  writeFileSync(path.join(src, "m.py"), "def f():\n    return 1\n");
  writeFileSync(path.join(src, "n.py"), "def g():\n    return 'a'\n");
  writeFileSync(path.join(src, "util.py"), "LIMIT = 10\n");
  writeFileSync(
    path.join(src, "test_util.py"),
    "import unittest\nfrom util import LIMIT\nclass U(unittest.TestCase):\n    def test_limit(self):\n        self.assertEqual(LIMIT, 10)\n",
  );
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "base");
  const base = git(src, "rev-parse", "HEAD");
  const diff = (file: string, content: string) => {
    const before = existsSync(path.join(src, file)) ? readFileSync(path.join(src, file), "utf8") : null;
    writeFileSync(path.join(src, file), content);
    git(src, "add", "-N", ".");
    const patch = execFileSync("git", ["diff"], { cwd: src, encoding: "utf8" });
    if (before !== null) writeFileSync(path.join(src, file), before);
    else rmSync(path.join(src, file));
    git(src, "reset", "-q");
    return patch;
  };
  const testOf = (mod: string, fn: string, want: string) =>
    `import unittest\nfrom ${mod} import ${fn}\nclass T(unittest.TestCase):\n    def test_${fn}(self):\n        self.assertEqual(${fn}(), ${want})\n`;
  const instances = [
    {
      instance_id: "demo__m-1",
      problem_statement: ISSUE_M,
      patch: diff("m.py", "def f():\n    return 2\n"),
      test_patch: diff("test_m.py", testOf("m", "f", "2")),
      FAIL_TO_PASS: ["test_f (test_m.T.test_f)"],
    },
    {
      instance_id: "demo__m-2",
      problem_statement: ISSUE_N,
      patch: diff("n.py", "def g():\n    return 'b'\n"),
      test_patch: diff("test_n.py", testOf("n", "g", "'b'")),
      FAIL_TO_PASS: ["test_g (test_n.T.test_g)"],
    },
  ].map((i) => ({ ...i, repo: "demo/m", base_commit: base, version: "1", PASS_TO_PASS: [] }));
  mkdirSync(path.join(root, "repos"));
  git(root, "clone", "-q", "--bare", src, path.join(root, "repos", "demo__m.git"));
  writeFileSync(path.join(root, "d.jsonl"), instances.map((i) => `${JSON.stringify(i)}\n`).join(""));
  writeFileSync(
    path.join(root, "specs.json"),
    JSON.stringify({ "demo/m": { testCommand: "python3 -m unittest -v", parser: "unittest" } }),
  );
}

const answer = (solution: string) => `<think>\nr\n</think>\n<solution>\n${solution}\n</solution>`;
const edit = (file: string, search: string, replace: string) =>
  answer(
    `\`\`\`python\n### ${file}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``,
  );
const replay = new ReplayPolicy(
  [
    { match: ["Decide which files", ISSUE_M], responses: [answer("```\nm.py\n```")] },
    {
      match: ["We are currently solving", ISSUE_M],
      // a broken edit, then the fix twice
      responses: [
        edit("m.py", "    return 3", "    return 2"),
        edit("m.py", "    return 1", "    return 2"),
        edit("m.py", "    return 1", "    return  2  # fixed"),
      ],
    },
    {
      match: ["standalone Python script", ISSUE_M],
      responses: [
        answer(
          '```python\nfrom m import f\nprint("Issue resolved" if f() == 2 else "Issue reproduced")\n```',
        ),
      ],
    },
    { match: ["Decide which files", ISSUE_N], responses: [answer("```\nutil.py\n```")] },
    {
      match: ["We are currently solving", ISSUE_N],
      // breaks the repository's own test: a regression
      responses: [edit("util.py", "LIMIT = 10", "LIMIT = 11")],
    },
    {
      match: ["standalone Python script", ISSUE_N],
      responses: [answer('```python\nprint("Issue reproduced")\n```')],
    },
  ],
  { model: "scripted" },
);

let server: RunningPolicyServer;
beforeAll(async () => {
  writeBenchmark();
  server = await startPolicyServer({ policy: replay });
});
afterAll(async () => {
  await server.close();
});

const baseArgs = () => [
  "agentless",
  "--dataset",
  path.join(root, "d.jsonl"),
  "--repos",
  path.join(root, "repos"),
  "--specs",
  path.join(root, "specs.json"),
];

describe("swerl agentless", () => {
  it("exits 2 naming the flag on a bad --policy", async () => {
    const io = captureOutput();
    expect(await swerl(...baseArgs(), "--policy", "gpt", "--output_folder", path.join(root, "x"))).toBe(2);
    expect(io.err()).toMatch(/^swerl: --policy: expected onnx:DIR or openai:URL/);
  });

  it("runs every stage against a policy server, prints rates and counts, grades, and resumes", async () => {
    const out = path.join(root, "out");
    const args = [
      ...baseArgs(),
      "--policy",
      `openai:${server.url}`,
      "--model",
      "scripted",
      "--num_samples",
      "3",
      // the scripted server answers a prompt's samples in one request
      "--samples-per-request",
      "3",
      "--num_tests",
      "1",
      "--output_folder",
      out,
    ];
    const io = captureOutput();
    const code = await swerl(...args, "--eval");
    expect(io.err()).not.toContain("swerl:");
    expect(code).toBe(0);
    // a progress line per stage (stderr is not a terminal here)
    for (const stage of ["localize", "repair", "reproduce", "regression", "rerank"])
      expect(io.err()).toMatch(
        new RegExp(`agentless ${stage}: 2/2 instances in [\\d.]+s ran=2 resumed=0 skipped=0`),
      );
    const printed = io.out();
    expect(printed).toContain(
      "localize: 2 instances, all gold files found 1 (50.0%), any 1 (50.0%), none 1 (50.0%); 6 samples",
    );
    expect(printed).toContain(
      "repair: 6 samples, 5 non-empty, 2 distinct, 2 instances with a candidate; apply-failed 1, ok 5",
    );
    expect(printed).toContain(
      "reproduce: 2 tests sampled, 2 extracted, 2 reproducing on the original code, 2 instances with a selected test",
    );
    expect(printed).toContain("regression: 2 candidates tested on 2 instances, 1 without regressions");
    expect(printed).toContain("rerank: 2 predictions, 2 non-empty (decided by only-candidate 2)");
    expect(printed).toContain(`predictions: ${path.join(out, "all_preds.jsonl")}`);
    expect(printed).toContain("eval: 1/2 resolved (50.0%), 1 unresolved, 0 empty, 0 errors");
    const report = JSON.parse(readFileSync(path.join(out, "eval", "scripted.agentless.json"), "utf8"));
    expect(report.resolved_ids).toEqual(["demo__m-1"]);

    // a rerun reads every stage back and asks the server nothing
    const hits = replay.hits.reduce((a, b) => a + b, 0);
    const again = captureOutput();
    expect(await swerl(...args)).toBe(0);
    expect(again.out()).toContain("resumed from");
    expect(again.out()).toContain("localize 2, repair 2, reproduce 2, regression 2, rerank 2");
    expect(again.err()).toMatch(/agentless repair: 2\/2 instances in [\d.]+s ran=0 resumed=2 skipped=0/);
    expect(replay.hits.reduce((a, b) => a + b, 0)).toBe(hits);
  });

  it("runs an ONNX model directory (onnx:DIR) within its context, whatever it answers", async () => {
    const model = path.join(root, "model");
    await createTinyModel(model, {
      seed: 1,
      corpus: ["def f():\n    return 1\n", "<think>x</think>\n<solution>\nm.py\n</solution>"],
    });
    const out = path.join(root, "onnx-out");
    const io = captureOutput();
    const code = await swerl(
      ...baseArgs(),
      "--policy",
      `onnx:${model}`,
      "--num_samples",
      "2",
      "--num_tests",
      "0",
      "--max_tokens",
      "8",
      "--output_folder",
      out,
    );
    expect(io.err()).not.toContain("swerl:");
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^localize: 2 instances, /);
    const stages = JSON.parse(readFileSync(path.join(out, "stages.json"), "utf8"));
    expect(stages).toHaveLength(2);
    // both views of each instance went through the model (a prompt over its context would have thrown)
    expect(stages.map((s: { localization: { samples: number } }) => s.localization.samples)).toEqual([2, 2]);
    // eight random tokens name no file: an honest "none" and empty predictions
    const preds = readFileSync(path.join(out, "all_preds.jsonl"), "utf8").trim().split("\n");
    expect(preds.map((l) => JSON.parse(l).model_name_or_path)).toEqual(["model", "model"]);
  }, 60_000);

  it("on the demo world's mini SWE-bench: gold answers resolve, a harmless wrong edit does not (Python and JS)", async () => {
    const world = path.join(root, "world");
    const demo = await writeDemoWorld({ outDir: world });
    const { reposDir, specsFile } = demo;
    const benchFile = demo.benchFile!;
    const bench = readFileSync(benchFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { instance_id: string; problem_statement: string; patch: string });
    const py = bench.filter((b) => b.patch.includes(".py\n"));
    const js = bench.filter((b) => b.patch.includes(".js\n"));
    // right, wrong, right
    const chosen = [py[0]!, py[1]!, js[0]!];
    const entries = chosen.flatMap((b, i) => {
      const gold = [...b.patch.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]!);
      const removed = b.patch
        .split("\n")
        .find((l) => l.startsWith("-") && !l.startsWith("---"))!
        .slice(1);
      const comment = gold[0]!.endsWith(".py") ? "  # reviewed" : " // reviewed";
      return [
        {
          match: ["Decide which files", b.problem_statement],
          responses: [answer(`\`\`\`\n${gold.join("\n")}\n\`\`\``)],
        },
        {
          match: ["We are currently solving", b.problem_statement],
          responses: [i === 1 ? edit(gold[0]!, removed, `${removed}${comment}`) : answer(goldEdits(b.patch))],
        },
      ];
    });
    const demoServer = await startPolicyServer({
      policy: new ReplayPolicy(entries, { model: "demo-script" }),
    });
    try {
      const out = path.join(root, "demo-out");
      const io = captureOutput();
      const code = await swerl(
        "agentless",
        "--dataset",
        benchFile,
        "--repos",
        reposDir,
        "--specs",
        specsFile,
        "--policy",
        `openai:${demoServer.url}`,
        "--num_samples",
        "1",
        "--num_tests",
        "0",
        "--instance-ids",
        ...chosen.map((b) => b.instance_id),
        "--output_folder",
        out,
        "--eval",
      );
      expect(io.err()).not.toContain("swerl:");
      expect(code).toBe(0);
      expect(io.out()).toContain("localize: 3 instances, all gold files found 3 (100.0%)");
      expect(io.out()).toContain("repair: 3 samples, 3 non-empty, 3 distinct");
      expect(io.out()).toContain("regression: 3 candidates tested on 3 instances, 3 without regressions");
      expect(io.out()).toContain("eval: 2/3 resolved (66.7%), 1 unresolved, 0 empty, 0 errors");
      const report = JSON.parse(readFileSync(path.join(out, "eval", "demo-script.agentless.json"), "utf8"));
      expect(report.resolved_ids.sort()).toEqual([chosen[0]!.instance_id, chosen[2]!.instance_id].sort());
    } finally {
      await demoServer.close();
    }
  }, 120_000);
});

/** A gold patch as SEARCH/REPLACE edits: each hunk's base lines (context and removed) -> its new lines. */
function goldEdits(patch: string): string {
  const blocks: string[] = [];
  let file = "";
  let search: string[] = [];
  let replace: string[] = [];
  const flush = () => {
    if (search.length > 0)
      blocks.push(
        `\`\`\`\n### ${file}\n<<<<<<< SEARCH\n${search.join("\n")}\n=======\n${replace.join("\n")}\n>>>>>>> REPLACE\n\`\`\``,
      );
    search = [];
    replace = [];
  };
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      flush();
      file = line.split(" b/")[1]!;
    } else if (line.startsWith("@@")) flush();
    else if (line.startsWith("---") || line.startsWith("+++") || line.startsWith("index ")) continue;
    else if (line.startsWith(" ")) {
      search.push(line.slice(1));
      replace.push(line.slice(1));
    } else if (line.startsWith("-")) search.push(line.slice(1));
    else if (line.startsWith("+")) replace.push(line.slice(1));
  }
  flush();
  return answer(blocks.join("\n"));
}
