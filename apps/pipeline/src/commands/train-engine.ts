import { readFile } from "node:fs/promises";
import { startRewardServer } from "@swerl/reward";
import { EngineLaunchConfig, type EngineLaunchConfigInput, prepareEngineRun } from "@swerl/trainer";
import { UsageError } from "../usage-error.js";

export interface EngineCommandOptions {
  engine: string;
  instances?: string;
  config?: string;
  out: string;
  dryRun: boolean;
  check: boolean;
  serveReward?: number;
  host: string;
  /** Launch options given as flags (override the config file's). */
  launch: Partial<EngineLaunchConfigInput>;
}

const LAUNCH_KEYS = new Set(Object.keys(EngineLaunchConfig.shape));

/** A launch config file, or (as before) a GRPO config file: `{"preset": ...}` or GrpoConfig keys. */
async function readLaunchFile(file: string): Promise<EngineLaunchConfigInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--config: cannot read ${file} as JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new UsageError(`--config: ${file} must hold a JSON object`);
  const keys = Object.keys(raw);
  return keys.length > 0 && keys.every((k) => LAUNCH_KEYS.has(k))
    ? (raw as EngineLaunchConfigInput)
    : { grpo: raw };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** `swerl train --engine verl|openrlhf[@version]`: prepare (or --check / --dry-run) a run, or serve its rewards. */
export async function trainEngineCommand(options: EngineCommandOptions): Promise<void> {
  if (options.serveReward !== undefined) {
    const server = await startRewardServer({ port: options.serveReward, host: options.host });
    process.stdout.write(`reward server: ${server.url}/get_reward (Ctrl-C to stop)\n`);
    await untilInterrupted();
    await server.close();
    return;
  }
  if (!options.instances) throw new UsageError("--instances: required unless --serve-reward is given");
  const fromFile = options.config ? await readLaunchFile(options.config) : {};
  const launch: EngineLaunchConfigInput = { ...fromFile, ...options.launch, engine: options.engine };
  const mode = options.check ? "check" : options.dryRun ? "dry-run" : "write";
  const run = await prepareEngineRun({
    instancesFile: options.instances,
    workDir: options.out,
    launch,
    mode,
    source: options.config ?? "swerl train",
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const verb = run.written ? "wrote" : "would write";
  say(`engine: ${run.plan.target.id} (configuration surface of commit ${run.plan.target.surface.commit})`);
  say(
    `prompts: ${run.prompts.total} read, ${run.prompts.overlong} over the prompt limit filtered out, ${run.prompts.train} train, ${run.prompts.validation} validation`,
  );
  if (run.overlongInstances.length > 0)
    say(
      `  filtered: ${run.overlongInstances.slice(0, 5).join(", ")}${run.overlongInstances.length > 5 ? ", ..." : ""}`,
    );
  say(
    `prompt lengths (measured with ${run.lengths.measuredBy}): median ${run.lengths.median}, longest ${run.lengths.longestKept} -> max prompt length ${run.lengths.maxPromptLength}`,
  );
  say(`${verb} ${run.trainPath}`);
  if (run.validationPath) say(`${verb} ${run.validationPath}`);
  for (const [file, content] of Object.entries(run.files))
    say(`${verb} ${file}${options.dryRun ? `:\n${content}` : ""}`);
  for (const u of run.plan.unsupported)
    say(`unsupported by ${run.plan.target.id}: ${u.option} = ${JSON.stringify(u.value)} (${u.reason})`);
  say(
    `steps: ${run.plan.steps}; checkpoints: ${run.plan.checkpointDir}; trained model: ${run.plan.modelOutput}`,
  );
  if (run.plan.exportHint) say(`  after the run, write the model with: ${run.plan.exportHint}`);
  say(`start the reward server where the workers reach it: swerl serve-reward --host 0.0.0.0 --port 8000`);
  if (options.check)
    say(
      "check: every key and flag is known to the engine, the required ones are set, and the files are readable",
    );
  say(`submit:\n${run.submit}`);
}
