import type { InstanceLabel } from "./reward-input.js";

/**
 * Parsed instance labels by their JSON text, the least recently used dropped once the texts kept pass
 * `maxChars`. RL engines post each sample of a prompt as its own request (OpenRLHF's agent executor does),
 * so the G samples of one prompt carry the same label text in G requests: with the cache it is parsed
 * once, and its objects stay the same, so the reward pool sees one instance (sent to each worker once,
 * its oracle patch derived once per worker). The cached objects are frozen: scoring never changes them.
 */
export class LabelCache {
  readonly #entries = new Map<string, InstanceLabel>();
  #chars = 0;

  constructor(readonly maxChars: number) {}

  /** Labels held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The label of `text`, parsed by `parse` when it is not held (a label larger than the cache is not kept). */
  get(text: string, parse: (text: string) => InstanceLabel): InstanceLabel {
    const hit = this.#entries.get(text);
    if (hit) {
      // Most recently used last.
      this.#entries.delete(text);
      this.#entries.set(text, hit);
      return hit;
    }
    const parsed = parse(text);
    const label: InstanceLabel = {
      ...parsed,
      code_context: Object.freeze(parsed.code_context),
      oracle_new_content: Object.freeze(parsed.oracle_new_content),
    };
    if (text.length > this.maxChars) return label;
    this.#entries.set(text, label);
    this.#chars += text.length;
    for (const [oldest] of this.#entries) {
      if (this.#chars <= this.maxChars) break;
      this.#entries.delete(oldest);
      this.#chars -= oldest.length;
    }
    return label;
  }
}
