import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReplayPolicy } from "@swerl/rollout";
import { describe, expect, it } from "vitest";
import { AgentlessConfig, shardOf } from "./config.js";
import { runAgentless } from "./run-agentless.js";
import { writeBenchmark } from "./testing/calc-benchmark.js";

describe("AgentlessConfig", () => {
  it("has the official defaults where they apply", () => {
    const config = AgentlessConfig.parse({ dataset: "d.jsonl", reposDir: "r", outDir: "o" });
    expect(config).toMatchObject({
      maxInputTokens: 60_000,
      maxTokens: 4096,
      maxFiles: 5,
      shard: 0,
      numShards: 1,
      samplesPerRequest: 1,
      parse: "lenient",
      selection: "swe-rl",
    });
  });

  it("shards as datasets.shard(contiguous=False): instance i to shard i mod numShards", () => {
    const items = [0, 1, 2, 3, 4, 5, 6];
    expect(shardOf(items, 0, 3)).toEqual([0, 3, 6]);
    expect(shardOf(items, 2, 3)).toEqual([2, 5]);
    expect([0, 1, 2].flatMap((s) => shardOf(items, s, 3)).sort()).toEqual(items);
  });

  it("names every bad field, and a shard outside numShards", async () => {
    const policy = new ReplayPolicy([{ responses: ["x"] }]);
    await expect(
      runAgentless(
        { dataset: "", reposDir: "r", outDir: "o", numSamples: 0, parse: "loose" as "strict" },
        { policy },
      ),
    ).rejects.toThrow(/runAgentless: dataset: .*; numSamples: .*; parse: /);
    const dir = await mkdtemp(join(tmpdir(), "swerl-agentless-config-"));
    await writeBenchmark(dir);
    const base = {
      dataset: join(dir, "bench.jsonl"),
      reposDir: join(dir, "repos"),
      outDir: join(dir, "out"),
    };
    await expect(runAgentless({ ...base, shard: 2, numShards: 2 }, { policy })).rejects.toThrow(
      /shard: 2 is not below numShards \(2\)/,
    );
    const run = await runAgentless(
      {
        ...base,
        shard: 1,
        numShards: 2,
        localization: "oracle",
        numSamples: 1,
        numTests: 0,
        regression: false,
      },
      { policy },
    );
    expect(run.stages.map((s) => s.instanceId)).toEqual(["demo__calc-2"]);
  });
});
