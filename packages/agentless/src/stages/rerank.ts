import type { InstanceContext } from "../context.js";
import { countStatuses } from "../counts.js";
import type {
  InstanceStages,
  InstanceTrace,
  LocalizeRecord,
  RegressionRecord,
  RepairRecord,
  ReproduceRecord,
} from "../records.js";
import { type RepairCandidate, rerankCandidates } from "../rerank.js";
import { selectSweRl } from "../swe-rl-selection.js";
import { uniqueCandidates } from "./repair.js";

/** The choice among an instance's candidates by the configured selection rule. */
function decide(
  selection: "swe-rl" | "agentless",
  candidates: readonly RepairCandidate[],
  results: ReadonlyMap<string, RegressionRecord["results"][number]>,
): InstanceTrace["decision"] {
  if (selection === "agentless") return { selection, ...rerankCandidates(candidates) };
  const decision = selectSweRl(
    candidates.map((c) => ({
      sample: c.sample,
      normalizedKey: c.patch.trim() === "" ? "" : c.normalizedKey,
      regressions: c.regressions,
      passedTests: results.get(c.normalizedKey)?.resolvedTests ?? null,
    })),
  );
  return { selection, ...decision };
}

/** The rerank stage of one instance: each candidate with its test results, the choice, and the trace of every stage. */
export function rerank(
  ctx: InstanceContext,
  localization: LocalizeRecord,
  repair: RepairRecord,
  reproduce: ReproduceRecord,
  regression: RegressionRecord,
): InstanceTrace {
  const model = ctx.config.modelNameOrPath ?? ctx.policy.model;
  const results = new Map(regression.results.map((r) => [r.normalizedKey, r]));
  const candidates = repair.candidates.map((c) => {
    const r = c.status === "ok" ? results.get(c.normalizedKey) : undefined;
    return { ...c, regressions: r?.regressions ?? null, reproductionPasses: r?.reproductionPasses ?? null };
  });
  const decision = decide(ctx.config.selection, candidates, results);
  const chosen = candidates.find((c) => c.sample === decision.chosen);
  const live = candidates.filter((c) => c.status === "ok");
  const generated = reproduce.tests.filter((t) => t.script !== null);
  const note = [localization.note, repair.note, reproduce.note ?? regression.note].find(
    (n) => n !== undefined,
  );
  const stages: InstanceStages = {
    instanceId: ctx.id,
    localization: {
      samples: localization.responses.length,
      shownFiles: localization.shownFiles,
      droppedFiles: localization.droppedFiles.length,
      files: localization.files,
      goldFiles: localization.goldFiles,
      outcome: localization.outcome,
    },
    repair: {
      samples: candidates.length,
      promptTokens: repair.promptTokens,
      droppedFiles: repair.droppedFiles,
      byStatus: countStatuses(candidates.map((c) => c.status)),
      nonEmpty: live.length,
      unique: uniqueCandidates(candidates).size,
    },
    reproduction: reproduce.ran
      ? {
          samples: reproduce.tests.length,
          extracted: generated.length,
          reproducing: generated.filter((t) => t.onOriginal === "reproduced").length,
          selected: reproduce.selected,
        }
      : null,
    regression: regression.suite
      ? {
          suite: regression.suite.length,
          candidatesTested: regression.results.length,
          withoutRegressions: regression.results.filter((r) => r.regressions === 0).length,
        }
      : null,
    rerank: { chosen: decision.chosen, decidedBy: decision.decidedBy },
    ...(note !== undefined ? { note } : {}),
  };
  return {
    instanceId: ctx.id,
    model,
    config: ctx.configs.rerank,
    stages,
    localization: {
      views: localization.views,
      responses: localization.responses,
      droppedFiles: localization.droppedFiles,
    },
    repair: { shownFiles: repair.shownFiles, candidates },
    reproduction: reproduce.tests,
    regressionSuite: regression.suite,
    decision,
    prediction: { instance_id: ctx.id, model_name_or_path: model, model_patch: chosen?.patch ?? "" },
  };
}
