import type { RolloutSample } from "@swerl/schema";
import { z } from "zod";

/** How to sample: the OpenAI-style knobs every policy understands. */
export const SamplingOptions = z.object({
  /** Samples per prompt (G). */
  n: z.number().int().positive().default(1),
  /** 0 means greedy. */
  temperature: z.number().nonnegative().default(1),
  topP: z.number().gt(0).max(1).default(1),
  /** 0 keeps every token. */
  topK: z.number().int().nonnegative().default(0),
  maxTokens: z.number().int().positive().default(256),
  /** Generation ends before the first occurrence of any of these; the stop string is not returned. */
  stop: z.array(z.string().min(1)).default([]),
  /** Same seed, prompts and options -> same samples, whatever the batch size. */
  seed: z.number().int().nonnegative().default(0),
});
export type SamplingOptions = z.infer<typeof SamplingOptions>;
export type SamplingOptionsInput = z.input<typeof SamplingOptions>;

/** The G samples of one prompt, in sample order. */
export interface SampleGroup {
  promptTokenIds: number[];
  samples: RolloutSample[];
}

/** How a caller steers a running `sample` call. */
export interface SampleControl {
  /** Aborting it stops generating (the call rejects with the signal's reason); policies may ignore it. */
  signal?: AbortSignal;
}

/** Anything that turns prompts (already chat-templated text) into groups of samples. */
export interface Policy {
  readonly model: string;
  sample(
    prompts: readonly string[],
    options: SamplingOptionsInput,
    control?: SampleControl,
  ): Promise<SampleGroup[]>;
  close(): Promise<void>;
}
