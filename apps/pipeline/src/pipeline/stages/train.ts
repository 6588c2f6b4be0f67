import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exportOnnx } from "@swerl/rollout";
import { RlInstance, readRecords, SwerlError } from "@swerl/schema";
import {
  createDefaultModel,
  ExternalEngine,
  parseTrainLocalConfig,
  prepareEngineRun,
  runLocalPhase,
  type TrainingProgress,
  type TrainingRunResult,
  TrainLocalConfig,
} from "@swerl/trainer";
import { z } from "zod";
import type { Stage, StageContext } from "../stage.js";
import { INSTANCES_FILE } from "./curate.js";
import { writeAgentlessExamples } from "./sft-examples.js";
import { stageOptions } from "./stage-options.js";

/** The trained model directory each training stage leaves, relative to its directory. */
export const MODEL_DIR = "model";
const TRAIN_FILE = "train-instances.jsonl";
// (the trainer writes its held-out evaluations to heldout.jsonl beside it)
const HELDOUT_FILE = "heldout-instances.jsonl";

/** The SFT examples in Agentless's prompt forms (localization and repair), beside the stage's instances. */
const EXAMPLES_FILE = "agentless-examples.jsonl";

/** trainLocal's own options (model, prompt budget, SFT overrides of the tuned defaults), plus the split. */
const SftStageOptions = TrainLocalConfig.pick({ model: true, maxPromptTokens: true, sft: true }).extend({
  /** Curated instances held out of training to measure the reward on (never trained on). */
  heldoutInstances: z.number().int().min(0).default(8),
  /**
   * Also teach the policy Agentless Mini's own prompts, built from the training instances: localization
   * (issue + repository file list -> the files to edit) in `views` layouts, and repair over the localized
   * source files alone. false: only the instances' oracle responses (unless `sft.oracleResponses` is false).
   */
  agentlessExamples: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Localization prompt layouts per instance (Agentless's sample 0, 1, ...). */
        views: z.number().int().positive().default(2),
        /** Files a localization answer may name (Agentless's maxFiles). */
        maxFiles: z.number().int().positive().default(3),
      }),
    ])
    .default(false),
});

const GrpoStageOptions = z.strictObject({
  /**
   * `local`: this machine's CPU engine. `verl` / `openrlhf`: the stage prepares the run for a Ray cluster
   * (dataset, reward glue, `ray job submit`) with the paper's GRPO settings unless `grpo` says otherwise.
   */
  engine: z.enum(["local", ...ExternalEngine]).default("local"),
  /** External engines: the model the engine trains (a Hugging Face directory or hub id). */
  model: z.string().default("meta-llama/Llama-3.3-70B-Instruct"),
  /** External engines: swerl's reward server as the engine's workers reach it (`swerl serve-reward`). */
  rewardUrl: z.string().url().default("http://127.0.0.1:8000"),
  rayAddress: z.string().optional(),
  maxPromptTokens: TrainLocalConfig.shape.maxPromptTokens,
  /** The local engine: overrides of trainLocal's GRPO defaults; external engines: a GrpoConfig. */
  grpo: z.record(z.string(), z.unknown()).default({}),
});

/** A stable split: an instance is held out when its id hashes (with the seed) into the lowest ranks. */
async function splitInstances(context: StageContext, count: number) {
  const all: Array<{ id: string; line: string; rank: string }> = [];
  for await (const instance of readRecords(join(context.input("curate"), INSTANCES_FILE), RlInstance)) {
    const rank = createHash("sha256").update(`${context.config.seed}:${instance.instanceId}`).digest("hex");
    all.push({ id: instance.instanceId, line: JSON.stringify(instance), rank });
  }
  const heldout = new Set(
    [...all]
      .sort((a, b) => a.rank.localeCompare(b.rank))
      .slice(0, Math.min(count, Math.floor(all.length / 4)))
      .map((x) => x.id),
  );
  const lines = (keep: boolean) =>
    all
      .filter((x) => heldout.has(x.id) === keep)
      .map((x) => `${x.line}\n`)
      .join("");
  await writeFile(join(context.dir, TRAIN_FILE), lines(false));
  await writeFile(join(context.dir, HELDOUT_FILE), lines(true));
  return { train: all.length - heldout.size, heldout: heldout.size };
}

/** Shows a phase's steps as a bar with reward, KL and loss beside it. */
function trainingProgress(context: StageContext, phase: "sft" | "grpo") {
  let bar: ReturnType<StageContext["progress"]> | undefined;
  return {
    onProgress(event: TrainingProgress) {
      if (event.kind === "step") {
        bar ??= context.progress("steps", event.totalSteps, "steps");
        const m = event.metrics;
        bar.tick(1, {
          loss: m.loss.toFixed(3),
          ...(m.rewardMean !== undefined ? { reward: m.rewardMean.toFixed(3) } : {}),
          ...(m.kl !== undefined ? { kl: m.kl.toExponential(1) } : {}),
        });
      } else if (event.kind === "heldout") {
        const h = event.heldout;
        context.log(
          `${phase} held-out at step ${h.step}: reward ${h.rewardMean.toFixed(3)}, format errors ${(100 * h.formatErrorRate).toFixed(0)}% (${h.instances} instances)`,
        );
      }
    },
    stop: () => bar?.stop(),
  };
}

