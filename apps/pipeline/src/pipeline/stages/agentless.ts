import { existsSync } from "node:fs";
import { join } from "node:path";
import { AgentlessConfig, runAgentless } from "@swerl/agentless";
import { z } from "zod";
import { openPolicy, PolicySpec } from "../../policy-spec.js";
import { ConfigError } from "../config.js";
import type { Stage, StageContext } from "../stage.js";
import { demoWorld } from "./demo.js";
import { StageBars } from "./stage-bars.js";
import { stageOptions } from "./stage-options.js";
import { TASKS_FILE } from "./tasks.js";
import { MODEL_DIR } from "./train.js";

/**
 * `stages.agentless`: the AgentlessConfig fields a pipeline run sets (same defaults; the demo preset sets
 * what the demo needs), plus where the policy and the repositories come from.
 */
const AgentlessOptions = AgentlessConfig.pick({
  numSamples: true,
  numTests: true,
  localizationSamples: true,
  localization: true,
  locFile: true,
  maxFiles: true,
  maxTokens: true,
  maxInputTokens: true,
  temperature: true,
  regression: true,
  samplesPerRequest: true,
  parse: true,
  selection: true,
})
  .extend({
    /**
     * `trained`: the GRPO stage's model, run on ONNX Runtime; or `openai:URL`, a served policy (e.g. vLLM
     * serving a checkpoint an external engine trained), with `model` and `tokenizer` (a model directory).
     */
    policy: z
      .union([z.literal("trained"), PolicySpec])
      .default("trained")
      .describe("trained (the GRPO stage's model on ONNX Runtime) or openai:URL, a served policy"),
    model: z.string().optional().describe("openai: the served model name"),
    tokenizer: z
      .string()
      .optional()
      .describe("openai: the model directory whose chat template and tokenizer to use"),
    specsFile: AgentlessConfig.shape.specsFile.describe("test spec file (absent: the demo world's)"),
    reposDir: AgentlessConfig.shape.reposDir.optional().describe("bare mirrors (absent: the demo world's)"),
  })
  .strict();

/** The predictions file (official SWE-bench format), relative to the agentless stage's directory. */
export const PREDICTIONS_FILE = "all_preds.jsonl";

/** The policy the stage samples from: the GRPO stage's model on ONNX Runtime, or a served one. */
async function stagePolicy(context: StageContext, options: z.output<typeof AgentlessOptions>) {
  const name = `swerl-${context.config.runId}`;
  if (options.policy !== "trained")
    return openPolicy({
      spec: options.policy,
      ...(options.model ? { model: options.model } : {}),
      ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
    });
  const modelDir = join(context.input("grpo"), MODEL_DIR);
  if (!existsSync(join(modelDir, "config.json")))
    throw new ConfigError(
      "pipeline config",
      `stages.agentless.policy: the grpo stage left no local model in ${modelDir} (it prepared a run for an external engine); serve the trained checkpoint with an OpenAI-compatible server and set stages.agentless.policy to openai:URL`,
    );
  return openPolicy({ spec: `onnx:${modelDir}`, model: name, batchSize: options.samplesPerRequest });
}

export const agentlessStage: Stage = {
  name: "agentless",
  description: "Agentless Mini with the trained policy: localize, repair, test, rerank",
  after: ["demo", "tasks", "grpo"],
  version: "2",
  options: AgentlessOptions,
  configFrom: [AgentlessConfig],
  async run(context) {
    const options = stageOptions(AgentlessOptions, context, "agentless");
    const world = demoWorld(context);
    const opened = await stagePolicy(context, options);
    const { policy, tokenizer, maxPositions } = opened;
    const bars = new StageBars(context, "instances");
    try {
      const {
        policy: _policy,
        model: _model,
        tokenizer: _tokenizer,
        specsFile,
        reposDir,
        ...config
      } = options;
      const run = await runAgentless(
        {
          ...config,
          dataset: join(context.input("tasks"), TASKS_FILE),
          reposDir: reposDir ?? world.repos,
          specsFile: specsFile ?? world.specs,
          outDir: context.dir,
          seed: context.config.seed,
        },
        {
          policy,
          ...(maxPositions !== undefined ? { contextLength: maxPositions } : {}),
          ...(tokenizer ? { countTokens: tokenizer.countTokens, chatTemplate: tokenizer.chatTemplate } : {}),
          signal: context.signal,
          onProgress: (p) => {
            const bar = bars.bar(p.stage, p.total);
            if (p.phase === "instance") bar.tick(1, p.counts);
            if (p.phase === "end") bars.stop(p.stage);
          },
        },
      );
      // runAgentless leaves all_preds.jsonl, localization.json, stages.json and summary.json in its directory.
      return {
        localizedBy: options.localization,
        localization: run.localization,
        localized: run.counts.localize.localized,
        repairSamples: run.counts.repair.samples,
        nonEmptyCandidates: run.counts.repair.nonEmpty,
        uniqueCandidates: run.counts.repair.unique,
        instancesWithCandidates: run.counts.repair.instancesWithCandidates,
        reproducingTests: run.counts.reproduce.reproducing,
        withoutRegressions: run.counts.regression.withoutRegressions,
        nonEmptyPredictions: run.counts.rerank.nonEmpty,
        decidedBy: run.counts.rerank.decidedBy,
      };
    } finally {
      bars.stopAll();
      await opened.close();
    }
  },
};
