import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ReplayPolicy } from "@swerl/rollout";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { runAgentless } from "../run-agentless.js";
import { ADD_ISSUE, SHOUT_ISSUE, writeBenchmark } from "../testing/calc-benchmark.js";
import * as formats from "./formats.js";

const fixtures = fileURLToPath(new URL("../../fixtures/official/", import.meta.url));
const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A JSON value's type, arrays by their elements' types (nested), for comparing rows field by field. */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return value.length ? `${typeOf(value[0])}[]` : "[]";
  return value === null ? "null" : typeof value;
}

/** Every field of the official row is in swerl's, with the same JSON type (an empty list matches any list). */
function expectSameShape(ours: Record<string, unknown>, official: Record<string, unknown>, where: string) {
  for (const [key, value] of Object.entries(official)) {
    expect(Object.keys(ours), `${where}: ${key}`).toContain(key);
    const [a, b] = [typeOf(ours[key]), typeOf(value)];
    if (a !== "[]" && b !== "[]") expect(a, `${where}: ${key}`).toBe(b);
  }
}

function parseAll<S extends z.ZodType>(file: string, schema: S): z.output<S>[] {
  return lines(file).map((row, i) => {
    const parsed = schema.safeParse(row);
    expect(parsed.success, `${file}:${i + 1}: ${parsed.error?.message}`).toBe(true);
    return parsed.data as z.output<S>;
  });
}

