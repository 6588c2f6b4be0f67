import type { RolloutSample } from "@swerl/schema";
import type { SampleGroup, SamplingOptionsInput } from "./policy.js";
import { SamplingOptions } from "./policy.js";
import { sampleToken } from "./sample-token.js";
import { seededUniform } from "./seeded-uniform.js";
import { findStop } from "./stop-strings.js";

/** Turns token ids into text (for stop strings and the returned text) and names the end tokens. */
export interface TokenDecoder {
  decode(tokenIds: readonly number[]): string;
  eosTokenIds: readonly number[];
}

/** Next-token logits for the last position of each sequence (prompt ids followed by generated ids). */
export type NextTokenLogits = (sequences: ReadonlyArray<readonly number[]>) => Promise<ArrayLike<number>[]>;

interface Running {
  group: number;
  sample: number;
  tokenIds: number[];
  tokenLogprobs: number[];
}

/**
 * The model-independent decode loop every local policy shares: G samples per prompt, at most
 * `batchSize` sequences per `next` call, token draws from `seededUniform(seed, [prompt, sample], step)`
 * so results do not depend on the batch size, stop on an end token (kept, finish "stop"), on a stop
 * string (text cut before it, tokens up to the one completing it, finish "stop") or at `maxTokens`
 * (finish "length").
 */
export async function generateGroups(
  promptTokenIds: ReadonlyArray<readonly number[]>,
  optionsInput: SamplingOptionsInput,
  next: NextTokenLogits,
  decoder: TokenDecoder,
  batchSize = 16,
  signal?: AbortSignal,
): Promise<SampleGroup[]> {
  const options = SamplingOptions.parse(optionsInput);
  const samples: RolloutSample[][] = promptTokenIds.map(() => []);
  const queue: Running[] = [];
  for (let group = 0; group < promptTokenIds.length; group++)
    for (let sample = 0; sample < options.n; sample++)
      queue.push({ group, sample, tokenIds: [], tokenLogprobs: [] });
  const finish = (run: Running, finishReason: RolloutSample["finishReason"], text: string) => {
    const group = samples[run.group];
    if (group)
      group[run.sample] = { text, tokenIds: run.tokenIds, tokenLogprobs: run.tokenLogprobs, finishReason };
  };
  let active: Running[] = [];
  while (queue.length > 0 || active.length > 0) {
    while (active.length < batchSize && queue.length > 0) active.push(queue.shift() as Running);
    signal?.throwIfAborted();
    const logits = await next(active.map((run) => [...(promptTokenIds[run.group] ?? []), ...run.tokenIds]));
    const stillRunning: Running[] = [];
    active.forEach((run, index) => {
      const u = seededUniform(options.seed, [run.group, run.sample], run.tokenIds.length);
      const token = sampleToken(logits[index] ?? [], options, u);
      run.tokenIds.push(token.tokenId);
      run.tokenLogprobs.push(token.logprob);
      const text = decoder.decode(run.tokenIds);
      const stopAt = findStop(text, options.stop);
      if (decoder.eosTokenIds.includes(token.tokenId))
        finish(run, "stop", decoder.decode(run.tokenIds.slice(0, -1)));
      else if (stopAt !== -1) finish(run, "stop", text.slice(0, stopAt));
      else if (run.tokenIds.length >= options.maxTokens) finish(run, "length", text);
      else stillRunning.push(run);
    });
    active = stillRunning;
  }
  return promptTokenIds.map((ids, group) => ({
    promptTokenIds: [...ids],
    samples: samples[group] ?? [],
  }));
}
