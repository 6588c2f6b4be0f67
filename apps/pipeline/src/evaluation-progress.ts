import type { EvaluationProgress } from "@swerl/eval";
import type { Progress } from "./progress.js";

/** A harness run's bar, started at its first instance, counting the verdicts beside it. */
export function evaluationProgress(start: (total: number) => Progress) {
  let bar: Progress | undefined;
  return {
    onProgress(p: EvaluationProgress): void {
      bar ??= start(p.total);
      bar.tick(1, { resolved: p.resolved, unresolved: p.unresolved, empty: p.emptyPatch, error: p.error });
    },
    stop(): void {
      bar?.stop();
      bar = undefined;
    },
  };
}
