import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calculateSearchReplaceReward, type RewardFn, RewardFnError } from "@swerl/reward";
import { RlInstance, RolloutGroup, readAllRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyInputError } from "./errors.js";
import { loadTokenizer } from "./model-tokenizer.js";
import { OnnxPolicy } from "./onnx-policy.js";
import { OpenAIPolicy } from "./openai-policy.js";
import { startPolicyServer } from "./policy-server.js";
import { type RolloutProgress, runRollouts } from "./run-rollouts.js";
import { TINY_CONFIG, tinyModel } from "./testing/tiny-model.js";

let dir = "";
const instance = (id: string, extra = ""): RlInstance =>
  RlInstance.parse({
    instanceId: id,
    problemStatement: `add() subtracts${extra}`,
    codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
    oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
    oraclePatch: "",
    provenance: { source: "demo", repo: "demo/calc" },
  });

beforeAll(async () => {
  dir = (await tinyModel({ ...TINY_CONFIG, max_position_embeddings: 2048 })).dir;
  const instances = [
    instance("demo__calc-1"),
    instance("demo__calc-2", " and more"),
    instance("demo__calc-3", ` ${Array.from({ length: 1500 }, (_, i) => i).join(" ")}`),
  ];
  await writeFile(join(dir, "rl.jsonl"), instances.map((i) => JSON.stringify(i)).join("\n"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("runRollouts", () => {
  it("writes one scored group per instance, skips prompts over budget, and resumes a cut-off file to the same bytes", async () => {
    const out = join(dir, "rollouts.jsonl");
    const options = {
      instances: join(dir, "rl.jsonl"),
      modelDir: dir,
      out,
      n: 3,
      maxTokens: 6,
      seed: 5,
      maxPromptTokens: 1800,
    };
    const seen: RolloutProgress[] = [];
    const summary = await runRollouts({ ...options, onProgress: (p) => seen.push(p) });
    expect(summary.groups).toBe(2);
    expect(summary.skipped.map((s) => s.instanceId)).toEqual(["demo__calc-3"]);
    expect(summary.tokens).toBe(2 * 3 * 6);
    expect(seen.at(-1)?.tokensPerSecond).toBeGreaterThan(0);
    const groups = await readAllRecords(out, RolloutGroup);
    expect(groups.map((g) => g.instanceId)).toEqual(["demo__calc-1", "demo__calc-2"]);
    for (const group of groups) {
      expect(group.samples).toHaveLength(3);
      expect(group.prompt).toContain("<|im_start|>assistant\n");
      expect(group.model).toBe(dir.split("/").at(-1));
      expect(group.rewards).toEqual(
        group.samples.map(
          (s) =>
            calculateSearchReplaceReward(instance("x").codeContext, instance("x").oracleNewContent, s.text)
              .reward,
        ),
      );
    }
    const complete = await readFile(out, "utf8");
    // a crash in the middle of the second group's line
    await truncate(out, complete.indexOf("\n") + 40);
    const resumed = await runRollouts(options);
    expect(resumed.resumed).toBe(1);
    expect(resumed.groups).toBe(1);
    expect(await readFile(out, "utf8")).toBe(complete);
  });

  it("samples from any Policy (OpenAIPolicy against a server over the same model) to the same bytes, several instances at once", async () => {
    const options = {
      instances: join(dir, "rl.jsonl"),
      n: 2,
      maxTokens: 5,
      seed: 9,
      maxPromptTokens: 1800,
    };
    const local = join(dir, "local.jsonl");
    await runRollouts({ ...options, modelDir: dir, out: local });
    const served = await OnnxPolicy.fromDirectory(dir, { threads: 1 });
    const server = await startPolicyServer({ policy: served });
    try {
      const policy = new OpenAIPolicy({ baseUrl: server.url, model: served.model, concurrency: 2 });
      const tokenizer = await loadTokenizer(dir);
      await expect(
        runRollouts({ ...options, policy, out: join(dir, "none.jsonl"), workers: 2 }),
      ).rejects.toBeInstanceOf(PolicyInputError);
      const remote = join(dir, "remote.jsonl");
      const summary = await runRollouts({ ...options, policy, tokenizer, out: remote, workers: 2 });
      expect(summary.groups).toBe(2);
      expect(summary.skipped.map((s) => s.instanceId)).toEqual(["demo__calc-3"]);
      expect(await readFile(remote, "utf8")).toBe(await readFile(local, "utf8"));
    } finally {
      await server.close();
      await served.close();
    }
  });

  it("scores with a custom RewardFn: async, one batch of the group's samples per instance, its scores written", async () => {
    const calls: Array<{ ids: string[]; responses: string[] }> = [];
    // an execution-style reward: async, and nothing like the SWE-RL similarity
    const reward: RewardFn = async (queries) => {
      calls.push({
        ids: queries.map((q) => q.instance.instanceId),
        responses: queries.map((q) => q.response),
      });
      await new Promise((resolve) => setTimeout(resolve, 1));
      return queries.map((q) => q.response.length / 100);
    };
    const out = join(dir, "custom.jsonl");
    const summary = await runRollouts({
      instances: join(dir, "rl.jsonl"),
      modelDir: dir,
      out,
      n: 3,
      maxTokens: 5,
      seed: 2,
      maxPromptTokens: 1800,
      reward,
    });
    const groups = await readAllRecords(out, RolloutGroup);
    expect(calls.map((c) => c.ids)).toEqual([Array(3).fill("demo__calc-1"), Array(3).fill("demo__calc-2")]);
    for (const [g, group] of groups.entries()) {
      expect(calls[g]?.responses).toEqual(group.samples.map((s) => s.text));
      expect(group.rewards).toEqual(group.samples.map((s) => s.text.length / 100));
    }
    const all: number[] = groups.flatMap((g) => (g.rewards ?? []).map(Number));
    expect(summary.meanReward).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 12);
    // a reward that breaks the contract is named, not written
    await expect(
      runRollouts({
        instances: join(dir, "rl.jsonl"),
        modelDir: dir,
        out: join(dir, "broken.jsonl"),
        n: 2,
        maxTokens: 3,
        maxPromptTokens: 1800,
        reward: () => [0.5],
      }),
    ).rejects.toBeInstanceOf(RewardFnError);
  });

  it("stops when its signal aborts, keeping the group finished by then, and a rerun completes the file", async () => {
    const options = {
      instances: join(dir, "rl.jsonl"),
      modelDir: dir,
      n: 2,
      maxTokens: 4,
      seed: 1,
      maxPromptTokens: 1800,
    };
    const whole = join(dir, "whole.jsonl");
    await runRollouts({ ...options, out: whole });
    const out = join(dir, "stopped.jsonl");
    const controller = new AbortController();
    await expect(
      runRollouts({ ...options, out, signal: controller.signal, onProgress: () => controller.abort() }),
    ).rejects.toThrow(/abort/i);
    expect((await readAllRecords(out, RolloutGroup)).map((g) => g.instanceId)).toEqual(["demo__calc-1"]);
    const rest = await runRollouts({ ...options, out });
    expect([rest.resumed, rest.groups]).toEqual([1, 1]);
    expect(await readFile(out, "utf8")).toBe(await readFile(whole, "utf8"));
  });
});
