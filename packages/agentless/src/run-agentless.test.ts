import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor, registerRepositorySpec, runEvaluation } from "@swerl/eval";
import {
  OpenAIPolicy,
  type Policy,
  ReplayPolicy,
  type RunningPolicyServer,
  startPolicyServer,
} from "@swerl/rollout";
import { Prediction, readAllRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentlessConfigInput } from "./config.js";
import type { AgentlessRuntime } from "./context.js";
import type { InstanceTrace } from "./records.js";
import { runAgentless } from "./run-agentless.js";
import { ADD_ISSUE, SHOUT_ISSUE, writeBenchmark } from "./testing/calc-benchmark.js";

const answer = (solution: string) => `<think>\nreasoning\n</think>\n<solution>\n${solution}\n</solution>`;
const edit = (path: string, search: string, replace: string) =>
  `\`\`\`python\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;
const script = (check: string) => `\`\`\`python\n${check}\n\`\`\``;

/** The scripted policy: right for instance 1, wrong for instance 2 (localizes the wrong file). */
const script1 = [
  // 0: harmless but useless (a comment): no regression, does not resolve
  answer(
    edit("calc/ops.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a - b  # checked"),
  ),
  // 1: breaks sub(): one regression
  answer(edit("calc/ops.py", "def sub(a, b):\n    return a - b", "def sub(a, b):\n    return b - a")),
  // 2: the fix
  answer(edit("calc/ops.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b")),
  // 3: the same fix with a comment and other spacing: same normalized patch as 2
  answer(
    edit(
      "calc/ops.py",
      "def add(a, b):\n    return a - b",
      "def add(a, b):\n    # fixed\n    return a  +  b",
    ),
  ),
  // 4: search block not in the file
  answer(edit("calc/ops.py", "def add(x, y):", "def add(a, b):")),
  // 5: breaks the syntax
  answer(edit("calc/ops.py", "def add(a, b):\n    return a - b", "def add(a, b)\n    return a + b")),
];
const script2 = [
  // 0 and 1: the same useless edit to the wrongly localized file (layout differs)
  answer(edit("calc/util.py", "LIMIT = 10", "LIMIT = 20")),
  answer(edit("calc/util.py", "LIMIT = 10", "LIMIT  =  20  # more")),
  // 2: another useless edit
  answer(edit("calc/util.py", 'GREETING = "hi"', 'GREETING = "hello"')),
  // 3: edits a file the prompt did not show
  answer(edit("calc/text.py", "    return s.lower()", "    return s.upper()")),
];
const replay = new ReplayPolicy(
  [
    // the flat-list views (the only ones that spell out "calc/util.py") also name util.py and a made-up path
    {
      match: ["Decide which files must be edited", ADD_ISSUE, "\ncalc/util.py"],
      responses: [answer("```\ncalc/made_up.py\ncalc/util.py\ncalc/ops.py\n```")],
    },
    { match: ["Decide which files must be edited", ADD_ISSUE], responses: [answer("```\ncalc/ops.py\n```")] },
    { match: ["We are currently solving", ADD_ISSUE], responses: script1 },
    {
      match: ["standalone Python script", ADD_ISSUE],
      responses: [
        // reproduces on the original code
        answer(
          script(
            'from calc.ops import add\nprint("Issue resolved" if add(2, 3) == 5 else "Issue reproduced")',
          ),
        ),
        // says "resolved" on the original: not kept
        answer(script('print("Issue resolved")')),
      ],
    },
    {
      match: ["Decide which files must be edited", SHOUT_ISSUE],
      responses: [answer("```\ncalc/util.py\ncalc/nothere.py\n```")],
    },
    { match: ["We are currently solving", SHOUT_ISSUE], responses: script2 },
    {
      match: ["standalone Python script", SHOUT_ISSUE],
      responses: [
        answer(
          script(
            'from calc.text import shout\nprint("Issue resolved" if shout("a") == "A" else "Issue reproduced")',
          ),
        ),
      ],
    },
  ],
  { model: "scripted-demo" },
);

/** What the server was asked: each prompt's temperature, as it crossed the wire (the replay answers). */
const requests: Array<{ prompt: string; temperature: number | undefined }> = [];
const served: Policy = {
  model: replay.model,
  sample: (prompts, options) => {
    for (const prompt of prompts) requests.push({ prompt, temperature: options.temperature });
    return replay.sample(prompts, options);
  },
  close: () => replay.close(),
};

