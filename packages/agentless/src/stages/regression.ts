import type { Executor } from "@swerl/eval";
import { type InstanceContext, throwIfAborted } from "../context.js";
import type { RegressionRecord, RepairRecord, ReproduceRecord } from "../records.js";
import { failingTests, passingTests } from "../regression.js";
import { withTestBench } from "../test-bench.js";
import { uniqueCandidates } from "./repair.js";

/**
 * The regression stage of one instance: the suite (tests passing on the original code), then every
 * distinct candidate against it and against the selected reproduction tests.
 */
export async function regression(
  ctx: InstanceContext,
  repair: RepairRecord,
  reproduce: ReproduceRecord,
  executor: Executor,
): Promise<RegressionRecord> {
  const { instance, config } = ctx;
  const skipped = (note?: string): RegressionRecord => ({
    config: ctx.configs.regression,
    ran: false,
    suite: null,
    results: [],
    note,
  });
  const unique = uniqueCandidates(repair.candidates);
  const selected = reproduce.selected.map((sample) => ({
    sample,
    script: reproduce.tests.find((t) => t.sample === sample)!.script!,
  }));
  if (unique.size === 0 || (!config.regression && selected.length === 0)) return skipped();
  if (!ctx.spec) return skipped(`no test spec for ${instance.repo}: tests were not run`);
  return withTestBench(ctx, ctx.spec, executor, async (bench) => {
    let suite: string[] | null = null;
    if (config.regression) suite = passingTests((await bench.runSuite()) ?? {});
    const results: RegressionRecord["results"] = [];
    for (const [normalizedKey, patch] of unique) {
      let failedTests: string[] | null = null;
      if (suite) {
        const statuses = await bench.runSuite(patch);
        failedTests = statuses === null ? suite : failingTests(suite, statuses);
      }
      let resolvedTests: number[] | null = null;
      if (selected.length > 0) {
        resolvedTests = [];
        for (const { sample, script } of selected)
          if ((await bench.runReproduction(script, patch)) === "resolved") resolvedTests.push(sample);
      }
      results.push({
        normalizedKey,
        regressions: failedTests?.length ?? null,
        reproductionPasses: resolvedTests?.length ?? null,
        resolvedTests,
        failedTests,
      });
      throwIfAborted(ctx.signal);
    }
    return { config: ctx.configs.regression, ran: true, suite, results };
  });
}
