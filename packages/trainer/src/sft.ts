import { join } from "node:path";
import { AdamOptimizer } from "./adam.js";
import { OracleResponseError, TrainerConfigError } from "./errors.js";
import { LocalLlamaPolicy } from "./local-llama-policy.js";
import { readModelDir } from "./model-dir.js";
import { loadModelTokenizer } from "./model-tokenizer.js";
import { buildOracleResponse } from "./oracle-response.js";
import { OrtLlama } from "./ort-llama.js";
import { SftRunConfig, type SftRunConfigInput } from "./run-config.js";
import {
  batchIndices,
  type HeldoutRow,
  type LocalMetricsRow,
  loadLatestCheckpoint,
  RunLog,
} from "./run-files.js";
import {
  loadPromptedInstances,
  loadSftExamples,
  type SftSequence,
  trainingPromptBudget,
} from "./training-data.js";
import { runSteps, type TrainingRunOptions, type TrainingRunResult } from "./training-loop.js";

/**
 * Supervised warm start: teacher forcing on each instance's chat-templated repair prompt followed by its
 * oracle response in the SWE-RL format and the end token, loss = mean negative logprob of the response
 * tokens of the batch (prompt tokens carry no loss). Writes `metrics.jsonl`, `heldout.jsonl`,
 * `checkpoints/step-N/` and `model/` under `outDir`, resuming from the latest checkpoint there.
 */
export async function runSft(
  options: TrainingRunOptions & {
    config?: SftRunConfigInput;
    /** Further examples (`SftExample` records, e.g. Agentless localization prompts), trained alongside. */
    examplesFile?: string;
  },
): Promise<TrainingRunResult> {
  const parsed = SftRunConfig.safeParse(options.config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainerConfigError("sft config", issue?.path.join(".") ?? "", issue?.message ?? "invalid");
  }
  const config = parsed.data;
  const model = await readModelDir(options.modelDir);
  const tokenizer = await loadModelTokenizer(options.modelDir);
  // Room for the held-out responses sampled from the same prompts; examples that do not fit are skipped.
  const maxPrompt = trainingPromptBudget(
    model.config.max_position_embeddings,
    tokenizer,
    config.heldout.maxTokens,
    config.maxPromptTokens,
  );
  const train = await loadPromptedInstances(options.instancesFile, tokenizer, maxPrompt);
  const skipped = [...train.skipped];
  const oracle = config.oracleResponses ? train.items : [];
  const examples: SftSequence[] = oracle.flatMap((item) => {
    let response: string;
    try {
      response = buildOracleResponse(item.instance, { contextLines: config.oracleContextLines });
    } catch (err) {
      if (!(err instanceof OracleResponseError)) throw err;
      skipped.push(item.instance.instanceId);
      return [];
    }
    const responseIds = [...tokenizer.encode(response), tokenizer.eosTokenIds[0] as number];
    const tokenIds = [...item.promptIds, ...responseIds];
    if (tokenIds.length > model.config.max_position_embeddings + 1) {
      skipped.push(item.instance.instanceId);
      return [];
    }
    return [{ tokenIds, promptLength: item.promptIds.length }];
  });
  if (options.examplesFile) {
    const extra = await loadSftExamples(
      options.examplesFile,
      tokenizer,
      model.config.max_position_embeddings + 1,
    );
    examples.push(...extra.items);
    skipped.push(...extra.skipped);
  }
  if (examples.length === 0)
    throw new TrainerConfigError(
      options.instancesFile,
      "",
      `no instance fits the model's context (${model.config.max_position_embeddings} positions, prompt budget ${maxPrompt} tokens; ${skipped.length} skipped)`,
    );
  const heldout = options.heldoutFile
    ? (await loadPromptedInstances(options.heldoutFile, tokenizer, maxPrompt)).items.slice(
        0,
        config.heldout.limit,
      )
    : [];
  const resume = await loadLatestCheckpoint(options.outDir, "sft", config.optimizer);
  const weights = resume?.weights ?? model.weights;
  const optimizer = resume?.optimizer ?? new AdamOptimizer(config.optimizer);
  const startStep = resume?.state.step ?? 0;
  const trainer = await OrtLlama.create(model.config, weights);
  const policy = await LocalLlamaPolicy.fromDirectory(options.modelDir);
  policy.setWeights(weights.values);
  try {
    return await runSteps({
      phase: "sft",
      run: options,
      model,
      trainer,
      optimizer,
      policy,
      tokenizer,
      heldoutItems: heldout,
      heldoutConfig: config.heldout,
      heldoutSampling: { temperature: 1, topP: 1, topK: 0 },
      steps: config.steps,
      startStep,
      seed: config.seed,
      checkpointEvery: config.checkpointEvery,
      skipped,
      metrics: await RunLog.open<LocalMetricsRow>(join(options.outDir, "metrics.jsonl"), startStep),
      heldoutLog: await RunLog.open<HeldoutRow>(join(options.outDir, "heldout.jsonl"), startStep),
      step: async (step) => {
        const started = performance.now();
        const batch = batchIndices(examples.length, config.batchSize, step - 1, config.seed).map(
          (i) => examples[i] as (typeof examples)[number],
        );
        const responseTokens = batch.reduce((a, e) => a + e.tokenIds.length - e.promptLength, 0);
        const pass = await trainer.gradientPass(batch);
        const coefficients = batch.map((e) =>
          new Array<number>(e.tokenIds.length - e.promptLength).fill(-1 / responseTokens),
        );
        let loss = 0;
        for (const [i, logprobs] of pass.logprobs.entries())
          for (const [t, lp] of logprobs.entries()) loss += (coefficients[i]?.[t] as number) * lp;
        const grads = await pass.backward(coefficients);
        const positions = batch.reduce((a, e) => a + e.tokenIds.length - 1, 0);
        for (const [name, values] of weights.values)
          if (!grads.has(name)) grads.set(name, new Float32Array(values.length));
        const { gradNorm } = optimizer.update(weights.values, grads);
        trainer.weightsChanged();
        const stepSeconds = (performance.now() - started) / 1000;
        return {
          step,
          phase: "sft",
          time: new Date().toISOString(),
          loss,
          responseLengthMean: responseTokens / batch.length,
          learningRate: config.optimizer.learningRate,
          tokensPerSecond: positions / stepSeconds,
          stepSeconds,
          gradNorm,
        };
      },
    });
  } finally {
    await trainer.dispose();
    await policy.close();
  }
}
