import { z } from "zod";
import { writeRunReport } from "../../report/write-report.js";
import type { Stage } from "../stage.js";
import { stageOptions } from "./stage-options.js";

/** `stages.report`: the report has no options of its own (it reads the run's config and stages). */
const ReportOptions = z.strictObject({});

/** The last stage: report.html and report.json from whatever the run's stages left behind. */
export function reportStage(stages: () => readonly Stage[]): Stage {
  return {
    name: "report",
    description: "write report.html and report.json from every finished stage",
    after: [],
    reads: ["demo", "mine", "curate", "tasks", "sft", "grpo", "agentless", "eval"],
    version: "3",
    options: ReportOptions,
    async run(context) {
      stageOptions(ReportOptions, context, "report");
      const data = await writeRunReport(context.runDir, context.dir, context.config, stages(), "report");
      return {
        stagesDone: data.stages.filter((s) => s.status === "done").length,
        resolvedRate: data.evaluation?.resolvedRate ?? null,
        heldoutRewardAfterSft: data.headline.heldout_reward_after_sft,
        heldoutRewardAfterGrpo: data.headline.heldout_reward_after_grpo,
        leaks: data.leakage?.leaks.length ?? null,
      };
    },
  };
}
