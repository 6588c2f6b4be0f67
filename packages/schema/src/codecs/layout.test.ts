import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { MinedPullRequest } from "../records/pull-request.js";
import { RlInstance } from "../records/rl-instance.js";
import { SweBenchInstance } from "../records/swe-bench-instance.js";
import { snakeCase } from "./layout.js";
import { readAllRecords, writeRecords } from "./records-file.js";

/** An RlInstance's fields in its files (JSONL keys, Parquet columns): snake_case, in schema order. */
const RL_COLUMNS = [
  "instance_id",
  "problem_statement",
  "code_context",
  "oracle_new_content",
  "oracle_patch",
  "provenance",
];

const legacy = join(import.meta.dirname, "../../fixtures/legacy");
const instances: z.input<typeof RlInstance>[] = [
  {
    instanceId: "demo__calc-1",
    problemStatement: "add() ignores its second argument",
    codeContext: { "calc/ops.py": "def add(a, b):\n    return a\n", "README.md": "calc\n" },
    oracleNewContent: { "calc/ops.py": "def add(a, b):\n    return a + b\n" },
    oraclePatch:
      "--- a/calc/ops.py\n+++ b/calc/ops.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a\n+    return a + b\n",
    provenance: {
      source: "demo",
      repo: "demo/calc",
      pullNumber: 7,
      issueNumbers: [3],
      url: "https://example.invalid/7",
    },
  },
  {
    instanceId: "demo__calc-2",
    problemStatement: "sub() is missing",
    codeContext: { "calc/ops.py": "def add(a, b):\n    return a + b\n" },
    oracleNewContent: {
      "calc/ops.py": "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n",
    },
    oraclePatch: "",
    provenance: { source: "demo", repo: "demo/calc" },
  },
];
const expected = instances.map((i) => RlInstance.parse(i));

