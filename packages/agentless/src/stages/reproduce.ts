import { normalizePython } from "@swerl/data";
import type { Executor } from "@swerl/eval";
import { type InstanceContext, throwIfAborted } from "../context.js";
import { journalFile } from "../persistence.js";
import { buildReproductionConversation } from "../prompts.js";
import type { RepairRecord, ReproduceRecord } from "../records.js";
import { readRepositoryFiles } from "../repository-view.js";
import { extractTestScript, type ReproductionVerdict, selectReproductionTests } from "../reproduction.js";
import { chunkRequests, sampleWithJournal } from "../sampling.js";
import { withTestBench } from "../test-bench.js";
import { uniqueCandidates } from "./repair.js";

/** The repair prompt's files and their base contents, as the reproduction prompt shows them. */
async function shownContext(ctx: InstanceContext, shown: readonly string[]): Promise<Record<string, string>> {
  const contents = await readRepositoryFiles(ctx.mirror, ctx.instance.base_commit, shown);
  return Object.fromEntries(shown.map((p) => [p, contents[p] ?? ""]));
}

/**
 * The reproduce stage of one instance: T reproduction tests generated (swerl's own prompt; sampled and
 * journaled as the repairs are), run on the original code; the reproducing ones kept, grouped when
 * identical after normalization (one per group for SWE-RL's selection, the largest group's for Agentless's).
 */
export async function reproduce(
  ctx: InstanceContext,
  repair: RepairRecord,
  executor: Executor,
): Promise<ReproduceRecord> {
  const { instance, config } = ctx;
  const skipped = (note?: string): ReproduceRecord => ({
    config: ctx.configs.reproduce,
    ran: false,
    tests: [],
    selected: [],
    note,
  });
  if (config.numTests === 0) return skipped();
  if (uniqueCandidates(repair.candidates).size === 0) return skipped();
  if (!ctx.spec) return skipped(`no test spec for ${instance.repo}: tests were not run`);
  const codeContext = await shownContext(ctx, repair.shownFiles);
  const prompt = ctx.render(buildReproductionConversation(instance.problem_statement, codeContext));
  const samples = Array.from({ length: config.numTests }, (_, i) => i);
  const texts = await sampleWithJournal(
    ctx.policy,
    journalFile(config.outDir, ctx.id, "reproduce"),
    ctx.samplingKey,
    chunkRequests(samples, config.samplesPerRequest, prompt, config.temperature, config.seed),
    config.maxTokens,
  );
  return withTestBench(ctx, ctx.spec, executor, async (bench) => {
    const tests: ReproduceRecord["tests"] = [];
    const generated: Array<{ sample: number; normalized: string; onOriginal: ReproductionVerdict }> = [];
    for (const sample of samples) {
      const script = extractTestScript(texts.get(sample) ?? "");
      let onOriginal: ReproductionVerdict | null = null;
      if (script !== null) {
        onOriginal = await bench.runReproduction(script);
        generated.push({ sample, normalized: await normalizePython(script), onOriginal });
      }
      tests.push({ sample, script, onOriginal });
      throwIfAborted(ctx.signal);
    }
    return {
      config: ctx.configs.reproduce,
      ran: true,
      tests,
      // Agentless keeps the one most agreed-upon test; SWE-RL ranks with every distinct reproducing test
      selected: selectReproductionTests(
        generated,
        config.selection === "agentless" ? 1 : Number.POSITIVE_INFINITY,
      ),
    };
  });
}
