import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError } from "@swerl/schema";
import { afterAll, describe, expect, it } from "vitest";
import { calculateSearchReplaceReward } from "./reward.js";
import { RewardBatchConfig, RewardOutput, scoreRewardFile } from "./reward-batch.js";
import { pathologicalRequest } from "./testing/pathological.js";

const root = mkdtempSync(path.join(tmpdir(), "swerl-reward-batch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctx = { "a.py": "x = 1\ny = 2\n" };
const oracle = { "a.py": "x = 1\ny = 3\n" };
const output = (replace: string) =>
  `<think>t</think><solution>\`\`\`python\n### a.py\n<<<<<<< SEARCH\ny = 2\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\`</solution>`;

describe("scoreRewardFile", () => {
  it("writes each input's extra fields with its reward, in input order; a slow one times out as null", async () => {
    const slow = pathologicalRequest(8000);
    const records = [
      { id: "exact", code_context: ctx, oracle_new_content: oracle, output: output("y = 3") },
      { id: "near", code_context: ctx, oracle_new_content: oracle, output: output("y = 4") },
      { id: "format", code_context: ctx, oracle_new_content: oracle, output: "no solution here" },
      {
        id: "slow",
        code_context: slow.codeContext,
        oracle_new_content: slow.oracleNewContent,
        output: slow.output,
      },
    ];
    const inFile = path.join(root, "in.jsonl");
    writeFileSync(inFile, records.map((r) => JSON.stringify(r)).join("\n"));
    const outFile = path.join(root, "out.jsonl");
    const seen: number[] = [];
    const summary = await scoreRewardFile(
      { inFile, outFile, workers: 2, timeoutSeconds: 1 },
      { onProgress: (p) => seen.push(p.done) },
    );
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
    const lines = readFileSync(outFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => RewardOutput.parse(JSON.parse(l)));
    expect(lines.map((l) => l.id)).toEqual(["exact", "near", "format", "slow"]);
    expect(lines.some((l) => "code_context" in l || "output" in l)).toBe(false);
    const expected = records
      .slice(0, 3)
      .map((r) => calculateSearchReplaceReward(r.code_context, r.oracle_new_content, r.output).reward);
    expect(lines.slice(0, 3).map((l) => l.reward)).toEqual(expected);
    expect(lines[2]).toMatchObject({ reward: -1, status: "scored" });
    expect(lines[3]).toMatchObject({ reward: null, status: "timeout", error: "timed out after 1s" });
    expect(summary).toMatchObject({ total: 4, done: 4, formatErrors: 1, notScored: 1, outFile });
    expect(summary.mean).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 10);
  }, 30_000);

  it("names the bad option, and defaults the time limit to 60 seconds", async () => {
    await expect(scoreRewardFile({ inFile: "", outFile: "o.jsonl" })).rejects.toThrow(ConfigError);
    await expect(scoreRewardFile({ inFile: "", outFile: "o.jsonl" })).rejects.toThrow(
      /^scoreRewardFile: inFile: /,
    );
    expect(RewardBatchConfig.parse({ inFile: "a", outFile: "b" }).timeoutSeconds).toBe(60);
  });
});
