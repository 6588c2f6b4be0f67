import { posix } from "node:path";
import { configErrorFrom } from "./config-error.js";
import { resolveEngine } from "./engine-surface.js";
import { EngineLaunchConfig, type EngineLaunchConfigInput } from "./launch-config.js";
import type { EngineLaunchPlan, LaunchData } from "./launch-plan.js";
import { openRlhfArgs } from "./openrlhf-launch.js";
import { verlOverrides, verlRewardGlue } from "./verl-launch.js";

/** The data file names of each engine inside the Ray job's working_dir. */
export function engineDataFiles(engine: string): { train: string; validation: string } {
  return resolveEngine(engine).engine === "verl"
    ? { train: "swerl_train.parquet", validation: "swerl_val.parquet" }
    : { train: "swerl_prompts.jsonl", validation: "swerl_val.jsonl" };
}

/**
 * The `ray job submit` command for a GRPO run on a pinned verl or OpenRLHF, every key or flag checked
 * against that version's vendored configuration surface (an unknown or missing one throws
 * `EngineLaunchError` naming it), and the preset options the engine cannot express.
 */
export function planEngineRun(
  input: EngineLaunchConfigInput,
  data: LaunchData,
  workDir: string,
  source = "engine launch config",
): EngineLaunchPlan {
  const parsed = EngineLaunchConfig.safeParse(input);
  if (!parsed.success) throw configErrorFrom(source, parsed.error);
  const config = parsed.data;
  const target = resolveEngine(config.engine);
  const checkpointDir = config.checkpointDir ?? posix.join(workDir, "checkpoints");
  const launch = { config, target, data, workDir, checkpointDir };
  const runtimeEnv = JSON.stringify({
    working_dir: workDir,
    env_vars: { SWERL_REWARD_URL: config.rewardUrl },
  });
  const submit = (engineArgs: string[]) => [
    "ray",
    "job",
    "submit",
    "--address",
    config.rayAddress,
    "--runtime-env-json",
    runtimeEnv,
    "--",
    ...engineArgs,
  ];
  if (target.engine === "verl") {
    const { overrides, unsupported } = verlOverrides(launch);
    const engineArgs = ["python3", "-m", "verl.trainer.main_ppo", ...overrides];
    const last = posix.join(checkpointDir, `global_step_${config.steps}`, "actor");
    return {
      target,
      engineArgs,
      command: submit(engineArgs),
      files: { "swerl_reward.py": verlRewardGlue(config.rewardUrl) },
      unsupported,
      steps: config.steps,
      checkpointDir,
      modelOutput: posix.join(checkpointDir, "model"),
      exportHint: `python3 -m verl.model_merger merge --backend fsdp --local_dir ${last} --target_dir ${posix.join(checkpointDir, "model")}`,
    };
  }
  const { args, steps, unsupported } = openRlhfArgs(launch);
  const engineArgs = ["python3", "-m", "openrlhf.cli.train_ppo_ray", ...args];
  return {
    target,
    engineArgs,
    command: submit(engineArgs),
    files: {},
    unsupported,
    steps,
    checkpointDir,
    modelOutput: posix.join(checkpointDir, "model"),
    exportHint: null,
  };
}

/** The command as one shell line (arguments single-quoted when they need it). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");
}
