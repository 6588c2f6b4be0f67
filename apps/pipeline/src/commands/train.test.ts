import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RlInstance, readRecords, writeRecords } from "@swerl/schema";
import { OpenRlhfRow } from "@swerl/trainer";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";

const dir = commandTestRoot("swerl-train-cli-");
const instance = {
  instanceId: "demo__calc-1",
  problemStatement: "add() subtracts",
  codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
  oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
  oraclePatch: "",
  provenance: { source: "demo" as const, repo: "demo/calc" },
};

beforeAll(async () => {
  await writeRecords(join(dir, "rl1.jsonl"), RlInstance, [instance]);
  // 40 instances: one paper batch of 32 after the held-out split and the last one, whose prompt is overlong.
  await writeRecords(
    join(dir, "rl.jsonl"),
    RlInstance,
    Array.from({ length: 40 }, (_, i) => ({
      ...instance,
      instanceId: `demo__calc-${i}`,
      ...(i === 39 ? { problemStatement: "x".repeat(100_000) } : {}),
    })),
  );
});
/** `swerl train --engine <name> --instances rl.jsonl ...args`. */
const engine = (name: string, ...args: string[]) =>
  swerl("train", "--engine", name, "--instances", join(dir, "rl.jsonl"), ...args);

describe("swerl train --engine", () => {
  it("--dry-run prints the verl glue and the ray job submit command", async () => {
    const io = captureOutput();
    const code = await engine("verl", "--out", join(dir, "v"), "--preset", "dapo", "--dry-run");
    expect(code).toBe(0);
    expect(io.out()).toContain(
      "def compute_score(data_source, solution_str, ground_truth, extra_info=None):",
    );
    expect(io.out()).toMatch(/ray job submit .* -- python3 -m verl\.trainer\.main_ppo /);
    expect(io.out()).toContain("engine: verl@0.7.0");
    expect(io.out()).toContain(
      "prompts: 40 read, 1 over the prompt limit filtered out, 36 train, 3 validation",
    );
    expect(io.out()).toContain('unsupported by verl@0.7.0: grpo.equalRewardGroups = "drop"');
    await expect(access(join(dir, "v"))).rejects.toThrow();
    vi.restoreAllMocks();
  });
  it("--check validates offline, filters and counts overlong prompts, and writes nothing", async () => {
    const io = captureOutput();
    const code = await engine(
      "openrlhf@0.10.1",
      "--out",
      join(dir, "c"),
      "--max-prompt-tokens",
      "20000",
      "--nodes",
      "2",
      "--check",
    );
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const text = io.out();
    expect(text).toContain("engine: openrlhf@0.10.1.post2");
    expect(text).toContain("1 over the prompt limit filtered out");
    expect(text).toContain("filtered: demo__calc-39");
    expect(text).toMatch(/--remote_rm_url http:\/\/127\.0\.0\.1:8000\/get_reward/);
    expect(text).toContain("--actor_num_nodes 2");
    await expect(access(join(dir, "c"))).rejects.toThrow();
  });
  it("names a bad engine version", async () => {
    const io = captureOutput();
    const code = await engine("verl@0.2", "--check");
    vi.restoreAllMocks();
    expect(code).not.toBe(0);
    expect(io.err()).toContain("verl 0.2 is not pinned; use one of verl@0.7.0");
  });
  it("writes the OpenRLHF prompt file", async () => {
    captureOutput();
    const code = await engine("openrlhf", "--out", join(dir, "o"));
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const rows = [];
    for await (const row of readRecords(join(dir, "o", "swerl_prompts.jsonl"), OpenRlhfRow)) rows.push(row);
    expect(rows).toHaveLength(36);
    expect(rows[0]?.input.map((m) => m.role)).toEqual(["system", "user"]);
    expect(rows[0]?.input[1]?.content).toContain("add() subtracts");
    expect(
      JSON.parse((await readFile(join(dir, "o", "swerl_prompts.jsonl"), "utf8")).split("\n")[0]!).label,
    ).toContain("demo__calc-");
    const validation = (await readFile(join(dir, "o", "swerl_val.jsonl"), "utf8")).trim().split("\n");
    expect(validation).toHaveLength(3);
  });
});

describe("swerl train --config (local engine)", () => {
  it("creates the default model, runs SFT then GRPO with a bar per phase, and resumes to the same end", async () => {
    const runFile = join(dir, "local.json");
    await writeFile(
      runFile,
      JSON.stringify({
        instancesFile: "rl1.jsonl",
        heldoutFile: "rl1.jsonl",
        outDir: "local",
        model: {
          config: { vocab_size: 400, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1 },
        },
        sft: { steps: 2, batchSize: 1, heldout: { maxTokens: 4 } },
        grpo: {
          steps: 1,
          // A random model's samples all score -1: keep the group so the step trains and reports KL.
          grpo: { promptsPerBatch: 1, rolloutsPerPrompt: 2, equalRewardGroups: "keep" },
          sampling: { maxTokens: 4 },
          heldout: { maxTokens: 4 },
        },
      }),
    );
    const io = captureOutput();
    const code = await swerl("train", "--config", runFile);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const text = io.out();
    expect(text).toMatch(/held-out reward -?\d\.\d{3} -> -?\d\.\d{3}, format errors \d+% -> \d+%/);
    expect(text).toContain(join(dir, "local", "grpo", "model"));
    // Not a terminal here: the bars print plain lines with the step's reward and KL.
    const log = io.err();
    expect(log).toContain("model: ");
    expect(log).toMatch(/grpo: 1\/1 steps in [\d.]+s .*reward=-?\d\.\d{3}.*kl=/);
    await access(join(dir, "local", "base-model", "onnx", "model.onnx"));
    const metrics = async (phase: string) =>
      (await readFile(join(dir, "local", phase, "metrics.jsonl"), "utf8")).trim().split("\n").length;
    expect([await metrics("sft"), await metrics("grpo")]).toEqual([2, 1]);
    const weights = await readFile(join(dir, "local", "grpo", "model", "model.safetensors"));

    // Run again: everything is resumed, nothing retrained.
    captureOutput();
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await swerl("train", "--config", runFile)).toBe(0);
    vi.restoreAllMocks();
    expect([await metrics("sft"), await metrics("grpo")]).toEqual([2, 1]);
    expect(
      Buffer.compare(weights, await readFile(join(dir, "local", "grpo", "model", "model.safetensors"))),
    ).toBe(0);
  }, 120_000);

  it("names the bad input: no --config, or a bad key in the run file", async () => {
    const io = captureOutput();
    expect(await swerl("train")).toBe(2);
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ instancesFile: "rl.jsonl", outDir: "x", sft: { stepz: 3 } }));
    const code = await swerl("train", "--config", bad);
    vi.restoreAllMocks();
    expect(code).not.toBe(0);
    expect(io.err()).toContain("--config: required for the local engine");
    expect(io.err()).toMatch(/bad\.json: sft.*stepz/);
  });
});
