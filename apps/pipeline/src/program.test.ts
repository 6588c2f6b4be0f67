import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { captureOutput } from "./testing/capture-output.js";
import { swerl } from "./testing/cli.js";

const datasets = resolve(import.meta.dirname, "../../../packages/schema/fixtures/swe-bench");

describe("swerl CLI", () => {
  beforeEach(() => {
    process.exitCode = undefined;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it("--help lists every subcommand with examples", async () => {
    const io = captureOutput();
    expect(await swerl("--help")).toBe(0);
    expect(io.out()).toMatch(/pipeline \[options\]/);
    expect(io.out()).toMatch(/validate \[options\] <files\.\.\.>/);
    expect(io.out()).toMatch(/Examples:/);
  });

  it("exits 2 with a one-line cause naming the flag on a bad option value", async () => {
    const io = captureOutput();
    expect(await swerl("validate", "--kind", "nope", "x.jsonl")).toBe(2);
    expect(io.err().trim().split("\n")).toHaveLength(1);
    expect(io.err()).toMatch(/^swerl: --kind: /);
  });

  it("exits 2 on an unknown command", async () => {
    captureOutput();
    expect(await swerl("frobnicate")).toBe(2);
  });

  it("validates a real dataset file", async () => {
    const io = captureOutput();
    const file = `${datasets}/swe-bench_lite.dev.parquet`;
    expect(await swerl("validate", "--kind", "swe-bench", file)).toBe(0);
    expect(io.out()).toContain(`${file}: 23 valid swe-bench records`);
  });

  it("exits 1 with file:line: field: message on a bad record", async () => {
    const io = captureOutput();
    const file = `${datasets}/swe-bench_lite.dev.jsonl.gz`;
    expect(await swerl("validate", "--kind", "prediction", file)).toBe(1);
    expect(io.err()).toMatch(/swe-bench_lite\.dev\.jsonl\.gz:1: model_name_or_path: /);
  });

  it("pipeline --dry-run prints every stage of the loop", async () => {
    const io = captureOutput();
    expect(await swerl("pipeline", "--dry-run")).toBe(0);
    for (const stage of ["demo", "mine", "curate", "tasks", "sft", "grpo", "agentless", "eval", "report"]) {
      expect(io.out()).toMatch(new RegExp(`\\b${stage}\\b`));
    }
  });
});
