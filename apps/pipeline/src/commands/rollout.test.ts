import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { OnnxPolicy, startPolicyServer } from "@swerl/rollout";
import { RolloutGroup, readAllRecords } from "@swerl/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";
import { createTinyModel } from "../testing/tiny-model.js";

const instance = (id: string, words: number) => ({
  instanceId: id,
  problemStatement: `add() subtracts ${Array.from({ length: words }, (_, i) => i).join(" ")}`,
  codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
  oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
  oraclePatch: "",
  provenance: { source: "demo", repo: "demo/calc" },
});

const root = commandTestRoot("swerl-cli-rollout-");
const model = path.join(root, "model");
const instances = path.join(root, "rl.jsonl");
beforeAll(async () => {
  await createTinyModel(model, { seed: 4 });
  const rows = [instance("demo__calc-1", 1), instance("demo__calc-2", 3), instance("demo__calc-3", 1500)];
  await writeFile(instances, rows.map((r) => JSON.stringify(r)).join("\n"));
});

const rollout = (...args: string[]) => swerl("rollout", ...args);
const sampling = [
  "-n",
  "3",
  "--max-tokens",
  "6",
  "--seed",
  "2",
  "--top-p",
  "0.9",
  "--max-prompt-tokens",
  "1800",
];

describe("swerl rollout", () => {
  it("exits 2 naming the flag on a bad --policy, or openai:URL without --tokenizer", async () => {
    const io = captureOutput();
    expect(await rollout("--instances", instances, "--policy", "vllm:x", "--out", "o.jsonl")).toBe(2);
    expect(io.err()).toMatch(/^swerl: --policy: expected onnx:DIR or openai:URL/);
    const args = ["--instances", instances, "--policy", "openai:http://127.0.0.1:1", "--model", "m"];
    expect(await rollout(...args, "--out", "o.jsonl")).toBe(2);
    expect(io.err()).toContain("swerl: --tokenizer: ");
  });

  it("writes scored groups from an ONNX model with progress, lists prompts over budget, and resumes", async () => {
    const out = path.join(root, "onnx.jsonl");
    const io = captureOutput();
    const args = ["--instances", instances, "--policy", `onnx:${model}`, "--model", "tiny", "--out", out];
    expect(await rollout(...args, ...sampling, "--threads", "1")).toBe(0);
    expect(io.out()).toMatch(/^2 groups of 3 \(0 resumed, 1 over budget\), 36 tokens at [\d.]+ tok\/s/);
    expect(io.err()).toMatch(
      /rollout: 3\/3 instances in [\d.]+s groups=2 tok\/s=\d+ reward=-?[\d.]+ resumed=0 skipped=1/,
    );
    expect(io.err()).toContain("skipped demo__calc-3: ");
    const groups = await readAllRecords(out, RolloutGroup);
    expect(groups.map((g) => [g.instanceId, g.model, g.samples.length])).toEqual([
      ["demo__calc-1", "tiny", 3],
      ["demo__calc-2", "tiny", 3],
    ]);
    const first = await readFile(out, "utf8");
    expect(await rollout(...args, ...sampling, "--threads", "1")).toBe(0);
    expect(io.out()).toContain("0 groups of 3 (2 resumed, 1 over budget)");
    expect(await readFile(out, "utf8")).toBe(first);
  });

  it("samples the same groups through an OpenAI-compatible server over the same model", async () => {
    const policy = await OnnxPolicy.fromDirectory(model, { threads: 1, model: "tiny" });
    const server = await startPolicyServer({ policy });
    try {
      const io = captureOutput();
      const out = path.join(root, "openai.jsonl");
      const args = ["--instances", instances, "--policy", `openai:${server.url}/v1`, "--model", "tiny"];
      expect(await rollout(...args, "--tokenizer", model, "--out", out, ...sampling)).toBe(0);
      expect(io.out()).toMatch(/^2 groups of 3 /);
      expect(await readFile(out, "utf8")).toBe(await readFile(path.join(root, "onnx.jsonl"), "utf8"));
    } finally {
      await server.close();
      await policy.close();
    }
  });
});
