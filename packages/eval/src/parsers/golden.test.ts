import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { gradeTests, resolutionStatus } from "../grading/grade.js";
import { LOG_PARSERS } from "./registry.js";
import { HarnessVersion, type StatusMap } from "./test-status.js";

const GOLDEN = new URL("../../fixtures/golden-logs", import.meta.url).pathname;

interface ParserVector {
  id: string;
  kind: "parser";
  harness: string;
  parser: string;
  log: string;
  expected_status_map: StatusMap;
}
interface GraderVector {
  id: string;
  kind: "grader";
  harness: string;
  status_map: StatusMap;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  eval_type: "pass_and_fail" | "fail_only";
  expected_tests_status: { FAIL_TO_PASS: unknown; PASS_TO_PASS: unknown };
  expected_resolution_status: string;
  expected_resolved: boolean;
}

const vectors = readFileSync(path.join(GOLDEN, "synthetic_parser_grader_vectors.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as ParserVector | GraderVector);

describe("official parser vectors", () => {
  const parserVectors = vectors.filter((v): v is ParserVector => v.kind === "parser");
  it("covers every vector", () => expect(parserVectors.length).toBe(16));
  it.each(parserVectors.map((v) => [`${v.harness} ${v.id}`, v] as const))("%s", (_, vector) => {
    const parser = LOG_PARSERS[vector.parser];
    expect(parser, vector.parser).toBeDefined();
    expect(parser?.(vector.log, HarnessVersion.parse(vector.harness))).toEqual(vector.expected_status_map);
  });
});

describe("official grader vectors", () => {
  const graderVectors = vectors.filter((v): v is GraderVector => v.kind === "grader");
  it.each(graderVectors.map((v) => [`${v.harness} ${v.id}`, v] as const))("%s", (_, vector) => {
    const tests = gradeTests(vector.status_map, vector, {
      harness: HarnessVersion.parse(vector.harness),
      evalType: vector.eval_type,
    });
    expect({ FAIL_TO_PASS: tests.FAIL_TO_PASS, PASS_TO_PASS: tests.PASS_TO_PASS }).toEqual(
      vector.expected_tests_status,
    );
    const status = resolutionStatus(tests);
    expect(status).toBe(vector.expected_resolution_status);
    expect(status === "RESOLVED_FULL").toBe(vector.expected_resolved);
  });
});
