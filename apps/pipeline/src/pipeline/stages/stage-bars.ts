import type { Progress } from "../../progress.js";
import type { StageContext } from "../stage.js";

/** One progress bar per named part of a stage's work (e.g. per Agentless step), made when first seen. */
export class StageBars {
  readonly #bars = new Map<string, Progress>();

  constructor(
    private readonly context: StageContext,
    private readonly unit: string,
  ) {}

  /** The bar of `label`, started with `total` the first time. */
  bar(label: string, total: number): Progress {
    let bar = this.#bars.get(label);
    if (!bar) {
      bar = this.context.progress(label, total, this.unit);
      this.#bars.set(label, bar);
    }
    return bar;
  }

  stop(label: string): void {
    this.#bars.get(label)?.stop();
    this.#bars.delete(label);
  }

  stopAll(): void {
    for (const label of [...this.#bars.keys()]) this.stop(label);
  }
}