let dir: string;

/**
 * One call's config and runtime objects together: the benchmark's specs file, Agentless's selection order
 * and the strict parser (whose rules these tests spell out), all samples of a prompt in one request,
 * unless told otherwise.
 */
function agentless({
  policy,
  onProgress,
  ...config
}: Omit<AgentlessConfigInput, "specsFile"> & AgentlessRuntime & { specsFile?: string }) {
  return runAgentless(
    {
      specsFile: join(dir, "test-specs.json"),
      selection: "agentless",
      parse: "strict",
      // the scripted policy answers a prompt's samples in one request
      samplesPerRequest: 64,
      ...config,
    },
    { policy, onProgress },
  );
}
let server: RunningPolicyServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-agentless-"));
  await writeBenchmark(dir);
  server = await startPolicyServer({ policy: served });
});
afterAll(() => server.close());

describe("runAgentless on a two-instance benchmark with a scripted policy served over HTTP", () => {
  it("makes every stage's choice by the rules, writes the files the report reads, and resumes", async () => {
    const policy = await OpenAIPolicy.connect({ baseUrl: server.url });
    const outDir = join(dir, "agentless");
    const stagesSeen: string[] = [];
    const run = await agentless({
      dataset: join(dir, "bench.jsonl"),
      reposDir: join(dir, "repos"),
      specsFile: join(dir, "test-specs.json"),
      policy,
      outDir,
      numSamples: 6,
      numTests: 2,
      onProgress: (p) => {
        if (p.phase !== "instance") stagesSeen.push(`${p.stage}:${p.phase}`);
      },
    });
    // stage by stage over all instances, each bracketed by start and end
    expect(stagesSeen).toEqual([
      "localize:start",
      "localize:end",
      "repair:start",
      "repair:end",
      "reproduce:start",
      "reproduce:end",
      "regression:start",
      "regression:end",
      "rerank:start",
      "rerank:end",
    ]);
    expect(run.stageStatus).toEqual({
      localize: { ran: 2, resumed: 0, skipped: 0 },
      repair: { ran: 2, resumed: 0, skipped: 0 },
      reproduce: { ran: 2, resumed: 0, skipped: 0 },
      regression: { ran: 2, resumed: 0, skipped: 0 },
      rerank: { ran: 2, resumed: 0, skipped: 0 },
    });

    // localization: 4 views (min(K, 4)), votes merged: ops.py (4 votes) before util.py (2), the made-up
    // path dropped; right file for 1, a wrong real file for 2 (the made-up path is dropped)
    expect(run.localization).toEqual({ instances: 2, allFound: 1, anyFound: 1, noneFound: 1 });
    expect(JSON.parse(await readFile(join(outDir, "localization.json"), "utf8"))).toEqual(run.localization);
    const [one, two] = run.stages;
    expect(one!.localization).toMatchObject({
      samples: 4,
      files: ["calc/ops.py", "calc/util.py"],
      goldFiles: ["calc/ops.py"],
      outcome: "all",
    });
    expect(two!.localization).toMatchObject({
      files: ["calc/util.py"],
      goldFiles: ["calc/text.py"],
      outcome: "none",
    });

    // repair: statuses per sample, duplicates folded by normalization
    expect(one!.repair).toMatchObject({
      samples: 6,
      byStatus: {
        "no-edits": 0,
        "unshown-file": 0,
        "apply-failed": 1,
        "syntax-error": 1,
        "no-change": 0,
        ok: 4,
      },
      nonEmpty: 4,
      unique: 3,
    });
    expect(two!.repair).toMatchObject({ samples: 6, nonEmpty: 5, unique: 2 });
    expect(two!.repair.byStatus["unshown-file"]).toBe(1);

    // tests: the reproducing script is selected; the regression suite is the two passing tests
    expect(one!.reproduction).toEqual({ samples: 2, extracted: 2, reproducing: 1, selected: [0] });
    expect(one!.regression).toEqual({ suite: 2, candidatesTested: 3, withoutRegressions: 2 });
    // both samples wrote the same script: two agreeing tests, the earliest kept
    expect(two!.reproduction).toEqual({ samples: 2, extracted: 2, reproducing: 2, selected: [0] });

    // rerank: instance 1 decided by reproduction (the comment-only patch also has no regression), 2 by majority
    expect(one!.rerank).toEqual({ chosen: 2, decidedBy: "reproduction" });
    expect(two!.rerank).toEqual({ chosen: 0, decidedBy: "majority" });
    const trace1 = JSON.parse(
      await readFile(join(outDir, "instances", "demo__calc-1.json"), "utf8"),
    ) as InstanceTrace;
    expect(trace1.localization.views).toEqual(["tree", "shuffled-list", "shuffled-tree", "shuffled-list"]);
    // the first view greedy, the others sampled; repairs and tests sampled
    const temperatures = (marker: string, issue: string) =>
      requests.filter((a) => a.prompt.includes(marker) && a.prompt.includes(issue)).map((a) => a.temperature);
    expect(temperatures("Decide which files", ADD_ISSUE)).toEqual([0, 0.8, 0.8, 0.8]);
    expect(temperatures("We are currently solving", ADD_ISSUE)).toEqual([0.8]);
    expect(temperatures("standalone Python script", ADD_ISSUE)).toEqual([0.8]);
    expect(trace1.decision.scores).toEqual([
      { sample: 0, regressions: 0, reproductionPasses: 0, votes: 1 },
      { sample: 1, regressions: 1, reproductionPasses: 0, votes: 1 },
      { sample: 2, regressions: 0, reproductionPasses: 1, votes: 2 },
      { sample: 3, regressions: 0, reproductionPasses: 1, votes: 2 },
    ]);
    const trace2 = JSON.parse(
      await readFile(join(outDir, "instances", "demo__calc-2.json"), "utf8"),
    ) as InstanceTrace;
    expect(trace2.decision.scores.map((s) => [s.sample, s.votes])).toEqual([
      [0, 4],
      [1, 4],
      [2, 1],
      [4, 4],
      [5, 4],
    ]);

    // counts per stage, summed over the instances
    expect(run.counts).toMatchObject({
      instances: 2,
      localize: { samples: 8, localized: 2, files: 3 },
      repair: { samples: 12, nonEmpty: 9, unique: 5, instancesWithCandidates: 2 },
      reproduce: { samples: 4, extracted: 4, reproducing: 3, instancesWithTest: 2 },
      regression: { instancesTested: 2, candidatesTested: 5, withoutRegressions: 4 },
      rerank: { predictions: 2, nonEmpty: 2, decidedBy: { reproduction: 1, majority: 1 } },
    });
    expect(JSON.parse(await readFile(join(outDir, "summary.json"), "utf8")).counts).toEqual(run.counts);

    // predictions, graded by the harness: the right policy resolves instance 1, the wrong one does not
    expect(run.predictionsPath).toBe(join(outDir, "all_preds.jsonl"));
    const predictions = await readAllRecords(run.predictionsPath, Prediction);
    // the official format: exactly these three keys per line
    const lines = (await readFile(run.predictionsPath, "utf8")).trim().split("\n");
    expect(lines.map((l) => Object.keys(JSON.parse(l)).sort())).toEqual([
      ["instance_id", "model_name_or_path", "model_patch"],
      ["instance_id", "model_name_or_path", "model_patch"],
    ]);
    expect(predictions.map((p) => p.model_name_or_path)).toEqual(["scripted-demo", "scripted-demo"]);
    expect(predictions[0]!.model_patch).toContain("+    return a + b\n");
    expect(predictions[1]!.model_patch).toContain("+LIMIT = 20\n");
    const executor = new LocalExecutor({ reposDir: join(dir, "repos") });
    // the harness reads its specs from its registry (Agentless takes them explicitly)
    for (const [repo, spec] of Object.entries(
      JSON.parse(await readFile(join(dir, "test-specs.json"), "utf8")),
    ))
      registerRepositorySpec(repo, spec as Parameters<typeof registerRepositorySpec>[1]);
    try {
      const evaluation = await runEvaluation(
        {
          datasetName: join(dir, "bench.jsonl"),
          predictionsPath: run.predictionsPath,
          runId: "agentless",
          logDir: join(dir, "eval"),
          reportDir: join(dir, "eval"),
        },
        { executor },
      );
      expect(evaluation.report.resolved_ids).toEqual(["demo__calc-1"]);
      expect(evaluation.report.unresolved_ids).toEqual(["demo__calc-2"]);
    } finally {
      await executor.close();
    }

    // resume: nothing is asked of the policy again
    const rerun = (options: Partial<Parameters<typeof agentless>[0]> = {}) =>
      agentless({
        dataset: join(dir, "bench.jsonl"),
        reposDir: join(dir, "repos"),
        policy,
        outDir,
        numSamples: 6,
        numTests: 2,
        ...options,
      });
    const policyCalls = () => replay.hits.reduce((a, b) => a + b, 0);
    const before = policyCalls();
    const again = await rerun();
    expect(again.resumed).toBe(2);
    expect(again.stages).toEqual(run.stages);
    expect(again.stageStatus.localize).toEqual({ ran: 0, resumed: 2, skipped: 0 });
    expect(policyCalls()).toBe(before);

    // resume per stage: a lost regression file reruns only that stage of that instance (no policy call) ...
    await rm(join(outDir, "instances", "demo__calc-2", "regression.json"));
    const third = await rerun();
    expect(third.stageStatus).toMatchObject({
      localize: { ran: 0, resumed: 2 },
      repair: { ran: 0, resumed: 2 },
      reproduce: { ran: 0, resumed: 2 },
      regression: { ran: 1, resumed: 1 },
      rerank: { ran: 1, resumed: 1 },
    });
    expect(third.resumed).toBe(1);
    expect(third.stages).toEqual(run.stages);
    expect(policyCalls()).toBe(before);
    // ... and a lost reproduce file reruns its tests and what depends on them
    await rm(join(outDir, "instances", "demo__calc-1", "reproduce.json"));
    const fourth = await rerun();
    expect(fourth.stageStatus).toMatchObject({
      repair: { ran: 0, resumed: 2 },
      reproduce: { ran: 1, resumed: 1 },
      regression: { ran: 1, resumed: 1 },
    });
    expect(fourth.stages).toEqual(run.stages);
    // its tests are run again, but their samples come back from the stage's journal: no policy call
    expect(policyCalls()).toBe(before);
    // a changed configuration recomputes from the first stage it affects: no tests changes no localization or repair
    const asked = policyCalls();
    const fewer = await rerun({ numTests: 0, regression: false });
    expect(fewer.stageStatus.localize).toEqual({ ran: 0, resumed: 2, skipped: 0 });
    expect(fewer.stageStatus.repair).toEqual({ ran: 0, resumed: 2, skipped: 0 });
    expect(fewer.stageStatus.reproduce).toEqual({ ran: 0, resumed: 0, skipped: 2 });
    expect(fewer.stageStatus.regression).toEqual({ ran: 0, resumed: 0, skipped: 2 });
    expect(policyCalls()).toBe(asked);
    // another sampling temperature is another localization
    const hotter = await rerun({ numTests: 0, regression: false, temperature: 0.5 });
    expect(hotter.stageStatus.localize).toEqual({ ran: 2, resumed: 0, skipped: 0 });
    // without tests, the fix's two layouts outvote the others
    expect(fewer.stages[0]!.rerank).toEqual({ chosen: 2, decidedBy: "majority" });
  });

  it("with oracle localization takes the gold patch's files without asking the policy, and repairs them", async () => {
    const policy = await OpenAIPolicy.connect({ baseUrl: server.url });
    requests.length = 0;
    const run = await agentless({
      dataset: join(dir, "bench.jsonl"),
      reposDir: join(dir, "repos"),
      specsFile: join(dir, "test-specs.json"),
      policy,
      outDir: join(dir, "agentless-oracle"),
      numSamples: 6,
      numTests: 0,
      localization: "oracle",
    });
    expect(requests.some((r) => r.prompt.includes("Decide which files must be edited"))).toBe(false);
    expect(run.stages.map((s) => s.localization.files)).toEqual([["calc/ops.py"], ["calc/text.py"]]);
    expect(run.localization).toMatchObject({ instances: 2, allFound: 2, noneFound: 0 });
    expect(run.counts.repair.samples).toBe(12);
  });
});