async function duck<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("file layout: snake_case names, native nested Parquet types", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swerl-layout-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("snake-cases field names the way SWE-RL/SWE-bench spell them", () => {
    expect(
      ["instanceId", "problemStatement", "codeContext", "oracleNewContent", "oraclePatch"].map(snakeCase),
    ).toEqual(["instance_id", "problem_statement", "code_context", "oracle_new_content", "oracle_patch"]);
    expect(["FAIL_TO_PASS", "instance_id", "model_name_or_path"].map(snakeCase)).toEqual([
      "FAIL_TO_PASS",
      "instance_id",
      "model_name_or_path",
    ]);
  });

  it("writes RL instance Parquet that DuckDB describes as STRUCT/MAP/LIST columns", async () => {
    const file = join(dir, "rl.parquet");
    await writeRecords(file, RlInstance, instances);
    const columns = await duck<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM '${file}'`,
    );
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]));
    expect(Object.keys(types)).toEqual(RL_COLUMNS);
    expect(types.code_context).toBe("MAP(VARCHAR, VARCHAR)");
    expect(types.oracle_new_content).toBe("MAP(VARCHAR, VARCHAR)");
    expect(types.provenance).toMatch(/^STRUCT\(.*pull_number BIGINT.*issue_numbers BIGINT\[\]/);
    const kv = await duck<{ n: bigint }>(`SELECT count(*) AS n FROM parquet_kv_metadata('${file}')`);
    expect(Number(kv[0]?.n)).toBe(0);
    // Plain SQL reads the nested values: a path's content, a struct field.
    const rows = await duck<{ c: string; repo: string }>(
      `SELECT code_context['calc/ops.py'] AS c, provenance.repo AS repo FROM '${file}' ORDER BY instance_id`,
    );
    expect(rows[0]).toEqual({ c: instances[0]?.codeContext["calc/ops.py"], repo: "demo/calc" });
    expect(await readAllRecords(file, RlInstance)).toEqual(expected);
  });

  it("reads a file re-saved by DuckDB's COPY back unchanged", async () => {
    const file = join(dir, "rl2.parquet");
    const copy = join(dir, "rl2.copy.parquet");
    await writeRecords(file, RlInstance, instances);
    await duck(`COPY (SELECT * FROM '${file}') TO '${copy}' (FORMAT parquet)`);
    expect(await readAllRecords(copy, RlInstance)).toEqual(expected);
  });

  it("writes JSONL with the same snake_case names", async () => {
    const file = join(dir, "rl.jsonl");
    await writeRecords(file, RlInstance, instances);
    const first = JSON.parse((await readFile(file, "utf8")).split("\n")[0] as string);
    expect(Object.keys(first)).toEqual(RL_COLUMNS);
    expect(Object.keys(first.provenance)).toContain("pull_number");
    expect(first.code_context).toEqual(instances[0]?.codeContext);
    expect(await readAllRecords(file, RlInstance)).toEqual(expected);
  });

  it("still reads files in the previous layout (camelCase, JSON-text Parquet columns)", async () => {
    expect(await readAllRecords(join(legacy, "rl-instances.v0.parquet"), RlInstance)).toEqual(expected);
    expect(await readAllRecords(join(legacy, "rl-instances.v0.jsonl"), RlInstance)).toEqual(expected);
  });

  it("leaves snake_case records (SWE-bench) with their official column names", async () => {
    const source = join(import.meta.dirname, "../../fixtures/swe-bench/swe-bench_lite.dev.parquet");
    const records = await readAllRecords(source, SweBenchInstance);
    const file = join(dir, "lite.parquet");
    await writeRecords(file, SweBenchInstance, records);
    const columns = await duck<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM '${file}'`,
    );
    const names = columns.map((c) => c.column_name);
    expect(names).toContain("FAIL_TO_PASS");
    expect(names).toContain("problem_statement");
    expect(columns.find((c) => c.column_name === "FAIL_TO_PASS")?.column_type).toBe("VARCHAR[]");
    expect(await readAllRecords(file, SweBenchInstance)).toEqual(records);
  });
  it("round-trips mined PRs (lists of structs, nullable fields) through Parquet and a DuckDB copy", async () => {
    const sha = (c: string) => c.repeat(40);
    const prs = [
      MinedPullRequest.parse({
        repo: "demo/calc",
        number: 7,
        title: "Fix add",
        body: "Fixes #3",
        author: "alice",
        createdAt: "2024-01-02T03:04:05Z",
        mergedAt: null,
        baseCommit: sha("a"),
        headCommit: sha("b"),
        mergeCommit: null,
        labels: ["bug"],
        comments: [{ author: null, body: "ghost comment" }],
        files: [{ path: "calc/ops.py", status: "modified", additions: 1, deletions: 1 }],
        linkedIssues: [
          {
            repo: "demo/calc",
            number: 3,
            title: "add is wrong",
            body: "",
            linkedBy: "keyword",
            comments: [],
          },
        ],
        patch: "diff",
      }),
      MinedPullRequest.parse({
        repo: "demo/calc",
        number: 8,
        title: "Docs",
        body: "",
        author: null,
        createdAt: "2024-01-03T03:04:05Z",
        mergedAt: "2024-01-04T03:04:05Z",
        baseCommit: sha("c"),
        headCommit: sha("d"),
        mergeCommit: sha("e"),
      }),
    ];
    const file = join(dir, "prs.parquet");
    const copy = join(dir, "prs.copy.parquet");
    await writeRecords(file, MinedPullRequest, prs);
    await duck(`COPY (SELECT * FROM '${file}') TO '${copy}' (FORMAT parquet)`);
    const columns = await duck<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM '${copy}'`,
    );
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]));
    expect(types.author_is_bot).toBe("BOOLEAN");
    expect(types.linked_issues).toMatch(/^STRUCT\(.*linked_by VARCHAR\)\[\]$/);
    expect(types.files).toMatch(/^STRUCT\(.*previous_path VARCHAR.*\)\[\]$/);
    expect(await readAllRecords(copy, MinedPullRequest)).toEqual(prs);
  });
});
