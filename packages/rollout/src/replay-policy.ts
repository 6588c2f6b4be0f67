import { type FinishReason, type RolloutSample, readAllRecords, SwerlError } from "@swerl/schema";
import { z } from "zod";
import type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";
import { SamplingOptions } from "./policy.js";
import { findStop } from "./stop-strings.js";

/**
 * One scripted answer: the prompts it applies to and what to answer. A prompt matches when it contains
 * every `match` substring and, when `instanceId` is given, that id too; an entry with neither matches
 * every prompt (a fallback; put it last). Entries are tried in file order, the first match answers.
 */
export const ReplayEntry = z.object({
  match: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  instanceId: z.string().min(1).optional(),
  /** Sample i of a group answers `responses[i % responses.length]`. */
  responses: z.array(z.string()).min(1),
});
export type ReplayEntry = z.infer<typeof ReplayEntry>;

/** A prompt that no entry of a replay script matches. */
export class ReplayMissError extends SwerlError {
  constructor(source: string, prompt: string) {
    const excerpt = prompt.length > 160 ? `${prompt.slice(0, 80)} … ${prompt.slice(-80)}` : prompt;
    super(
      "E_REPLAY_MISS",
      `${source}: no entry matches the prompt ${JSON.stringify(excerpt)}; add an entry whose "match" substrings it contains (or a catch-all entry last)`,
    );
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A response cut like a sampler cuts it: before the first stop string, then to `maxTokens` byte tokens. */
function replaySample(response: string, stop: readonly string[], maxTokens: number): RolloutSample {
  let text = response;
  let finishReason: FinishReason = "stop";
  const at = findStop(text, stop);
  if (at !== -1) text = text.slice(0, at);
  let bytes = encoder.encode(text);
  if (bytes.length > maxTokens) {
    // cut at a character boundary: drop continuation bytes (10xxxxxx) and the lead byte they follow
    let end = maxTokens;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    bytes = bytes.slice(0, end);
    text = decoder.decode(bytes);
    finishReason = "length";
  }
  return { text, tokenIds: [...bytes], tokenLogprobs: [], finishReason };
}

/**
 * A scripted policy: answers prompts with fixed responses chosen by prompt substrings or instance ids
 * (see `ReplayEntry`), for tests and demos that need a model whose answers are known in advance. Its
 * "tokens" are UTF-8 bytes: `maxTokens` counts bytes, token ids are byte values, and there are no
 * logprobs. Stop strings cut the response as a sampler would. The seed and temperature change nothing.
 */
export class ReplayPolicy implements Policy {
  readonly model: string;
  readonly source: string;
  readonly #entries: ReplayEntry[];
  /** How many prompts each entry answered, in entry order. */
  readonly hits: number[];

  constructor(
    entries: readonly z.input<typeof ReplayEntry>[],
    options: { model?: string; source?: string } = {},
  ) {
    this.source = options.source ?? "replay script";
    this.#entries = entries.map((entry, i) => {
      const parsed = ReplayEntry.safeParse(entry);
      if (!parsed.success)
        throw new SwerlError(
          "E_REPLAY_SCRIPT",
          `${this.source}: entry ${i}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
        );
      return parsed.data;
    });
    this.model = options.model ?? "replay";
    this.hits = this.#entries.map(() => 0);
  }

  /** Reads a JSONL script (one `ReplayEntry` per line; errors name the file and line). */
  static async fromFile(file: string, options: { model?: string } = {}): Promise<ReplayPolicy> {
    const entries = await readAllRecords(file, ReplayEntry);
    return new ReplayPolicy(entries, { model: options.model ?? "replay", source: file });
  }

  /** The entry answering a prompt, or undefined. */
  entryFor(prompt: string): number | undefined {
    const index = this.#entries.findIndex((entry) => {
      const needles =
        entry.match === undefined ? [] : typeof entry.match === "string" ? [entry.match] : entry.match;
      if (entry.instanceId !== undefined && !prompt.includes(entry.instanceId)) return false;
      return needles.every((needle) => prompt.includes(needle));
    });
    return index === -1 ? undefined : index;
  }

  async sample(prompts: readonly string[], input: SamplingOptionsInput): Promise<SampleGroup[]> {
    const options = SamplingOptions.parse(input);
    const indexes = prompts.map((prompt) => {
      const index = this.entryFor(prompt);
      if (index === undefined) throw new ReplayMissError(this.source, prompt);
      return index;
    });
    return prompts.map((prompt, p) => {
      const entry = this.#entries[indexes[p]!]!;
      this.hits[indexes[p]!]! += 1;
      const samples = Array.from({ length: options.n }, (_, i) =>
        replaySample(entry.responses[i % entry.responses.length]!, options.stop, options.maxTokens),
      );
      return { promptTokenIds: [...encoder.encode(prompt)], samples };
    });
  }

  async close(): Promise<void> {}
}
