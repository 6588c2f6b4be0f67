import { generateGroups } from "./generate.js";
import type { Policy, SampleControl, SampleGroup, SamplingOptionsInput } from "./policy.js";
import { seededUniform } from "./seeded-uniform.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz .";
const EOS = ALPHABET.length;

/**
 * A real (if tiny) sampling policy for server tests: a fixed random bigram model over 28 characters plus
 * an end token, decoded by the shared `generateGroups` loop, so samples carry true token ids and logprobs.
 */
export class BigramPolicy implements Policy {
  readonly model = "bigram-test";
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** `endless`: the end token is never sampled, so every sample runs to max_tokens. */
  constructor(
    readonly delayMs = 0,
    readonly endless = false,
  ) {}

  static encode(text: string): number[] {
    return [...text].map((c) => Math.max(0, ALPHABET.indexOf(c)));
  }

  /** Decoding steps run (each a batch of next-token logits). */
  steps = 0;

  async sample(
    prompts: readonly string[],
    options: SamplingOptionsInput,
    control: SampleControl = {},
  ): Promise<SampleGroup[]> {
    this.calls += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return await generateGroups(
        prompts.map(BigramPolicy.encode),
        options,
        async (sequences) => {
          this.steps += 1;
          // yield to the event loop, as a real model's forward pass does
          await new Promise((r) => setImmediate(r));
          return sequences.map((ids) => {
            const last = ids.at(-1) ?? 0;
            return Float64Array.from({ length: EOS + 1 }, (_, j) =>
              this.endless && j === EOS ? Number.NEGATIVE_INFINITY : 4 * seededUniform(11, [last], j),
            );
          });
        },
        { decode: (ids) => ids.map((i) => ALPHABET[i] ?? "").join(""), eosTokenIds: [EOS] },
        16,
        control.signal,
      );
    } finally {
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {}
}
