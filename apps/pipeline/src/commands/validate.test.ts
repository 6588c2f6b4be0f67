import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { RlInstance, writeRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { swerl } from "../testing/cli.js";

describe("swerl validate", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swerl-validate-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("validates an RL instance Parquet re-saved by DuckDB's COPY", async () => {
    const file = join(dir, "instances.parquet");
    const copy = join(dir, "instances.copy.parquet");
    await writeRecords(file, RlInstance, [
      {
        instanceId: "demo__calc-1",
        problemStatement: "add() ignores b",
        codeContext: { "calc/ops.py": "def add(a, b):\n    return a\n" },
        oracleNewContent: { "calc/ops.py": "def add(a, b):\n    return a + b\n" },
        oraclePatch: "",
        provenance: { source: "demo", repo: "demo/calc", pullNumber: 1 },
      },
    ]);
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM '${file}') TO '${copy}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    const io = captureOutput();
    expect(await swerl("validate", "--kind", "rl-instance", copy)).toBe(0);
    expect(io.out()).toContain(`${copy}: 1 valid rl-instance records`);
  });

  it("names the dataset when a Hub name is offline with no cache", async () => {
    const io = captureOutput();
    const saved = { ...process.env };
    process.env.HF_HUB_OFFLINE = "1";
    process.env.HF_HUB_CACHE = join(dir, "empty-cache");
    try {
      const code = await swerl(
        "validate",
        "--kind",
        "swe-bench",
        "princeton-nlp/SWE-bench_Lite",
        "--split",
        "dev",
      );
      expect(code).not.toBe(0);
      expect(io.err()).toMatch(/princeton-nlp\/SWE-bench_Lite \(split dev/);
    } finally {
      process.env = saved;
    }
  });
});
