import { PromptBudgetError, type RepairPrompt } from "@swerl/rollout";
import type { InstanceContext } from "../context.js";
import { journalFile } from "../persistence.js";
import { buildAgentlessRepairPrompt } from "../prompts.js";
import type { LocalizeRecord, RepairedSample, RepairRecord } from "../records.js";
import { repairCandidate } from "../repair.js";
import { listRepositoryFiles, readRepositoryFiles } from "../repository-view.js";
import { chunkRequests, sampleWithJournal } from "../sampling.js";

/** The distinct non-empty candidates: normalized key -> patch of its earliest sample. */
export function uniqueCandidates(candidates: readonly RepairedSample[]): Map<string, string> {
  const unique = new Map<string, string>();
  for (const c of candidates)
    if (c.status === "ok" && !unique.has(c.normalizedKey)) unique.set(c.normalizedKey, c.patch);
  return unique;
}

/** The repair record of an instance with nothing to repair (written so that resuming sees it). */
export function emptyRepair(ctx: InstanceContext, note: string): RepairRecord {
  return {
    config: ctx.configs.repair,
    shownFiles: [],
    promptTokens: null,
    droppedFiles: [],
    candidates: [],
    lists: [],
    prompts: [],
    source: ctx.officialRepair ? "patchFolder" : "policy",
    note,
  };
}

/** Distinct non-empty lists, in order (the official repair's de-duplication of `found_files`). */
function distinct(lists: readonly string[][]): string[][] {
  const seen = new Set<string>();
  return lists.filter((list) => {
    const key = JSON.stringify(list);
    if (list.length === 0 || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The file lists the repair samples are drawn over: an official repair's `all_found_files`, or a
 * localization file's per-sample lists (sample i takes list i mod their number, as the official repair),
 * or swerl's one merged localization.
 */
function repairLists(ctx: InstanceContext, localization: LocalizeRecord): string[][] {
  const official = ctx.officialRepair?.all_found_files;
  if (official?.length) return distinct(official);
  if (ctx.officialLocalization) return distinct(localization.foundFiles).slice(0, ctx.config.numSamples);
  return distinct([localization.files]);
}

/**
 * The repair stage of one instance: K samples of the training repair prompt over the localized files'
 * contents (or the generations of an official repair folder), each turned into a git-style patch, or an
 * empty candidate saying why not. Samples are asked for `samplesPerRequest` at a time and kept in a
 * journal as they arrive, so a stopped run resumes without asking for them again.
 */
export async function repair(ctx: InstanceContext, localization: LocalizeRecord): Promise<RepairRecord> {
  const { instance, config } = ctx;
  const lists = repairLists(ctx, localization);
  if (lists.length === 0) return emptyRepair(ctx, "nothing localized");
  const contents = await readRepositoryFiles(ctx.mirror, instance.base_commit, [...new Set(lists.flat())]);
  const prompts: Array<RepairPrompt | null> = [];
  let overBudget: string | undefined;
  for (const list of lists) {
    try {
      prompts.push(
        buildAgentlessRepairPrompt(ctx.id, instance.problem_statement, list, contents, {
          maxPromptTokens: config.maxPromptTokens,
          countTokens: ctx.countTokens,
        }),
      );
    } catch (error) {
      if (!(error instanceof PromptBudgetError)) throw error;
      prompts.push(null);
      overBudget ??= error.message;
    }
  }
  const first = prompts.find((p) => p !== null);
  if (!first) return emptyRepair(ctx, overBudget ?? "no prompt");
  const rendered = prompts.map((p) => (p ? ctx.render(p.messages) : ""));
  const official = ctx.officialRepair?.all_generations[0];
  const count = official ? official.length : config.numSamples;
  const listOf = (sample: number) => sample % lists.length;
  let texts: Map<number, string>;
  if (official) texts = new Map(official.map((text, i) => [i, text]));
  else {
    const requests = lists.flatMap((_, d) => {
      if (!prompts[d]) return [];
      const samples = Array.from({ length: count }, (_, i) => i).filter((i) => listOf(i) === d);
      return chunkRequests(samples, config.samplesPerRequest, rendered[d]!, config.temperature, config.seed);
    });
    texts = await sampleWithJournal(
      ctx.policy,
      journalFile(config.outDir, ctx.id, "repair"),
      ctx.samplingKey,
      requests,
      config.maxTokens,
    );
  }
  const repositoryFiles = new Set(await listRepositoryFiles(ctx.mirror, instance.base_commit));
  const candidates: RepairRecord["candidates"] = [];
  for (let sample = 0; sample < count; sample++) {
    const list = listOf(sample);
    const prompt = prompts[list];
    const text = texts.get(sample) ?? "";
    const codeContext = Object.fromEntries((prompt?.shownFiles ?? []).map((p) => [p, contents[p] ?? ""]));
    const repaired = prompt
      ? await repairCandidate(text, codeContext, repositoryFiles, config.parse)
      : { status: "no-edits" as const, detail: overBudget, patch: "", normalizedKey: "", newContent: {} };
    const editedFiles = Object.keys(repaired.newContent).sort();
    candidates.push({
      sample,
      patch: repaired.patch,
      normalizedKey: repaired.normalizedKey,
      regressions: null,
      reproductionPasses: null,
      status: repaired.status,
      detail: repaired.detail,
      response: text,
      list,
      editedFiles,
      prevContent: editedFiles.map((f) => codeContext[f] ?? ""),
      newContent: editedFiles.map((f) => repaired.newContent[f]!),
    });
  }
  return {
    config: ctx.configs.repair,
    shownFiles: first.shownFiles,
    promptTokens: Math.max(...prompts.map((p) => p?.tokens ?? 0)),
    droppedFiles: first.droppedFiles,
    candidates,
    lists,
    prompts: rendered,
    source: official ? "patchFolder" : "policy",
  };
}
