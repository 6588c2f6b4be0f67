import { PromptBudgetError } from "@swerl/rollout";
import type { InstanceContext } from "../context.js";
import { buildAgentlessRepairPrompt } from "../prompts.js";
import type { LocalizeRecord, RepairedSample, RepairRecord } from "../records.js";
import { repairCandidate } from "../repair.js";
import { listRepositoryFiles, readRepositoryFiles } from "../repository-view.js";

/** The distinct non-empty candidates: normalized key -> patch of its earliest sample. */
export function uniqueCandidates(candidates: readonly RepairedSample[]): Map<string, string> {
  const unique = new Map<string, string>();
  for (const c of candidates)
    if (c.status === "ok" && !unique.has(c.normalizedKey)) unique.set(c.normalizedKey, c.patch);
  return unique;
}

/** The repair record of an instance whose localization found nothing (written so that resuming sees it). */
export function emptyRepair(ctx: InstanceContext, note: string): RepairRecord {
  return {
    config: ctx.configs.repair,
    shownFiles: [],
    promptTokens: null,
    droppedFiles: [],
    candidates: [],
    note,
  };
}

/**
 * The repair stage of one instance: K samples of the training repair prompt over the localized files'
 * contents, each turned into a git-style patch (or an empty candidate saying why not).
 */
export async function repair(ctx: InstanceContext, localization: LocalizeRecord): Promise<RepairRecord> {
  const { instance, config } = ctx;
  if (localization.files.length === 0) return emptyRepair(ctx, "nothing localized");
  const contents = await readRepositoryFiles(ctx.mirror, instance.base_commit, localization.files);
  let prompt: ReturnType<typeof buildAgentlessRepairPrompt>;
  try {
    prompt = buildAgentlessRepairPrompt(ctx.id, instance.problem_statement, localization.files, contents, {
      maxPromptTokens: config.maxPromptTokens,
      countTokens: ctx.countTokens,
    });
  } catch (error) {
    if (!(error instanceof PromptBudgetError)) throw error;
    return { ...emptyRepair(ctx, error.message) };
  }
  const codeContext = Object.fromEntries(prompt.shownFiles.map((p) => [p, contents[p] ?? ""]));
  const [group] = await ctx.policy.sample([ctx.render(prompt.messages)], {
    maxTokens: config.maxTokens,
    seed: config.seed,
    n: config.numSamples,
    temperature: config.temperature,
  });
  const repositoryFiles = new Set(await listRepositoryFiles(ctx.mirror, instance.base_commit));
  const candidates: RepairRecord["candidates"] = [];
  for (const [sample, s] of (group?.samples ?? []).entries()) {
    const repaired = await repairCandidate(s.text, codeContext, repositoryFiles, config.parse);
    candidates.push({
      sample,
      patch: repaired.patch,
      normalizedKey: repaired.normalizedKey,
      regressions: null,
      reproductionPasses: null,
      status: repaired.status,
      detail: repaired.detail,
      response: s.text,
    });
  }
  return {
    config: ctx.configs.repair,
    shownFiles: prompt.shownFiles,
    promptTokens: prompt.tokens,
    droppedFiles: prompt.droppedFiles,
    candidates,
  };
}
