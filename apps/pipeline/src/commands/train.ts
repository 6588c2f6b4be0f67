import { readFile } from "node:fs/promises";
import { startRewardServer } from "@swerl/reward";
import {
  ExternalEngine,
  paperPreset,
  parseGrpoConfig,
  prepareEngineRun,
  readTrainConfigFile,
  type TrainLocalProgress,
  trainLocal,
} from "@swerl/trainer";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions, UsageError } from "../usage-error.js";

const Engine = z.enum(["local", ...ExternalEngine]);

const Options = z.object({
  engine: Engine.default("local"),
  instances: z.string().optional(),
  config: z.string().optional(),
  model: z.string().default("meta-llama/Llama-3.3-70B-Instruct"),
  out: z.string().default("runs/train-external"),
  rewardUrl: z.string().url().default("http://127.0.0.1:8000"),
  rayAddress: z.string().optional(),
  dryRun: z.boolean().default(false),
  serveReward: z.coerce.number().int().min(0).max(65535).optional(),
});

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "SFT then GRPO on the local CPU engine (--config FILE), or prepare a GRPO run on verl or OpenRLHF",
    )
    .option("--engine <engine>", `local (default) or an external engine: ${ExternalEngine.join(", ")}`)
    .option(
      "--instances <file>",
      "RL instances (.jsonl or .parquet) to train on (required unless --serve-reward)",
    )
    .option(
      "-c, --config <file>",
      'local: the run file (see below); verl/openrlhf: GRPO config JSON, optionally {"preset": ...} (default: the paper preset)',
    )
    .option("--model <path>", "Hugging Face model directory or id the engine trains")
    .option("--out <dir>", "where the dataset and glue are written (the Ray job's working_dir)")
    .option("--reward-url <url>", "swerl reward server as the engine's workers reach it")
    .option("--ray-address <url>", "Ray dashboard address for `ray job submit`")
    .option("--dry-run", "print the files and command without writing anything")
    .option("--serve-reward <port>", "run the reward server on this port (until Ctrl-C) instead of planning")
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

External engines (--engine verl|openrlhf) write the dataset, a config using the paper preset, the
reward glue and the \`ray job submit\` command, and serve their rewards.

Examples:
  $ swerl train --config runs/local.json
  $ swerl train --engine verl --instances runs/demo/data/rl.jsonl --dry-run
  $ swerl train --engine openrlhf --instances rl.parquet --out runs/orlhf --reward-url http://head:8000
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
      if (options.serveReward !== undefined) {
        const server = await startRewardServer({ port: options.serveReward, host: "0.0.0.0" });
        process.stdout.write(`reward server: ${server.url}/get_reward (Ctrl-C to stop)\n`);
        await new Promise<void>((done) => process.once("SIGINT", () => done()));
        await server.close();
        return;
      }
      if (!options.instances) throw new UsageError("--instances: required unless --serve-reward is given");
      const config = options.config
        ? parseGrpoConfig(JSON.parse(await readFile(options.config, "utf8")), options.config)
        : paperPreset;
      const run = await prepareEngineRun({
        engine: options.engine,
        instancesFile: options.instances,
        config,
        modelPath: options.model,
        workDir: options.out,
        rewardUrl: options.rewardUrl,
        dryRun: options.dryRun,
        ...(options.rayAddress ? { rayAddress: options.rayAddress } : {}),
      });
      const verb = options.dryRun ? "would write" : "wrote";
      process.stdout.write(`${verb} ${run.datasetPath} (${run.prompts} prompts)\n`);
      for (const [file, content] of Object.entries(run.files))
        process.stdout.write(`${verb} ${file}${options.dryRun ? `:\n${content}` : ""}\n`);
      process.stdout.write(
        `start the reward server: swerl train --engine ${options.engine} --serve-reward 8000\n`,
      );
      process.stdout.write(`submit:\n${run.submit}\n`);
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
