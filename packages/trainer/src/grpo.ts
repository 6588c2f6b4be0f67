import { join } from "node:path";
import { scoreWith, sweRlReward } from "@swerl/reward";
import type { RolloutGroup } from "@swerl/schema";
import { prepareGrpoBatch } from "./batch.js";
import { grpoUpdate, type TrainingSequence } from "./llama-grpo-step.js";
import { LocalLlamaPolicy } from "./local-llama-policy.js";
import { cloneWeights, readModelDir, writeModelDir } from "./model-dir.js";
import { loadModelTokenizer } from "./model-tokenizer.js";
import { OrtLlama } from "./ort-llama.js";
import { GrpoRunConfig, type GrpoRunConfigInput } from "./run-config.js";
import { batchIndices, type LocalMetricsRow } from "./run-files.js";
import { loadPromptedInstances, trainingPromptBudget } from "./training-data.js";
import {
  loadHeldout,
  nothingFits,
  parsePhaseConfig,
  resumePhase,
  runSteps,
  type SyncablePolicy,
  type TrainingRunOptions,
  type TrainingRunResult,
} from "./training-loop.js";

export interface GrpoRunOptions extends TrainingRunOptions {
  config?: GrpoRunConfigInput;
  /**
   * The rollout engine (for example rollout's OnnxPolicy over `dir`); after every update the weights are
   * written to `outDir/sync/` (a model dir), `exportModel` runs on it (e.g. `exportOnnx`), then
   * `updateWeights`. Default: the in-process KV-cache policy, which reads the trainer's arrays directly.
   */
  createPolicy?: (modelDir: string) => Promise<SyncablePolicy>;
  exportModel?: (modelDir: string) => Promise<unknown>;
}

/**
 * GRPO on the local engine: per step, `promptsPerBatch` instances in seeded order, G samples each from
 * the current policy, SWE-RL rewards, group advantages, `grpoUpdate` (clipped ratio, k3 KL to the frozen
 * starting model when klBeta > 0), then weight sync to the sampler. Writes `metrics.jsonl` (with the
 * sampler/trainer logprob mismatch), `heldout.jsonl`, `checkpoints/step-N/` and `model/` under `outDir`,
 * resuming from the latest checkpoint there.
 */
export async function runGrpo(options: GrpoRunOptions): Promise<TrainingRunResult> {
  const config = parsePhaseConfig(GrpoRunConfig, options.config, "grpo config");
  const grpo = config.grpo;
  const model = await readModelDir(options.modelDir);
  const tokenizer = await loadModelTokenizer(options.modelDir);
  const maxPrompt = trainingPromptBudget(
    model.config.max_position_embeddings,
    tokenizer,
    Math.max(config.sampling.maxTokens, config.heldout.maxTokens),
    config.maxPromptTokens,
  );
  const train = await loadPromptedInstances(options.instancesFile, tokenizer, maxPrompt);
  if (train.items.length === 0)
    throw nothingFits(options.instancesFile, model, maxPrompt, train.skipped.length);
  const heldout = await loadHeldout(options.heldoutFile, tokenizer, maxPrompt, config.heldout.limit);
  const { weights, optimizer, startStep } = await resumePhase(options.outDir, "grpo", grpo.optimizer, () =>
    cloneWeights(model.weights),
  );
  const trainer = await OrtLlama.create(model.config, weights);
  const reference = grpo.klBeta > 0 ? await OrtLlama.create(model.config, model.weights) : null;
  const syncDir = join(options.outDir, "sync");
  let policy: SyncablePolicy;
  let sync: () => Promise<void>;
  if (options.createPolicy) {
    const create = options.createPolicy;
    await writeModelDir(options.modelDir, syncDir, weights);
    await options.exportModel?.(syncDir);
    policy = await create(syncDir);
    sync = async () => {
      await writeModelDir(options.modelDir, syncDir, weights);
      await options.exportModel?.(syncDir);
      await policy.updateWeights(syncDir);
    };
  } else {
    const local = await LocalLlamaPolicy.fromDirectory(options.modelDir);
    local.setWeights(weights.values);
    policy = local;
    sync = async () => local.setWeights(weights.values);
  }
  const maxPositions = model.config.max_position_embeddings + 1;
  try {
    return await runSteps({
      phase: "grpo",
      run: options,
      config,
      model,
      trainer,
      optimizer,
      policy,
      heldoutItems: heldout,
      heldoutSampling: config.sampling,
      startStep,
      skipped: train.skipped,
      step: async (step) => {
        const started = performance.now();
        const items = batchIndices(train.items.length, grpo.promptsPerBatch, step - 1, config.seed).map(
          (i) => train.items[i] as (typeof train.items)[number],
        );
        const sampled = await policy.sample(
          items.map((item) => item.prompt),
          { ...config.sampling, n: grpo.rolloutsPerPrompt, seed: config.seed * 1_000_003 + step },
        );
        // every sample of the step in one batch for the reward function
        const rewards = await scoreWith(
          options.reward ?? sweRlReward,
          sampled.flatMap((group, g) =>
            group.samples.map((s) => ({
              instance: (items[g] as (typeof items)[number]).instance,
              response: s.text,
            })),
          ),
        );
        let offset = 0;
        const groups: RolloutGroup[] = sampled.map((group, g) => {
          const item = items[g] as (typeof items)[number];
          offset += group.samples.length;
          return {
            instanceId: item.instance.instanceId,
            prompt: item.prompt,
            promptTokenIds: group.promptTokenIds,
            model: policy.model,
            samples: group.samples,
            rewards: rewards.slice(offset - group.samples.length, offset),
          };
        });
        const sampleSeconds = (performance.now() - started) / 1000;
        const { samples, stats } = prepareGrpoBatch(groups, grpo);
        const sequences: TrainingSequence[] = samples
          .map((s) => ({
            tokenIds: [...s.promptTokenIds, ...s.tokenIds],
            promptLength: s.promptTokenIds.length,
            advantage: s.advantage,
            rolloutLogprobs: s.rolloutLogprobs,
          }))
          .filter((s) => s.tokenIds.length <= maxPositions);
        const base = {
          step,
          phase: "grpo" as const,
          rewardMean: stats.rewardMean,
          rewardStd: stats.rewardStd,
          formatErrorRate: stats.formatErrorRate,
          responseLengthMean: stats.responseLengthMean,
          learningRate: grpo.optimizer.learningRate,
          sampleSeconds,
          droppedGroups: stats.droppedGroups,
        };
        if (sequences.length === 0) {
          const stepSeconds = (performance.now() - started) / 1000;
          return { ...base, time: new Date().toISOString(), loss: 0, tokensPerSecond: 0, stepSeconds };
        }
        const update = await grpoUpdate(trainer, reference, sequences, grpo, optimizer);
        await sync();
        const stepSeconds = (performance.now() - started) / 1000;
        const row: LocalMetricsRow = {
          ...base,
          time: new Date().toISOString(),
          loss: update.loss,
          kl: update.klMean,
          clipFraction: update.clipFraction,
          entropy: update.entropyMean,
          tokensPerSecond: update.trainedTokens / (stepSeconds - sampleSeconds),
          stepSeconds,
          gradNorm: update.gradNorm,
        };
        if (Number.isFinite(update.logprobMismatch)) {
          row.logprobMismatch = update.logprobMismatch;
          row.logprobMismatchMax = update.logprobMismatchMax;
        }
        return row;
      },
    });
  } finally {
    await trainer.dispose();
    await reference?.dispose();
    await policy.close();
  }
}
