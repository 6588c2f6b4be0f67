import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { RecordError } from "../errors.js";
import { RlInstance } from "../records/rl-instance.js";
import { Prediction, SweBenchInstance } from "../records/swe-bench-instance.js";
import { readAllRecords, readRecords, writeRecords } from "./records-file.js";

const datasets = resolve(import.meta.dirname, "../../fixtures/swe-bench");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-schema-"));
});

describe("SWE-bench Verified as published", () => {
  it("parses all 500 JSONL records, with FAIL_TO_PASS decoded to arrays", async () => {
    const records = await readAllRecords(
      join(datasets, "swe-bench_verified.test.jsonl.gz"),
      SweBenchInstance,
    );
    expect(records).toHaveLength(500);
    expect(new Set(records.map((r) => r.instance_id)).size).toBe(500);
    for (const r of records) {
      expect(Array.isArray(r.FAIL_TO_PASS)).toBe(true);
      expect(r.FAIL_TO_PASS.length).toBeGreaterThan(0);
      expect(typeof r.eval_script).toBe("string");
    }
    expect(records.filter((r) => r.repo === "django/django")).toHaveLength(231);
  });

  it("reads the Parquet twin to the same records", async () => {
    const fromJsonl = await readAllRecords(
      join(datasets, "swe-bench_verified.test.jsonl.gz"),
      SweBenchInstance,
    );
    const fromParquet = await readAllRecords(
      join(datasets, "swe-bench_verified.test.parquet"),
      SweBenchInstance,
    );
    expect(fromParquet).toEqual(fromJsonl);
  });

  it.each(["roundtrip.jsonl", "roundtrip.parquet"])(
    "round-trips all 500 records through %s",
    async (name) => {
      const original = await readAllRecords(
        join(datasets, "swe-bench_verified.test.jsonl.gz"),
        SweBenchInstance,
      );
      const file = join(dir, name);
      expect(await writeRecords(file, SweBenchInstance, original)).toBe(500);
      expect(await readAllRecords(file, SweBenchInstance)).toEqual(original);
    },
  );

  it("parses the Lite test and dev sets in both formats", async () => {
    for (const split of ["test", "dev"]) {
      const a = await readAllRecords(join(datasets, `swe-bench_lite.${split}.jsonl.gz`), SweBenchInstance);
      const b = await readAllRecords(join(datasets, `swe-bench_lite.${split}.parquet`), SweBenchInstance);
      expect(a.length).toBe(split === "test" ? 300 : 23);
      expect(b).toEqual(a);
    }
  });
});

describe("bad records", () => {
  const Item = z.object({ id: z.string(), meta: z.object({ tags: z.array(z.string()) }) });
  const good = (id: string) => JSON.stringify({ id, meta: { tags: ["x"] } });

  it("yields the good records first, then fails with file:line: field.path: message", async () => {
    const file = join(dir, "bad.jsonl");
    await writeFile(
      file,
      [good("a"), good("b"), "", JSON.stringify({ id: "c", meta: { tags: ["x", 3] } }), good("d")].join("\n"),
    );
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const r of readRecords(file, Item)) seen.push(r.id);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual(["a", "b"]);
    expect(error).toBeInstanceOf(RecordError);
    const e = error as RecordError;
    expect(e.message).toMatch(new RegExp(`^${file.replaceAll(".", "\\.")}:4: meta\\.tags\\[1\\]: `));
    expect(e.location).toEqual({ file, line: 4 });
    expect(e.fieldPath).toBe("meta.tags[1]");
  });

  it("reports invalid JSON with its line", async () => {
    const file = join(dir, "broken.jsonl");
    await writeFile(file, `${good("a")}\n{"id": "b", \n`);
    await expect(readAllRecords(file, Item)).rejects.toThrow(/broken\.jsonl:2: invalid JSON/);
  });

  it("skips and reports bad records when asked, keeping the rest", async () => {
    const file = join(dir, "mixed.jsonl");
    await writeFile(file, [good("a"), '{"id": 1}', "not json", good("d")].join("\n"));
    const errors: string[] = [];
    const records = await readAllRecords(file, Item, { onInvalid: (e) => errors.push(e.message) });
    expect(records.map((r) => r.id)).toEqual(["a", "d"]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/mixed\.jsonl:2: id: /);
    expect(errors[1]).toMatch(/mixed\.jsonl:3: invalid JSON/);
  });

  it("validates on write and names the record", async () => {
    const file = join(dir, "out.jsonl");
    await expect(
      writeRecords(file, Item, [{ id: "a", meta: { tags: [] } }, { id: 2 } as never]),
    ).rejects.toThrow(/out\.jsonl:2: id: /);
  });

  it("names the row of a bad Parquet record", async () => {
    const file = join(dir, "preds.parquet");
    const Loose = z.object({ instance_id: z.string(), model_patch: z.string().nullable() });
    await writeRecords(file, Loose, [
      { instance_id: "a", model_patch: "x" },
      { instance_id: "b", model_patch: null },
    ]);
    const Strict = z.object({ instance_id: z.string(), model_patch: z.string() });
    await expect(readAllRecords(file, Strict)).rejects.toThrow(/preds\.parquet\[row 1\]: model_patch: /);
  });
});

