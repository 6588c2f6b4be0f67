import type { Command } from "commander";
import { registerAgentless } from "./agentless.js";
import { registerCurate } from "./curate.js";
import { registerDemo } from "./demo.js";
import { registerEval } from "./eval.js";
import { registerImages } from "./images.js";
import { registerMine } from "./mine.js";
import { registerPipeline } from "./pipeline.js";
import { registerReward } from "./reward.js";
import { registerRollout } from "./rollout.js";
import { registerServePolicy } from "./serve-policy.js";
import { registerServeReward } from "./serve-reward.js";
import { registerTasks } from "./tasks.js";
import { registerTrain } from "./train.js";
import { registerValidate } from "./validate.js";

/** Every subcommand of `swerl`, in the order `--help` lists them. */
export const commandRegistrars: ReadonlyArray<(program: Command) => void> = [
  registerAgentless,
  registerCurate,
  registerDemo,
  registerEval,
  registerImages,
  registerMine,
  registerPipeline,
  registerReward,
  registerRollout,
  registerServePolicy,
  registerServeReward,
  registerTasks,
  registerTrain,
  registerValidate,
];
