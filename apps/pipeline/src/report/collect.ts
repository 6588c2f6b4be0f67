import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  EvaluationReport,
  RecordError,
  readAllRecords,
  TrainingMetricsRow,
  validateRecord,
} from "@swerl/schema";
import { HeldoutRow } from "@swerl/trainer";
import { z } from "zod";
import type { PipelineConfig } from "../pipeline/config.js";
import { readManifest } from "../pipeline/manifest.js";
import type { Stage } from "../pipeline/stage.js";
import { checkHeldoutLeakage } from "./leakage.js";
import type { PhaseRow, ReportData } from "./report-data.js";

/** Files upstream stages leave for the report, relative to `runs/<run-id>/`. */
export const reportInputs = {
  /** `[{ step, count, note? }]`, in funnel order (curate stage). */
  funnel: "curate/funnel.json",
  sftMetrics: "sft/metrics.jsonl",
  grpoMetrics: "grpo/metrics.jsonl",
  sftHeldout: "sft/heldout.jsonl",
  grpoHeldout: "grpo/heldout.jsonl",
  /** The official-shape run report (eval stage). */
  evaluation: "eval/report.json",
  /** `{ instances, allFound, anyFound, noneFound }` (agentless stage). */
  localization: "agentless/localization.json",
} as const;

const FunnelFile = z.array(
  z.object({ step: z.string(), count: z.number().int().nonnegative(), note: z.string().optional() }),
);
const LocalizationFile = z.object({
  instances: z.number(),
  allFound: z.number(),
  anyFound: z.number(),
  noneFound: z.number(),
});

async function readJsonIfPresent<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RecordError({ file }, "", `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateRecord(schema, value, { file });
}

async function readRows<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>[]> {
  if (!existsSync(file)) return [];
  return readAllRecords(file, schema);
}

const readMetrics = (file: string) => readRows(file, TrainingMetricsRow);

/** Gathers what every finished stage of the run left behind; missing parts come out as null/empty. */
export async function collectReportData(
  runDir: string,
  config: PipelineConfig,
  stages: readonly Stage[],
  writtenBy?: string,
): Promise<ReportData> {
  const stageRows = [];
  for (const stage of stages) {
    const manifest = await readManifest(join(runDir, stage.name));
    stageRows.push({
      name: stage.name,
      description: stage.description,
      status: manifest
        ? "done"
        : stage.name === writtenBy
          ? "writing this report"
          : stage.run
            ? "not run"
            : `not built (issue #${stage.pendingIssue ?? "?"})`,
      seconds: manifest?.seconds ?? null,
      summary: manifest?.summary ?? null,
    });
  }
  const evaluationReport = await readJsonIfPresent(join(runDir, reportInputs.evaluation), EvaluationReport);
  let evaluation: ReportData["evaluation"] = null;
  if (evaluationReport) {
    const perRepo = new Map<string, { resolved: number; total: number }>();
    const resolved = new Set(evaluationReport.resolved_ids);
    for (const id of evaluationReport.submitted_ids) {
      const repo = id.replace(/-\d+$/, "").replace("__", "/");
      const row = perRepo.get(repo) ?? { resolved: 0, total: 0 };
      row.total++;
      if (resolved.has(id)) row.resolved++;
      perRepo.set(repo, row);
    }
    evaluation = {
      report: evaluationReport,
      // Of every task, as SWE-bench counts it: an empty or failed prediction is not resolved.
      resolvedRate: evaluationReport.total_instances
        ? evaluationReport.resolved_instances / evaluationReport.total_instances
        : 0,
      perRepository: [...perRepo]
        .map(([repo, v]) => ({ repo, ...v }))
        .sort((a, b) => a.repo.localeCompare(b.repo)),
    };
  }
  const heldout = [
    ...(await readRows(join(runDir, reportInputs.sftHeldout), HeldoutRow)),
    ...(await readRows(join(runDir, reportInputs.grpoHeldout), HeldoutRow)),
  ];
  const sftRows = heldout.filter((r) => r.phase === "sft");
  const grpoRows = heldout.filter((r) => r.phase === "grpo");
  const base = sftRows.find((r) => r.step === 0) ?? grpoRows.find((r) => r.step === 0);
  const afterSft = sftRows.length > 1 ? sftRows.at(-1) : undefined;
  const afterGrpo = grpoRows.length > 1 ? grpoRows.at(-1) : undefined;
  const localizedBy = stageRows.find((s) => s.name === "agentless")?.summary?.localizedBy;
  const localization = localizedBy === "policy" || localizedBy === "oracle" ? localizedBy : null;
  const phaseRow = (phase: PhaseRow["phase"], row: (typeof heldout)[number] | undefined): PhaseRow => ({
    phase,
    heldoutReward: row?.rewardMean ?? null,
    formatAccuracy: row ? 1 - row.formatErrorRate : null,
    heldoutInstances: row?.instances ?? null,
    // Agentless Mini and the harness run on the final policy only.
    resolvedInstances: phase === "grpo" ? (evaluation?.report.resolved_instances ?? null) : null,
    totalTasks: phase === "grpo" ? (evaluation?.report.total_instances ?? null) : null,
  });
  return {
    runId: config.runId,
    generatedAt: new Date().toISOString(),
    config,
    stages: stageRows,
    funnel: await readJsonIfPresent(join(runDir, reportInputs.funnel), FunnelFile),
    training: {
      sft: await readMetrics(join(runDir, reportInputs.sftMetrics)),
      grpo: await readMetrics(join(runDir, reportInputs.grpoMetrics)),
      heldout,
    },
    evaluation,
    localization: await readJsonIfPresent(join(runDir, reportInputs.localization), LocalizationFile),
    headline: {
      heldout_reward_base: base?.rewardMean ?? null,
      heldout_reward_after_sft: afterSft?.rewardMean ?? null,
      heldout_reward_after_grpo: afterGrpo?.rewardMean ?? null,
      resolved_instances: evaluation?.report.resolved_instances ?? null,
      total_instances: evaluation?.report.total_instances ?? null,
      localization,
    },
    phases: [phaseRow("base", base), phaseRow("sft", afterSft), phaseRow("grpo", afterGrpo)],
    leakage:
      existsSync(join(runDir, "tasks", "tasks.jsonl")) &&
      existsSync(join(runDir, "mine", "pull-requests.jsonl"))
        ? await checkHeldoutLeakage(runDir)
        : null,
  };
}
