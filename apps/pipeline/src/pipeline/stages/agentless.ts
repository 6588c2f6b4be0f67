import { existsSync } from "node:fs";
import { join } from "node:path";
import { runAgentless } from "@swerl/eval";
import { z } from "zod";
import { openPolicy, PolicySpec } from "../../policy-spec.js";
import { ConfigError } from "../config.js";
import type { Stage, StageContext } from "../stage.js";
import { WORLD_DIR } from "./demo.js";
import { StageBars } from "./stage-bars.js";
import { stageOptions } from "./stage-options.js";
import { TASKS_FILE } from "./tasks.js";
import { MODEL_DIR } from "./train.js";

const AgentlessOptions = z.strictObject({
  /** Repair samples per instance (K). */
  samples: z.number().int().positive().default(4),
  /** Reproduction-test samples per instance (T); 0 skips reproduction tests. */
  tests: z.number().int().min(0).default(2),
  /** Localization samples (views of the tree); absent: min(samples, 4). */
  localizationSamples: z.number().int().positive().optional(),
  /**
   * `policy`: the policy localizes (Agentless). `oracle`: the gold patch's files, an ablation (SWE-bench's
   * oracle retrieval) that lets a policy trained only on repair show its repairs; the report says which.
   */
  localization: z.enum(["policy", "oracle"]).default("policy"),
  /** Files kept by localization. */
  maxFiles: z.number().int().positive().default(3),
  /** Completion budget per sample, in tokens. */
  maxTokens: z.number().int().positive().default(128),
  temperature: z.number().min(0).default(0.8),
  /** Prompt budget in tokens; absent: the model's context minus `maxTokens`. */
  maxPromptTokens: z.number().int().positive().optional(),
  /** Run the repository's tests for regressions. */
  regression: z.boolean().default(true),
  /**
   * `trained`: the GRPO stage's model, run on ONNX Runtime; or `openai:URL`, a served policy (e.g. vLLM
   * serving a checkpoint an external engine trained), with `model` and `tokenizer` (a model directory).
   */
  policy: z.union([z.literal("trained"), PolicySpec]).default("trained"),
  model: z.string().optional(),
  tokenizer: z.string().optional(),
  /** Test spec file and repositories; absent: the demo world's. */
  specs: z.string().optional(),
  repos: z.string().optional(),
});

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
  return openPolicy({ spec: `onnx:${modelDir}`, model: name, batchSize: options.samples });
}

function promptBudget(options: z.output<typeof AgentlessOptions>, maxPositions: number | undefined) {
  if (options.maxPromptTokens) return { maxPromptTokens: options.maxPromptTokens };
  // The chat template's own tokens come out of the context too.
  if (maxPositions) return { maxPromptTokens: Math.max(256, maxPositions - options.maxTokens - 32) };
  return {};
}

export const agentlessStage: Stage = {
  name: "agentless",
  description: "Agentless Mini with the trained policy: localize, repair, test, rerank",
  after: ["demo", "tasks", "grpo"],
  version: "1",
  async run(context) {
    const options = stageOptions(AgentlessOptions, context, "agentless");
    const world = join(context.input("demo"), WORLD_DIR);
    const opened = await stagePolicy(context, options);
    const { policy, tokenizer, maxPositions } = opened;
    const bars = new StageBars(context, "instances");
    try {
      const run = await runAgentless({
        dataset: join(context.input("tasks"), TASKS_FILE),
        reposDir: options.repos ?? join(world, "repos"),
        specsFile: options.specs ?? join(world, "test-specs.json"),
        policy,
        outDir: context.dir,
        samples: options.samples,
        tests: options.tests,
        regression: options.regression,
        ...(options.localizationSamples ? { localizationSamples: options.localizationSamples } : {}),
        localization: options.localization,
        maxFiles: options.maxFiles,
        maxTokens: options.maxTokens,
        ...promptBudget(options, maxPositions),
        ...(tokenizer ? { countTokens: tokenizer.countTokens, chatTemplate: tokenizer.chatTemplate } : {}),
        temperature: options.temperature,
        seed: context.config.seed,
        signal: context.signal,
        onProgress: (p) => {
          const bar = bars.bar(p.stage, p.total);
          if (p.phase === "instance") bar.tick(1, p.counts);
          if (p.phase === "end") bars.stop(p.stage);
        },
      });
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
