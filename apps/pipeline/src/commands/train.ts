import { engineTargets, readTrainConfigFile, type TrainLocalProgress, trainLocal } from "@swerl/trainer";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions, UsageError } from "../usage-error.js";
import { trainEngineCommand } from "./train-engine.js";

const Options = z.object({
  engine: z.string().default("local"),
  instances: z.string().optional(),
  config: z.string().optional(),
  model: z.string().optional(),
  tokenizerDir: z.string().optional(),
  out: z.string().default("runs/train-external"),
  rewardUrl: z.string().url().optional(),
  rayAddress: z.string().optional(),
  preset: z.string().optional(),
  steps: z.coerce.number().int().positive().optional(),
  nodes: z.coerce.number().int().positive().optional(),
  gpusPerNode: z.coerce.number().int().positive().optional(),
  tensorParallelSize: z.coerce.number().int().positive().optional(),
  rolloutBackend: z.enum(["vllm", "sglang"]).optional(),
  maxPromptTokens: z.coerce.number().int().positive().optional(),
  maxResponseTokens: z.coerce.number().int().positive().optional(),
  saveEvery: z.coerce.number().int().positive().optional(),
  checkpointDir: z.string().optional(),
  logger: z.string().optional(),
  dryRun: z.boolean().default(false),
  check: z.boolean().default(false),
  serveReward: z.coerce.number().int().min(0).max(65535).optional(),
  host: z.string().default("127.0.0.1"),
});

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "SFT then GRPO on the local CPU engine (--config FILE), or prepare a GRPO run on a pinned verl or OpenRLHF",
    )
    .option(
      "--engine <engine>",
      `local (default), or an engine and pinned version: ${engineTargets().join(", ")} (no version: the newest)`,
    )
    .option(
      "--instances <file>",
      "RL instances (.jsonl or .parquet) to train on (required unless --serve-reward)",
    )
    .option(
      "-c, --config <file>",
      'local: the run file (see below); engines: a launch config JSON (EngineLaunchConfig keys) or a GRPO config {"preset": ...}',
    )
    .option("--model <path>", "Hugging Face model directory or id the engine trains")
    .option(
      "--tokenizer-dir <dir>",
      "local model directory whose tokenizer measures prompt lengths (default: --model when local)",
    )
    .option(
      "--out <dir>",
      "where the train/validation files and glue are written (the Ray job's working_dir)",
    )
    .option("--reward-url <url>", "swerl reward server as the engine's workers reach it")
    .option("--ray-address <url>", "Ray dashboard address for `ray job submit`")
    .option("--preset <name>", "GRPO preset: paper (default), dr-grpo, dapo")
    .option("--steps <n>", "optimisation steps (SWE-RL: 1600)")
    .option("--nodes <n>", "nodes of the Ray cluster")
    .option("--gpus-per-node <n>", "GPUs per node")
    .option("--tensor-parallel-size <n>", "tensor-parallel size of each rollout engine")
    .option("--rollout-backend <name>", "vllm (default) or sglang (verl only)")
    .option(
      "--max-prompt-tokens <n>",
      "longest prompt kept, in tokens (longer ones are filtered and counted)",
    )
    .option("--max-response-tokens <n>", "longest response sampled, in tokens")
    .option("--save-every <n>", "checkpoint every N steps")
    .option("--checkpoint-dir <dir>", "where checkpoints and the trained model land on the cluster")
    .option("--logger <list>", "comma-separated: console (default), wandb, tensorboard")
    .option("--dry-run", "print the files and command without writing anything")
    .option(
      "--check",
      "validate the prepared run offline (keys, required values, files, lengths) and print what it would submit",
    )
    .option("--serve-reward <port>", "run the reward server on this port (until Ctrl-C) instead of planning")
    .option("--host <addr>", "with --serve-reward: the address to bind", "127.0.0.1")
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

External engines (--engine verl|openrlhf[@version]) measure the prompts, write the train and validation
files and the reward glue, and print the validated \`ray job submit\` command, the checkpoint directory and
where the trained model lands; options the engine cannot express are listed as unsupported.

Examples:
  $ swerl train --config runs/local.json
  $ swerl train --engine verl --instances runs/demo/data/rl.jsonl --nodes 2 --gpus-per-node 8 --check
  $ swerl train --engine openrlhf@0.10.1 --instances rl.parquet --out runs/orlhf --reward-url http://head:8000
  $ swerl train --engine openrlhf --serve-reward 8000`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      if (options.engine === "local") {
        if (options.serveReward !== undefined)
          throw new UsageError("--serve-reward: only with --engine verl or openrlhf");
        if (!options.config) throw new UsageError("--config: required for the local engine (a run file)");
        await trainLocalCommand(options.config);
        return;
      }
      const launch: Record<string, unknown> = {};
      const copy = [
        ["model", "modelPath"],
        ["tokenizerDir", "tokenizerDir"],
        ["rewardUrl", "rewardUrl"],
        ["rayAddress", "rayAddress"],
        ["steps", "steps"],
        ["nodes", "nodes"],
        ["gpusPerNode", "gpusPerNode"],
        ["tensorParallelSize", "tensorParallelSize"],
        ["rolloutBackend", "rolloutBackend"],
        ["maxPromptTokens", "maxPromptTokens"],
        ["maxResponseTokens", "maxResponseTokens"],
        ["saveEvery", "saveEvery"],
        ["checkpointDir", "checkpointDir"],
      ] as const;
      for (const [flag, key] of copy) if (options[flag] !== undefined) launch[key] = options[flag];
      if (options.preset) launch.grpo = { preset: options.preset };
      if (options.logger) launch.logger = options.logger.split(",").map((l) => l.trim());
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
