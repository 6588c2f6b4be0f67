import { writeRunReport } from "../../report/write-report.js";
import type { Stage } from "../stage.js";

/** The last stage: report.html and report.json from whatever the run's stages left behind. */
export function reportStage(stages: () => readonly Stage[]): Stage {
  return {
    name: "report",
    description: "write report.html and report.json from every finished stage",
    after: [],
    reads: ["demo", "mine", "curate", "tasks", "sft", "grpo", "agentless", "eval"],
    version: "3",
    async run(context) {
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
