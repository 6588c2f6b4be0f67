import { readFileSync } from "node:fs";
import { type Prediction, readAllRecords, SweBenchInstance } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { buildRunReport } from "./run-report.js";

const GOLDEN = new URL("../../fixtures/golden-logs", import.meta.url).pathname;
const DATASETS = new URL("../../../schema/fixtures/swe-bench", import.meta.url).pathname;
/** Docker bookkeeping the 2.x harness added to its reports; nothing to do with grading. */
const DOCKER_ONLY = ["unstopped_instances", "unstopped_containers", "unremoved_images"];

function recorded(file: string): Record<string, unknown> {
  const report = JSON.parse(readFileSync(`${GOLDEN}/${file}`, "utf8")) as Record<string, unknown>;
  for (const key of DOCKER_ONLY) delete report[key];
  return report;
}

async function goldPredictions(file: string): Promise<Map<string, Prediction>> {
  const instances = await readAllRecords(`${DATASETS}/${file}.gz`, SweBenchInstance);
  return new Map(
    instances.map((i) => [
      i.instance_id,
      { instance_id: i.instance_id, model_name_or_path: "gold", model_patch: i.patch },
    ]),
  );
}

describe("buildRunReport reproduces recorded official run reports", () => {
  it("gold on Verified, all 500 resolved (official_swebench_repo_reports/gold.fresh-verified.json)", async () => {
    const predictions = await goldPredictions("swe-bench_verified.test.jsonl");
    const report = buildRunReport({
      selectedIds: [...predictions.keys()],
      predictions,
      resolved: new Map([...predictions.keys()].map((id) => [id, true])),
    });
    expect(JSON.stringify(report)).toBe(
      JSON.stringify(recorded("official_swebench_repo_reports/gold.fresh-verified.json")),
    );
  });

  it("gold on Lite with one selected instance (saadan_gold_v2/gold.validate-gold.json)", async () => {
    const predictions = await goldPredictions("swe-bench_lite.test.jsonl");
    const instanceReport = JSON.parse(
      readFileSync(`${GOLDEN}/saadan_gold_v2/sympy__sympy-20590/report.json`, "utf8"),
    );
    const report = buildRunReport({
      selectedIds: ["sympy__sympy-20590"],
      predictions,
      resolved: new Map([["sympy__sympy-20590", instanceReport["sympy__sympy-20590"].resolved as boolean]]),
    });
    expect(report).toEqual(recorded("saadan_gold_v2/gold.validate-gold.json"));
  });

  it("counts instances run without a report as errors and unsubmitted ones as incomplete", () => {
    const p = (id: string, patch: string | null): [string, Prediction] => [
      id,
      { instance_id: id, model_name_or_path: "m", model_patch: patch },
    ];
    const report = buildRunReport({
      selectedIds: ["d", "c", "b", "a", "e"],
      predictions: new Map([p("a", "x"), p("b", "x"), p("c", ""), p("d", null), p("z", "x")]),
      resolved: new Map([["a", false]]),
    });
    expect(report).toMatchObject({
      total_instances: 5,
      submitted_instances: 5,
      completed_ids: ["a"],
      unresolved_ids: ["a"],
      error_ids: ["b"],
      empty_patch_ids: ["c", "d"],
      incomplete_ids: ["e"],
    });
  });

  it("in the v5.0.2 shape adds the infrastructure and ambiguous failures of the selected instances, in the official key order", () => {
    const p = (id: string): [string, Prediction] => [
      id,
      { instance_id: id, model_name_or_path: "m", model_patch: "x" },
    ];
    const report = buildRunReport({
      selectedIds: ["c", "b", "a"],
      predictions: new Map([p("a"), p("b"), p("c")]),
      resolved: new Map([
        ["a", true],
        ["c", false],
      ]),
      v5: {
        infraFailureIds: ["b", "z"],
        ambiguousFailureIds: ["c", "y"],
        failureReasons: { c: "ambiguous", b: "infra", z: "not selected" },
      },
    });
    // the whole report, key order included (JSON.stringify keeps it): ids not selected are left out
    expect(JSON.stringify(report)).toBe(
      JSON.stringify({
        total_instances: 3,
        submitted_instances: 3,
        completed_instances: 2,
        resolved_instances: 1,
        unresolved_instances: 1,
        infra_failure_instances: 1,
        ambiguous_failure_instances: 1,
        empty_patch_instances: 0,
        error_instances: 0,
        completed_ids: ["a", "c"],
        incomplete_ids: [],
        empty_patch_ids: [],
        submitted_ids: ["a", "b", "c"],
        resolved_ids: ["a"],
        unresolved_ids: ["c"],
        infra_failure_ids: ["b"],
        ambiguous_failure_ids: ["c"],
        failure_reasons: { b: "infra", c: "ambiguous" },
        error_ids: [],
        schema_version: 2,
      }),
    );
  });
});
