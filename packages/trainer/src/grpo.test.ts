import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init } from "@jax-js/jax";
import type { RewardFn } from "@swerl/reward";
import { TrainingMetricsRow } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrpo } from "./grpo.js";
import { HeldoutRow } from "./run-files.js";
import { runSft } from "./sft.js";
import { PHASE_TEST_MODEL, type ToyWorld, writeToyWorld } from "./testing/toy-world.js";

let dir: string;
let world: ToyWorld;
/** A policy warmed up by SFT on the 2 training instances, so sampled rewards differ within a group. */
let warmModel: string;

beforeAll(async () => {
  await init("wasm");
  dir = await mkdtemp(join(tmpdir(), "swerl-grpo-"));
  world = await writeToyWorld({
    dir: join(dir, "world"),
    train: 2,
    heldout: 2,
    ...PHASE_TEST_MODEL,
  });
  const sft = await runSft({
    instancesFile: world.instancesFile,
    modelDir: world.modelDir,
    outDir: join(dir, "sft"),
    config: { steps: 40, batchSize: 2, oracleContextLines: 0, optimizer: { learningRate: 3e-2 } },
  });
  warmModel = sft.modelDir;
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = {
  steps: 3,
  checkpointEvery: 100,
  grpo: { promptsPerBatch: 2, rolloutsPerPrompt: 8, klBeta: 0.04, optimizer: { learningRate: 1e-3 } },
  sampling: { maxTokens: 40, temperature: 1.3 },
  heldout: { maxTokens: 40 },
};

const rows = async (file: string) =>
  (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const weights = (modelDir: string) => readFile(join(modelDir, "model.safetensors"));

describe("runGrpo", () => {
  it("writes every metric of a step, held-out rows, and resumes exactly (2 + 1 steps = 3 steps, bit for bit)", async () => {
    const straight = join(dir, "straight");
    const resumed = join(dir, "resumed");
    const common = {
      instancesFile: world.instancesFile,
      heldoutFile: world.heldoutFile,
      modelDir: warmModel,
      config,
    };
    const full = await runGrpo({ ...common, outDir: straight });
    expect(full).toMatchObject({ steps: 3, resumedFrom: 0, interrupted: false, skippedInstances: [] });

    const metrics = await rows(join(straight, "metrics.jsonl"));
    expect(metrics.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const row of metrics) {
      TrainingMetricsRow.parse(row);
      expect(row.phase).toBe("grpo");
      for (const key of ["rewardMean", "rewardStd", "formatErrorRate", "kl", "clipFraction", "entropy"])
        expect(typeof row[key], key).toBe("number");
      for (const key of ["responseLengthMean", "tokensPerSecond", "stepSeconds", "sampleSeconds"])
        expect(row[key], key).toBeGreaterThan(0);
      expect(row.rewardMean as number).toBeGreaterThanOrEqual(-1);
      expect(row.rewardMean as number).toBeLessThanOrEqual(1);
      // Sampled at temperature 1.3, so the sampler's logprobs are of a flatter distribution than the
      // trainer's (the mismatch is only near 0 at temperature 1); it is still reported.
      expect(row.logprobMismatch as number).toBeGreaterThan(0);
    }
    // The warm policy's groups are mixed, so the updates are real (else resume equality would be trivial).
    expect(metrics.some((r) => (r.rewardStd as number) > 0 && (r.gradNorm as number) > 0)).toBe(true);
    expect(Buffer.compare(await weights(full.modelDir), await weights(warmModel))).not.toBe(0);
    // KL to the frozen start is 0 before the first update and positive after it.
    expect(metrics[0]?.kl).toBeCloseTo(0, 6);
    expect(metrics[2]?.kl as number).toBeGreaterThan(0);

    const heldout = (await rows(join(straight, "heldout.jsonl"))).map((r) => HeldoutRow.parse(r));
    expect(heldout.map((r) => r.step)).toEqual([0, 3]);
    expect(full.heldout).toEqual(heldout);

    const first = await runGrpo({ ...common, outDir: resumed, stopAfterStep: 2 });
    expect(first).toMatchObject({ steps: 2, interrupted: true });
    const second = await runGrpo({ ...common, outDir: resumed });
    expect(second).toMatchObject({ steps: 3, resumedFrom: 2, interrupted: false });
    expect(Buffer.compare(await weights(second.modelDir), await weights(full.modelDir))).toBe(0);
    const strip = (r: Record<string, unknown>) => [
      r.step,
      r.rewardMean,
      r.loss,
      r.kl,
      r.clipFraction,
      r.entropy,
    ];
    expect((await rows(join(resumed, "metrics.jsonl"))).map(strip)).toEqual(metrics.map(strip));
    expect(second.heldout.map((r) => [r.step, r.rewardMean])).toEqual(
      heldout.map((r) => [r.step, r.rewardMean]),
    );
  }, 120_000);

  it("scores samples and held-out responses with a custom RewardFn (async, a step's samples in one batch)", async () => {
    const calls: Array<{ ids: string[]; scores: number[] }> = [];
    const reward: RewardFn = async (queries) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      // an execution-style score in [0, 1]: never the SWE-RL reward's -1
      const scores = queries.map((q) => (q.response.includes("<solution>") ? 1 : 0.25));
      calls.push({ ids: queries.map((q) => q.instance.instanceId), scores });
      return scores;
    };
    const outDir = join(dir, "custom-reward");
    const result = await runGrpo({
      instancesFile: world.instancesFile,
      heldoutFile: world.heldoutFile,
      modelDir: warmModel,
      outDir,
      config: { ...config, steps: 1 },
      reward,
    });
    expect(result.steps).toBe(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // held-out at step 0, the step's 2 prompts x 8 samples, held-out at step 1
    expect(calls.map((c) => c.ids.length)).toEqual([2, 16, 2]);
    const [before, step, after] = calls as [(typeof calls)[0], (typeof calls)[0], (typeof calls)[0]];
    expect(new Set(step.ids).size).toBe(2);
    const [metrics] = await rows(join(outDir, "metrics.jsonl"));
    expect(metrics?.rewardMean).toBeCloseTo(mean(step.scores), 12);
    expect(metrics?.formatErrorRate).toBe(0);
    expect(result.heldout.map((r) => r.rewardMean)).toEqual([mean(before.scores), mean(after.scores)]);
  }, 60_000);

  it("an abort finishes the current step, saves a checkpoint and returns", async () => {
    const outDir = join(dir, "abort");
    const controller = new AbortController();
    const result = await runGrpo({
      instancesFile: world.instancesFile,
      modelDir: warmModel,
      outDir,
      config: { ...config, steps: 50 },
      signal: controller.signal,
      onProgress: (event) => {
        if (event.kind === "step") controller.abort();
      },
    });
    expect(result).toMatchObject({ steps: 1, interrupted: true });
    expect((await rows(join(outDir, "metrics.jsonl"))).length).toBe(1);
    const state = JSON.parse(
      await readFile(join(outDir, "checkpoints", "step-1", "trainer-state.json"), "utf8"),
    );
    expect(state).toMatchObject({ phase: "grpo", step: 1 });
    await access(join(outDir, "model", "model.safetensors"));
  }, 60_000);
});
