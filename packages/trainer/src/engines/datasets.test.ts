import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { startRewardServer } from "@swerl/reward";
import { readRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOracleResponse } from "../oracle-response.js";
import {
  type EnginePrompt,
  OpenRlhfRow,
  RewardLabel,
  writeOpenRlhfDataset,
  writeVerlDataset,
} from "./datasets.js";

const label: RewardLabel = {
  instanceId: "demo__calc-1",
  codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
  oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
};
const system = { role: "system" as const, content: "Think, then answer." };
const prompts: EnginePrompt[] = [
  { messages: [system, { role: "user", content: "Fix the bug: add subtracts.\n" }], label },
  {
    messages: [system, { role: "user", content: "It's a second prompt with a 'quote'.\n" }],
    label: { ...label, instanceId: "demo__calc-2" },
  },
];
/** What the engine sends as the prompt text once its chat template is applied (any rendering will do). */
const rendered = (input: readonly { role: string; content: string }[]) =>
  input.map((m) => `<|${m.role}|>\n${m.content}`).join("") + "<|assistant|>\n";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-trainer-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function query(sqlText: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sqlText)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("verl dataset", () => {
  it("is Parquet with verl's nested columns, readable back with DuckDB", async () => {
    const file = join(dir, "train.parquet");
    expect(await writeVerlDataset(file, prompts)).toBe(2);
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${file}')`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      data_source: "VARCHAR",
      prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
      ability: "VARCHAR",
      reward_model: "STRUCT(style VARCHAR, ground_truth VARCHAR)",
      extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, instance_id VARCHAR)',
    });
    const rows = await query(
      `SELECT data_source, prompt[1].role AS system_role, prompt[2].role AS role, prompt[2].content AS content, reward_model.ground_truth AS gt, extra_info.index AS idx FROM '${file}' ORDER BY idx`,
    );
    expect(rows[1]).toMatchObject({
      data_source: "swerl",
      role: "user",
      system_role: "system",
      content: prompts[1]?.messages[1]?.content,
      idx: "1",
    });
    expect(RewardLabel.parse(JSON.parse(rows[0]?.gt as string))).toEqual(label);
  });
});

describe("OpenRLHF dataset and remote reward", () => {
  it("writes input/label JSONL that readRecords reads back", async () => {
    const file = join(dir, "prompts.jsonl");
    await writeOpenRlhfDataset(file, prompts);
    const rows = [];
    for await (const row of readRecords(file, OpenRlhfRow)) rows.push(row);
    expect(rows.map((r) => r.input)).toEqual(prompts.map((p) => p.messages));
    expect(JSON.parse(rows[1]?.label as string).instanceId).toBe("demo__calc-2");
  });
  it("scores OpenRLHF's {query, prompts, labels} request: oracle response 1, malformed -1", async () => {
    const file = join(dir, "prompts2.jsonl");
    await writeOpenRlhfDataset(file, prompts);
    const rows = [];
    for await (const row of readRecords(file, OpenRlhfRow)) rows.push(row);
    const good = buildOracleResponse(label);
    const body = JSON.parse(
      JSON.stringify({
        query: [
          `${rendered(rows[0]?.input ?? [])}${good}`,
          `${rendered(rows[1]?.input ?? [])}no tags at all`,
        ],
        prompts: rows.map((r) => rendered(r.input)),
        labels: rows.map((r) => r.label),
      }),
    );
    const server = await startRewardServer({ port: 0, workers: 1 });
    try {
      const post = async (payload: unknown) =>
        (await fetch(`${server.url}/get_reward`, { method: "POST", body: JSON.stringify(payload) })).json();
      expect(await post(body)).toMatchObject({
        rewards: [1, -1],
        scores: [1, -1],
        extra_logs: { format_error: [0, 1], prompt_truncated: [0, 0] },
      });
      expect(await post({ query: ["x"], prompts: [], labels: [] })).toEqual({
        error: "labels: expected 1 labels, got 0",
      });
      expect(await post({ query: ["x"], prompts: ["x"], labels: ["{}"] })).toMatchObject({
        error: expect.stringMatching(/^labels\[0\]: /),
      });
    } finally {
      await server.close();
    }
  });
});