const answer = (solution: string) => `<think>\nr\n</think>\n<solution>\n${solution}\n</solution>`;
const edit = (path: string, search: string, replace: string) =>
  `\`\`\`python\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;

let dir: string;
/** The two-instance benchmark's dataset, repositories and test specs. */
const benchmark = () => ({
  dataset: join(dir, "bench.jsonl"),
  reposDir: join(dir, "repos"),
  specsFile: join(dir, "test-specs.json"),
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-agentless-official-"));
  await writeBenchmark(dir);
});

describe("official Agentless / SWE-RL files: in, continued, and out again", () => {
  it("the fixtures parse with the official schemas", () => {
    parseAll(join(fixtures, "loc.jsonl"), formats.OfficialLocalization);
    parseAll(join(fixtures, "gt_loc.jsonl"), formats.OfficialLocalization);
    parseAll(join(fixtures, "repair/output.jsonl"), formats.OfficialRepairOutput);
    parseAll(join(fixtures, "repair/output_0_processed.jsonl"), formats.OfficialProcessedPatch);
    parseAll(join(fixtures, "repair/output_0_normalized.jsonl"), formats.OfficialNormalizedPatch);
    parseAll(
      join(fixtures, "repair/output_0_regression_test_results.jsonl"),
      formats.OfficialRegressionResult,
    );
    parseAll(
      join(fixtures, "repair/output_0_reproduction_test_results.jsonl"),
      formats.OfficialReproductionResult,
    );
    parseAll(join(fixtures, "regression_tests.jsonl"), formats.OfficialRegressionTests);
  });

  it("starts from an official loc.jsonl: repairs sample i over found_files[i mod 2], and writes the official files", async () => {
    const seen: string[] = [];
    const replay = new ReplayPolicy([
      {
        match: ["We are currently solving", ADD_ISSUE],
        responses: [
          answer(edit("calc/ops.py", "    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub")),
        ],
      },
      {
        match: ["We are currently solving", SHOUT_ISSUE, "calc/text.py"],
        responses: [answer(edit("calc/text.py", "s.lower()", "s.upper()"))],
      },
      {
        match: ["We are currently solving", SHOUT_ISSUE],
        responses: [answer(edit("calc/util.py", "LIMIT = 10", "LIMIT = 20"))],
      },
      { match: ["Write one standalone Python script"], responses: ["no test"] },
    ]);
    const policy = {
      model: "scripted",
      sample: (prompts: readonly string[], o: Parameters<typeof replay.sample>[1]) => {
        seen.push(...prompts);
        return replay.sample(prompts, o);
      },
      close: () => replay.close(),
    };
    const outDir = join(dir, "from-loc");
    const run = await runAgentless(
      {
        ...benchmark(),
        outDir,
        locFile: join(fixtures, "loc.jsonl"),
        numSamples: 4,
        numTests: 1,
        modelNameOrPath: "agentless",
      },
      { policy },
    );
    // no localization prompt: the file's lists were used, per sample
    expect(seen.some((p) => p.includes("Decide which files"))).toBe(false);
    expect(run.stages.map((s) => s.localization.files)).toEqual([
      ["calc/ops.py", "calc/util.py"],
      ["calc/util.py", "calc/text.py"],
    ]);
    const trace = JSON.parse(readFileSync(join(outDir, "instances", "demo__calc-2.json"), "utf8"));
    expect(trace.repair.candidates.map((c: { list: number }) => c.list)).toEqual([0, 1, 0, 1]);
    expect(run.stages[1]!.repair.nonEmpty).toBe(4);
    // outputs: the same field names and types as the official files
    const loc = parseAll(join(outDir, "loc.jsonl"), formats.OfficialLocalization);
    expectSameShape(loc[0]!, lines(join(fixtures, "loc.jsonl"))[0]!, "loc.jsonl");
    expect(loc[1]!.found_files).toEqual([["calc/util.py"], ["calc/text.py"]]);
    const output = parseAll(join(outDir, "repair/output.jsonl"), formats.OfficialRepairOutput);
    expectSameShape(output[0]!, lines(join(fixtures, "repair/output.jsonl"))[0]!, "output.jsonl");
    expect(output[0]!.all_generations[0]).toHaveLength(4);
    expect(output[0]!.file_names[0]![0]).toEqual(["calc/ops.py"]);
    for (const [name, schema] of [
      ["output_0_processed.jsonl", formats.OfficialProcessedPatch],
      ["output_0_normalized.jsonl", formats.OfficialNormalizedPatch],
      ["output_0_regression_test_results.jsonl", formats.OfficialRegressionResult],
    ] as const) {
      const rows = parseAll(join(outDir, "repair", name), schema);
      expect(rows.map((r) => r.instance_id)).toEqual(["demo__calc-1", "demo__calc-2"]);
      expectSameShape(rows[0]!, lines(join(fixtures, "repair", name))[0]!, name);
      expect(rows[0]!.model_name_or_path).toBe("agentless");
    }
    const regressionTests = parseAll(join(outDir, "regression_tests.jsonl"), formats.OfficialRegressionTests);
    expectSameShape(
      regressionTests[0]!,
      lines(join(fixtures, "regression_tests.jsonl"))[0]!,
      "regression_tests",
    );
    expect(regressionTests[0]!.tests_passing_in_original_repo).toContain(
      "test_sub (tests.test_ops.OpsTest.test_sub)",
    );
    // the fix breaks nothing; the util edit for instance 2 breaks nothing either but fixes nothing
    const regression = parseAll(
      join(outDir, "repair/output_0_regression_test_results.jsonl"),
      formats.OfficialRegressionResult,
    );
    expect(regression[0]!.regression).toEqual([]);
    parseAll(
      join(outDir, "repair/output_0_reproduction_test_results.jsonl"),
      formats.OfficialReproductionResult,
    );
    const preds = lines(join(outDir, "all_preds.jsonl"));
    expect(preds[0]!.model_patch).toContain("+    return a + b");
  });

  it("continues from an official repair folder and the ground-truth localization file without sampling a repair", async () => {
    const asked: string[] = [];
    const policy = {
      model: "unused",
      sample: async (prompts: readonly string[]) => {
        asked.push(...prompts);
        return prompts.map(() => ({ promptTokenIds: [], samples: [] }));
      },
      close: async () => {},
    };
    const outDir = join(dir, "from-repair");
    const run = await runAgentless(
      {
        ...benchmark(),
        outDir,
        locFile: join(fixtures, "gt_loc.jsonl"),
        patchFolder: join(fixtures, "repair"),
        numTests: 0,
      },
      { policy },
    );
    expect(asked).toEqual([]);
    expect(run.stages.map((s) => s.localization.outcome)).toEqual(["all", "all"]);
    // calc-1: the fix twice (one normalized patch) and a sub() edit that breaks test_sub
    expect(run.stages[0]!.repair).toMatchObject({ samples: 3, nonEmpty: 3, unique: 2 });
    // the first filter that narrows (regression, then reproduction: no tests, all one group) leaves one patch
    expect(run.stages[0]!.rerank).toEqual({ chosen: 0, decidedBy: "regression+reproduction" });
    // calc-2: sample 1 has no edit; 0 and 2 are the same fix
    expect(run.stages[1]!.repair.byStatus).toMatchObject({ ok: 2, "no-edits": 1 });
    expect(run.stages[1]!.rerank).toEqual({ chosen: 0, decidedBy: "only-candidate" });
    const preds = lines(join(outDir, "all_preds.jsonl"));
    expect(preds[1]!.model_patch).toContain("+    return s.upper()");
    // and the rerank inputs come out again, one file per sample
    for (let i = 0; i < 3; i++)
      parseAll(join(outDir, "repair", `output_${i}_normalized.jsonl`), formats.OfficialNormalizedPatch);
    const normalized = lines(join(outDir, "repair/output_0_normalized.jsonl"));
    expect(normalized[0]!.normalized_patch).toBe(
      lines(join(outDir, "repair/output_1_normalized.jsonl"))[0]!.normalized_patch,
    );
  });
});
