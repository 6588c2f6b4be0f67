import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  readAllRecords,
  type SweBenchInstance,
  SweBenchInstance as SweBenchInstanceSchema,
} from "@swerl/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { gradeTests, resolutionStatus } from "../grading/grade.js";
import { parserForRepository } from "./registry.js";
import type { HarnessVersion } from "./test-status.js";

const GOLDEN = new URL("../../fixtures/golden-logs", import.meta.url).pathname;
const DATASETS = new URL("../../../schema/fixtures/swe-bench", import.meta.url).pathname;
const START = ">>>>> Start Test Output";
const END = ">>>>> End Test Output";

interface Recorded {
  resolved: boolean;
  tests_status?: Record<"FAIL_TO_PASS" | "PASS_TO_PASS", { success: string[]; failure: string[] }>;
}

const cases: Array<[string, string]> = [];
for (const run of readdirSync(GOLDEN)) {
  const runDir = path.join(GOLDEN, run);
  if (!statSync(runDir).isDirectory()) continue;
  for (const instance of readdirSync(runDir)) {
    const dir = path.join(runDir, instance);
    if (
      existsSync(path.join(dir, "report.json")) &&
      (existsSync(path.join(dir, "test_output.txt")) || existsSync(path.join(dir, "test_output.tail.txt")))
    ) {
      cases.push([run, instance]);
    }
  }
}

const instances = new Map<string, SweBenchInstance>();
beforeAll(async () => {
  for (const file of [
    "swe-bench_verified.test.jsonl",
    "swe-bench_lite.test.jsonl",
    "swe-bench_lite.dev.jsonl",
  ]) {
    for (const record of await readAllRecords(path.join(DATASETS, `${file}.gz`), SweBenchInstanceSchema)) {
      instances.set(record.instance_id, record);
    }
  }
});

describe("every recorded official instance run: our parse + grade == its report.json", () => {
  it("finds the recorded runs", () => expect(cases.length).toBeGreaterThanOrEqual(15));
  it.each(cases)("%s %s", (run, id) => {
    const dir = path.join(GOLDEN, run, id);
    const recorded = (
      JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as Record<string, Recorded>
    )[id] as Recorded;
    const file = existsSync(path.join(dir, "test_output.txt")) ? "test_output.txt" : "test_output.tail.txt";
    let log = readFileSync(path.join(dir, file), "utf8");
    if (log.includes(START) && log.includes(END)) log = log.split(START)[1]?.split(END)[0] ?? "";
    const instance = instances.get(id);
    const harness: HarnessVersion = run.endsWith("_v5") ? "v5.0.2" : "v4.0.4";
    const expected = instance ?? {
      FAIL_TO_PASS: [
        ...(recorded.tests_status?.FAIL_TO_PASS.success ?? []),
        ...(recorded.tests_status?.FAIL_TO_PASS.failure ?? []),
      ],
      PASS_TO_PASS: [
        ...(recorded.tests_status?.PASS_TO_PASS.success ?? []),
        ...(recorded.tests_status?.PASS_TO_PASS.failure ?? []),
      ],
    };
    const repo = instance?.repo ?? `${id.split("__")[0]}/${id.split("__")[1]?.replace(/-\d+$/, "")}`;
    const tests = gradeTests(parserForRepository(repo)(log, harness), expected, { harness });
    expect({ FAIL_TO_PASS: tests.FAIL_TO_PASS, PASS_TO_PASS: tests.PASS_TO_PASS }).toEqual({
      FAIL_TO_PASS: recorded.tests_status?.FAIL_TO_PASS,
      PASS_TO_PASS: recorded.tests_status?.PASS_TO_PASS,
    });
    expect(resolutionStatus(tests) === "RESOLVED_FULL").toBe(recorded.resolved);
  });
});
