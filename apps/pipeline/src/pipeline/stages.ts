import type { Stage } from "./stage.js";
import { agentlessStage } from "./stages/agentless.js";
import { curateStage } from "./stages/curate.js";
import { demoStage } from "./stages/demo.js";
import { evalStage } from "./stages/eval.js";
import { mineStage } from "./stages/mine.js";
import { reportStage } from "./stages/report.js";
import { tasksStage } from "./stages/tasks.js";
import { grpoStage, sftStage } from "./stages/train.js";

/**
 * The SWE-RL loop, end to end, in run order: the demo world (or real sources), mining, evaluation
 * tasks (held out), curation into RL instances, SFT warm start, GRPO, Agentless Mini with the trained
 * policy, SWE-bench grading, and the report.
 */
export const pipelineStages: readonly Stage[] = [
  demoStage,
  mineStage,
  tasksStage,
  curateStage,
  sftStage,
  grpoStage,
  agentlessStage,
  evalStage,
  reportStage(() => pipelineStages),
];