describe("formats", () => {
  it("reads gzipped JSONL", async () => {
    const file = join(dir, "preds.jsonl.gz");
    const lines = [{ instance_id: "a", model_name_or_path: "m", model_patch: "" }].map((r) =>
      JSON.stringify(r),
    );
    await writeFile(file, gzipSync(lines.join("\n")));
    expect(await readAllRecords(file, Prediction)).toHaveLength(1);
  });

  it("reads JSON arrays and id-keyed objects", async () => {
    const rec = { instance_id: "a", model_name_or_path: "m", model_patch: null };
    await writeFile(join(dir, "arr.json"), JSON.stringify([rec]));
    await writeFile(join(dir, "obj.json"), JSON.stringify({ a: rec }));
    expect(await readAllRecords(join(dir, "arr.json"), Prediction)).toEqual([rec]);
    expect(await readAllRecords(join(dir, "obj.json"), Prediction)).toEqual([rec]);
  });

  it("round-trips nested records, nulls and absent fields through Parquet", async () => {
    const instances: z.input<typeof RlInstance>[] = [
      {
        instanceId: "demo/x#1",
        problemStatement: "It breaks",
        codeContext: { "a.py": "x = 1\n", "b/c.py": "" },
        oracleNewContent: { "a.py": "x = 2\n" },
        oraclePatch: "--- a/a.py\n+++ b/a.py\n",
        provenance: { source: "demo", repo: "demo/x", pullNumber: 3, issueNumbers: [1] },
      },
      {
        instanceId: "demo/x#2",
        problemStatement: "ünïcödé 🐍",
        codeContext: {},
        oracleNewContent: { "new.py": "print('hi')\n" },
        oraclePatch: "",
        provenance: { source: "demo", repo: "demo/x", issueNumbers: [] },
      },
    ];
    const file = join(dir, "rl.parquet");
    await writeRecords(file, RlInstance, instances);
    expect(await readAllRecords(file, RlInstance)).toEqual(await readAllRecords(file, RlInstance));
    expect(await readAllRecords(file, RlInstance)).toEqual(instances.map((i) => RlInstance.parse(i)));
  });

  it("names a missing file instead of failing with a bare ENOENT", async () => {
    await expect(readAllRecords(join(dir, "missing.jsonl"), Prediction)).rejects.toThrow(
      /missing\.jsonl: cannot read: ENOENT/,
    );
    await expect(readAllRecords(join(dir, "missing.json"), Prediction)).rejects.toThrow(
      /missing\.json: cannot read: ENOENT/,
    );
  });

  it("rejects unknown file types with a clear message", async () => {
    await expect(readAllRecords(join(dir, "x.csv"), Prediction)).rejects.toThrow(/unknown record file type/);
  });
});
