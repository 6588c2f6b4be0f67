import {
  EngineLaunchConfig,
  engineTargets,
  readTrainConfigFile,
  type TrainLocalProgress,
  trainLocal,
} from "@swerl/trainer";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";
import { trainEngineCommand } from "./train-engine.js";

/**
 * `swerl train`: the engine launch's options (EngineLaunchConfig, where the run goes and how) plus what
 * the command itself does with them. `--engine local` (the default here) trains on this machine instead.
 */
export const TrainCommandConfig = EngineLaunchConfig.extend({
  engine: z.string().default("local").describe("local (this CPU), verl[@0.7.0] or openrlhf[@0.11|@0.10.1]"),
  preset: z.enum(["paper", "dr-grpo", "dapo"]).optional().describe("GRPO preset (default: paper)"),
  instances: z.string().optional().describe("RL instances (.jsonl or .parquet) to train on"),
  config: z.string().optional().describe("local: run file; engines: launch or GRPO config JSON"),
  out: z.string().default("runs/train-external").describe("Ray working_dir: data files and glue"),
  dryRun: z.boolean().default(false).describe("print the files and command, write nothing"),
  check: z.boolean().default(false).describe("validate the prepared run offline and print it"),
  serveReward: z.number().int().min(0).max(65535).optional().describe("serve rewards on this port instead"),
  host: z.string().min(1).default("127.0.0.1").describe("with --serve-reward: address to bind"),
});

export function registerTrain(program: Command): void {
  const { command, flags } = configCommand(program, "train", TrainCommandConfig, {
    description:
      "SFT then GRPO on the local CPU engine (--config FILE), or prepare a GRPO run on a pinned verl or OpenRLHF",
    flags: {
      modelPath: { name: "model" },
      config: { short: "-c" },
      microBatchPerGpu: { name: "micro-batch" },
      logProbMicroBatchPerGpu: { name: "log-prob-micro-batch" },
      gpuMemoryUtilization: { name: "gpu-memory" },
    },
    omit: { grpo: "a GRPO config object: give it in the --config file, or pick --preset" },
  });
  command
    .addHelpText(
      "after",
      `
Local engine (--engine local, the default): --config FILE is a JSON run file, paths relative to it:
  {
    "instancesFile": "rl.jsonl",          RL instances (.jsonl or .parquet) to train on
    "heldoutFile": "heldout.jsonl",       optional: held-out reward before SFT, after SFT, after GRPO
    "outDir": "runs/local",               base-model/, sft/ and grpo/ (metrics.jsonl, heldout.jsonl,
                                          checkpoints/step-N/, model/) are written here
    "modelDir": "my-model",               optional: start from this model directory; absent: a small
    "model": { "config": {...}, "seed": 0 },  Llama is created (tokenizer learnt on the instances)
    "maxPromptTokens": 1800,              optional: longer prompts are skipped and reported
    "sft": { "steps": 60, ... },          overrides of the tuned defaults; false skips the phase;
    "grpo": { "steps": 10, "grpo": {...}, "sampling": {...} }   with neither section, both run
  }
A run resumes from what outDir holds. Ctrl-C finishes the current step, saves a checkpoint and exits;
run the same command again to continue.

External engines (${engineTargets().join(", ")}) measure the prompts, write the train and
validation files and the reward glue, and print the validated \`ray job submit\` command, the checkpoint
directory and where the trained model lands; preset options the engine cannot express are listed as
unsupported. Flags override the --config file's keys.

Examples:
  $ swerl train --config runs/local.json
  $ swerl train --engine verl --instances runs/demo/data/rl.jsonl --nodes 2 --gpus-per-node 8 --check
  $ swerl train --engine openrlhf@0.10.1 --instances rl.parquet --out runs/orlhf --reward-url http://head:8000
  $ swerl train --engine openrlhf --serve-reward 8000`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      if (options.engine === "local") {
        if (options.serveReward !== undefined)
          throw new UsageError("--serve-reward: only with --engine verl or openrlhf");
        if (!options.config) throw new UsageError("--config: required for the local engine (a run file)");
        await trainLocalCommand(options.config);
        return;
      }
      // Only the launch options given as flags override the config file's.
      const launchKeys = new Set(Object.keys(EngineLaunchConfig.shape));
      const given = flags.flags.filter((f) => raw[f.attribute] !== undefined && launchKeys.has(f.path));
      const launch: Record<string, unknown> = Object.fromEntries(
        given.map((f) => [f.path, options[f.path as keyof typeof options]]),
      );
      if (options.preset) launch.grpo = { preset: options.preset };
      await trainEngineCommand({
        engine: options.engine,
        ...(options.instances ? { instances: options.instances } : {}),
        ...(options.config ? { config: options.config } : {}),
        out: options.out,
        dryRun: options.dryRun,
        check: options.check,
        ...(options.serveReward !== undefined ? { serveReward: options.serveReward } : {}),
        host: options.host,
        launch,
      });
    });
}

/** One progress bar per phase (step, reward, KL), held-out results as lines, Ctrl-C = finish the step. */
async function trainLocalCommand(configFile: string): Promise<void> {
  const options = await readTrainConfigFile(configFile);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\ninterrupt: finishing the current step, then saving a checkpoint\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  let bar = null as Progress | null;
  let barPhase = "";
  let lastStep = 0;
  const onProgress = (event: TrainLocalProgress) => {
    if (event.kind === "model") {
      process.stderr.write(`model: ${event.dir}\n`);
      return;
    }
    if (event.phase !== barPhase) {
      bar?.stop();
      barPhase = event.phase;
      lastStep = 0;
      bar = startProgress({ label: event.phase, total: event.totalSteps, unit: "steps" });
    }
    if (event.kind === "step") {
      const m = event.metrics;
      const counters: Record<string, string> = { loss: m.loss.toFixed(4) };
      if (m.rewardMean !== undefined) counters.reward = m.rewardMean.toFixed(3);
      if (m.formatErrorRate !== undefined) counters.fmtErr = m.formatErrorRate.toFixed(2);
      if (m.kl !== undefined) counters.kl = m.kl.toExponential(2);
      bar?.tick(event.step - lastStep, counters);
      lastStep = event.step;
    } else if (event.kind === "heldout") {
      const h = event.heldout;
      process.stderr.write(
        `\n${event.phase} step ${h.step}: held-out reward ${h.rewardMean.toFixed(3)}, format errors ${(100 * h.formatErrorRate).toFixed(0)}% (${h.instances} instances)\n`,
      );
    }
  };
  try {
    const result = await trainLocal({ ...options, onProgress, signal: controller.signal });
    bar?.stop();
    const { before, after } = result.heldout;
    if (before && after)
      process.stdout.write(
        `held-out reward ${before.rewardMean.toFixed(3)} -> ${after.rewardMean.toFixed(3)}, format errors ${(100 * before.formatErrorRate).toFixed(0)}% -> ${(100 * after.formatErrorRate).toFixed(0)}%\n`,
      );
    if (result.skippedInstances.length > 0)
      process.stdout.write(
        `skipped ${result.skippedInstances.length} instances whose prompt does not fit: ${result.skippedInstances.slice(0, 5).join(", ")}${result.skippedInstances.length > 5 ? ", ..." : ""}\n`,
      );
    process.stdout.write(
      result.interrupted
        ? `interrupted; checkpoint saved in ${options.outDir} (run the same command to resume)\n`
        : `model: ${result.modelDir}\n`,
    );
  } finally {
    bar?.stop();
    process.removeListener("SIGINT", onSigint);
  }
}
