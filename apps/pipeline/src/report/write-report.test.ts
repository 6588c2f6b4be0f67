import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PipelineConfig } from "../pipeline/config.js";
import { pipelineStages } from "../pipeline/stages.js";
import { ReportData } from "./report-data.js";
import { writeRunReport } from "./write-report.js";

describe("run report", () => {
  it("renders funnel, training curves and evaluation from stage outputs into one offline page", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "swerl-report-"));
    for (const d of ["curate", "grpo", "eval", "out"]) await mkdir(join(runDir, d));
    await writeFile(
      join(runDir, "curate/funnel.json"),
      JSON.stringify([
        { step: "pull requests", count: 40 },
        { step: "linked to an issue", count: 30 },
        { step: "RL instances", count: 24 },
      ]),
    );
    const rows = [0, 1, 2, 3].map((step) =>
      JSON.stringify({
        step,
        phase: "grpo",
        time: "2026-01-01T00:00:00Z",
        loss: 1 - step / 10,
        rewardMean: step / 10,
        rewardStd: 0.05,
        formatErrorRate: 0.5 - step / 10,
        kl: step / 100,
        responseLengthMean: 100 + step,
        stepSeconds: 1,
      }),
    );
    await writeFile(join(runDir, "grpo/metrics.jsonl"), `${rows.join("\n")}\n`);
    const heldout = (phase: string, step: number, rewardMean: number, formatErrorRate: number) =>
      JSON.stringify({
        phase,
        step,
        time: "t",
        instances: 4,
        rewardMean,
        formatErrorRate,
        responseLengthMean: 50,
      });
    await mkdir(join(runDir, "sft"));
    await writeFile(join(runDir, "sft/metrics.jsonl"), "");
    await writeFile(
      join(runDir, "sft/heldout.jsonl"),
      `${heldout("sft", 0, -1, 1)}\n${heldout("sft", 6, 0.1, 0.25)}\n`,
    );
    await writeFile(
      join(runDir, "grpo/heldout.jsonl"),
      `${heldout("grpo", 0, 0.1, 0.25)}\n${heldout("grpo", 3, 0.2, 0)}\n`,
    );
    const ids = ["demo__calc-1", "demo__calc-2", "demo__strings-1"];
    await writeFile(
      join(runDir, "eval/report.json"),
      JSON.stringify({
        total_instances: 3,
        submitted_instances: 3,
        completed_instances: 3,
        resolved_instances: 1,
        unresolved_instances: 2,
        empty_patch_instances: 0,
        error_instances: 0,
        completed_ids: ids,
        incomplete_ids: [],
        empty_patch_ids: [],
        submitted_ids: ids,
        resolved_ids: ["demo__calc-2"],
        unresolved_ids: ["demo__calc-1", "demo__strings-1"],
        error_ids: [],
        schema_version: 2,
      }),
    );
    const config = PipelineConfig.parse({ runId: "r" });
    const data = await writeRunReport(runDir, join(runDir, "out"), config, pipelineStages);
    expect(ReportData.parse(JSON.parse(await readFile(join(runDir, "out/report.json"), "utf8")))).toEqual(
      data,
    );
    expect(data.evaluation?.resolvedRate).toBeCloseTo(1 / 3);
    expect(data.evaluation?.perRepository).toEqual([
      { repo: "demo/calc", resolved: 1, total: 2 },
      { repo: "demo/strings", resolved: 0, total: 1 },
    ]);
    const html = await readFile(join(runDir, "out/report.html"), "utf8");
    // GRPO's held-out steps continue SFT's on one axis.
    expect(data.training.heldout.map((r) => [r.phase, r.step])).toEqual([
      ["sft", 0],
      ["sft", 6],
      ["grpo", 0],
      ["grpo", 3],
    ]);
    // The phase table and the flat headline read the same held-out rows: base, end of SFT, end of GRPO.
    expect(data.phases.map((p) => [p.phase, p.heldoutReward, p.formatAccuracy, p.resolvedInstances])).toEqual(
      [
        ["base", -1, 0, null],
        ["sft", 0.1, 0.75, null],
        ["grpo", 0.2, 1, 1],
      ],
    );
    expect(data.headline).toMatchObject({
      heldout_reward_base: -1,
      heldout_reward_after_sft: 0.1,
      heldout_reward_after_grpo: 0.2,
      resolved_instances: 1,
      total_instances: 3,
    });
    expect(html).toContain("<td>after GRPO</td><td>0.200</td><td>100.0%</td><td>4</td><td>1 / 3</td>");
    // GRPO's own curves (reward, format, KL, length, loss), no SFT loss in this run.
    for (const id of [
      "heldout",
      "heldout-format",
      "reward",
      "format",
      "kl",
      "length",
      "grpo-loss",
      "funnel",
    ]) {
      expect(html).toMatch(new RegExp(`data-chart="${id}"><figcaption>[^<]+</figcaption><svg`));
    }
    expect(html).toContain("33.3% resolved");
    expect(html).toContain(
      "Held-out mean reward -1.000 (sft step 0) → 0.200 (grpo step 3); format errors 100.0% → 0.0%",
    );
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it("names a stage output that is present but broken", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "swerl-report-"));
    await mkdir(join(runDir, "curate"));
    await writeFile(join(runDir, "curate/funnel.json"), JSON.stringify([{ step: "prs", count: -1 }]));
    await expect(writeRunReport(runDir, runDir, PipelineConfig.parse({}), pipelineStages)).rejects.toThrow(
      /curate\/funnel\.json: \[0\]\.count: /,
    );
  });

  it("says plainly what a run did not produce", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "swerl-report-"));
    await mkdir(join(runDir, "out"));
    await writeRunReport(runDir, join(runDir, "out"), PipelineConfig.parse({}), pipelineStages);
    const html = await readFile(join(runDir, "out/report.html"), "utf8");
    expect(html).toContain("No training metrics in this run.");
    expect(html).toContain("No SWE-bench evaluation in this run.");
  });
});
