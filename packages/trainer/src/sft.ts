import { OracleResponseError } from "./errors.js";
import { LocalLlamaPolicy } from "./local-llama-policy.js";
import { readModelDir } from "./model-dir.js";
import { loadModelTokenizer } from "./model-tokenizer.js";
import { buildOracleResponse } from "./oracle-response.js";
import { OrtLlama } from "./ort-llama.js";
import { SftRunConfig, type SftRunConfigInput } from "./run-config.js";
import { batchIndices } from "./run-files.js";
import {
  loadPromptedInstances,
  loadSftExamples,
  type SftSequence,
  trainingPromptBudget,
} from "./training-data.js";
import {
  loadHeldout,
  nothingFits,
  parsePhaseConfig,
  resumePhase,
  runSteps,
  type TrainingRunOptions,
  type TrainingRunResult,
} from "./training-loop.js";

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
  const config = parsePhaseConfig(SftRunConfig, options.config, "sft config");
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
  if (examples.length === 0) throw nothingFits(options.instancesFile, model, maxPrompt, skipped.length);
  const heldout = await loadHeldout(options.heldoutFile, tokenizer, maxPrompt, config.heldout.limit);
  const { weights, optimizer, startStep } = await resumePhase(
    options.outDir,
    "sft",
    config.optimizer,
    () => model.weights,
  );
  const trainer = await OrtLlama.create(model.config, weights);
  const policy = await LocalLlamaPolicy.fromDirectory(options.modelDir);
  policy.setWeights(weights.values);
  try {
    return await runSteps({
      phase: "sft",
      run: options,
      config,
      model,
      trainer,
      optimizer,
      policy,
      heldoutItems: heldout,
      heldoutSampling: { temperature: 1, topP: 1, topK: 0 },
      startStep,
      skipped,
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