function phaseSummary(run: TrainingRunResult) {
  if (run.interrupted)
    throw new SwerlError("E_INTERRUPTED", `stopped at step ${run.steps}; run again to resume`);
  const first = run.heldout[0];
  const last = run.heldout.at(-1);
  return {
    steps: run.steps,
    resumedFrom: run.resumedFrom,
    skippedInstances: run.skippedInstances.length,
    heldoutRewardBefore: first?.rewardMean ?? null,
    heldoutRewardAfter: last?.rewardMean ?? null,
    heldoutFormatErrorsBefore: first?.formatErrorRate ?? null,
    heldoutFormatErrorsAfter: last?.formatErrorRate ?? null,
  };
}

export const sftStage: Stage = {
  name: "sft",
  description:
    "create the default model and warm-start it (SFT) on Agentless prompts and/or oracle responses",
  after: ["mine", "curate"],
  version: "2",
  options: SftStageOptions,
  configFrom: [TrainLocalConfig],
  async run(context) {
    const { heldoutInstances, agentlessExamples, ...train } = stageOptions(SftStageOptions, context, "sft");
    const config = parseTrainLocalConfig({ ...train, grpo: false }, "stages.sft");
    const split = await splitInstances(context, heldoutInstances);
    const instancesFile = join(context.dir, TRAIN_FILE);
    context.log(`${split.train} training instances, ${split.heldout} held out`);
    let examples: Awaited<ReturnType<typeof writeAgentlessExamples>> | undefined;
    if (agentlessExamples) {
      examples = await writeAgentlessExamples({
        instancesFile,
        reposDir: join(context.input("mine"), "git-cache"),
        outFile: join(context.dir, EXAMPLES_FILE),
        views: agentlessExamples.views,
        maxFiles: agentlessExamples.maxFiles,
        seed: context.config.seed,
      });
      context.log(
        `${examples.localization} localization and ${examples.repair} repair examples in Agentless's prompt forms`,
      );
    }
    const baseModel = await createDefaultModel({
      instancesFile,
      dir: join(context.dir, "base-model"),
      spec: config.model,
      signal: context.signal,
    });
    const progress = trainingProgress(context, "sft");
    try {
      const run = await runLocalPhase("sft", {
        instancesFile,
        heldoutFile: join(context.dir, HELDOUT_FILE),
        ...(examples ? { examplesFile: join(context.dir, EXAMPLES_FILE) } : {}),
        modelDir: baseModel,
        outDir: context.dir,
        config,
        onProgress: progress.onProgress,
        signal: context.signal,
      });
      return {
        ...split,
        ...(examples ? { localizationExamples: examples.localization, repairExamples: examples.repair } : {}),
        ...phaseSummary(run),
      };
    } finally {
      progress.stop();
    }
  },
};

export const grpoStage: Stage = {
  name: "grpo",
  description: "reinforce the SFT policy with GRPO on the SWE-RL reward",
  after: ["sft"],
  version: "3",
  options: GrpoStageOptions,
  configFrom: [TrainLocalConfig],
  async run(context) {
    const options = stageOptions(GrpoStageOptions, context, "grpo");
    const sft = context.input("sft");
    if (options.engine !== "local") {
      const engineRun = {
        instancesFile: join(sft, TRAIN_FILE),
        launch: {
          engine: options.engine,
          grpo: Object.keys(options.grpo).length ? options.grpo : { preset: "paper" },
          modelPath: options.model,
          rewardUrl: options.rewardUrl,
          ...(options.rayAddress ? { rayAddress: options.rayAddress } : {}),
        },
        source: "stages.grpo",
      };
      // Written into the stage's working directory; the command names the directory it is renamed to.
      const written = await prepareEngineRun({ ...engineRun, workDir: join(context.dir, options.engine) });
      const planned = await prepareEngineRun({
        ...engineRun,
        workDir: join(context.runDir, "grpo", options.engine),
        mode: "dry-run",
      });
      await writeFile(
        join(context.dir, "submit.sh"),
        `#!/bin/sh\n# serve rewards first: swerl serve-reward --port 8000\n${planned.submit}\n`,
      );
      context.log(
        `prepared a ${written.plan.target.id} run of ${written.prompts.train} prompts; submit with grpo/submit.sh`,
      );
      return { engine: written.plan.target.id, prompts: written.prompts.train, submit: planned.submit };
    }
    const config = parseTrainLocalConfig(
      {
        sft: false,
        grpo: options.grpo,
        ...(options.maxPromptTokens ? { maxPromptTokens: options.maxPromptTokens } : {}),
      },
      "stages.grpo",
    );
    const progress = trainingProgress(context, "grpo");
    try {
      const run = await runLocalPhase("grpo", {
        instancesFile: join(sft, TRAIN_FILE),
        heldoutFile: join(sft, HELDOUT_FILE),
        modelDir: join(sft, MODEL_DIR),
        outDir: context.dir,
        config,
        onProgress: progress.onProgress,
        signal: context.signal,
      });
      const summary = phaseSummary(run);
      // The rollout engine runs the trained weights as an ONNX graph: exported here, inside this
      // stage's own outputs, so later stages only read it.
      await exportOnnx(join(context.dir, MODEL_DIR));
      return summary;
    } finally {
      progress.stop();
    }
  },
};
