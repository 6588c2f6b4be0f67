import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init } from "@jax-js/jax";
import { TrainingMetricsRow } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSft } from "./sft.js";
import { PHASE_TEST_MODEL, type ToyWorld, writeToyWorld } from "./testing/toy-world.js";

let dir: string;
let world: ToyWorld;

beforeAll(async () => {
  await init("wasm");
  dir = await mkdtemp(join(tmpdir(), "swerl-sft-"));
  world = await writeToyWorld({
    dir: join(dir, "world"),
    train: 12,
    heldout: 2,
    ...PHASE_TEST_MODEL,
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = {
  steps: 3,
  batchSize: 2,
  oracleContextLines: 0,
  checkpointEvery: 100,
  optimizer: { learningRate: 1e-2 },
  heldout: { maxTokens: 8 },
};

const rows = async (file: string) =>
  (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("runSft", () => {
  it("lowers the teacher-forcing loss and writes a metrics row per step", async () => {
    const outDir = join(dir, "learn");
    const result = await runSft({
      instancesFile: world.instancesFile,
      modelDir: world.modelDir,
      outDir,
      config: { ...config, steps: 6, batchSize: 6 },
    });
    expect(result).toMatchObject({ steps: 6, resumedFrom: 0, interrupted: false });
    const metrics = await rows(join(outDir, "metrics.jsonl"));
    expect(metrics.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const row of metrics) {
      TrainingMetricsRow.parse(row);
      expect(row).toMatchObject({ phase: "sft" });
      for (const key of ["loss", "tokensPerSecond", "stepSeconds", "responseLengthMean", "gradNorm"])
        expect(row[key], key).toBeGreaterThan(0);
    }
    // From a random start (ln 1024 = 6.9 nats per token) the loss must fall fast on such similar targets.
    const loss = metrics.map((r) => r.loss as number);
    expect(loss[0]).toBeGreaterThan(6);
    expect(loss[5]).toBeLessThan(0.8 * (loss[0] as number));
  });

  it("resumes exactly: 2 steps then 1 more gives the weights of 3 straight steps, bit for bit", async () => {
    const straight = join(dir, "straight");
    const resumed = join(dir, "resumed");
    const common = { instancesFile: world.instancesFile, modelDir: world.modelDir, config };
    await runSft({ ...common, outDir: straight });
    const first = await runSft({ ...common, outDir: resumed, stopAfterStep: 2 });
    expect(first).toMatchObject({ steps: 2, interrupted: true });
    await access(join(resumed, "checkpoints", "step-2", "optimizer.safetensors"));
    const second = await runSft({ ...common, outDir: resumed });
    expect(second).toMatchObject({ steps: 3, resumedFrom: 2, interrupted: false });
    const weights = (d: string) => readFile(join(d, "model", "model.safetensors"));
    expect(Buffer.compare(await weights(straight), await weights(resumed))).toBe(0);
    const losses = async (d: string) => (await rows(join(d, "metrics.jsonl"))).map((r) => r.loss);
    expect(await losses(resumed)).toEqual(await losses(straight));
    // And the run really moved: the start weights differ.
    expect(
      Buffer.compare(await weights(straight), await readFile(join(world.modelDir, "model.safetensors"))),
    ).not.toBe(0);
  });

  it("an abort finishes the current step, saves a checkpoint and returns", async () => {
    const outDir = join(dir, "abort");
    const controller = new AbortController();
    const result = await runSft({
      instancesFile: world.instancesFile,
      modelDir: world.modelDir,
      outDir,
      config: { ...config, steps: 50 },
      signal: controller.signal,
      onProgress: (event) => {
        if (event.kind === "step" && event.step === 1) controller.abort();
      },
    });
    expect(result).toMatchObject({ steps: 1, interrupted: true });
    expect((await rows(join(outDir, "metrics.jsonl"))).length).toBe(1);
    const state = JSON.parse(
      await readFile(join(outDir, "checkpoints", "step-1", "trainer-state.json"), "utf8"),
    );
    expect(state).toMatchObject({ phase: "sft", step: 1 });
    await access(join(outDir, "model", "model.safetensors"));
  });

  it("skips instances whose prompt cannot fit and reports them", async () => {
    const outDir = join(dir, "budget");
    await expect(
      runSft({
        instancesFile: world.instancesFile,
        modelDir: world.modelDir,
        outDir,
        config: { ...config, maxPromptTokens: 5 },
      }),
    ).rejects.toThrow(/no instance fits the model's context.*12 skipped/);
  });
});
