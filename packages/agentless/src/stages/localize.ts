import { PromptBudgetError } from "@swerl/rollout";
import type { InstanceContext } from "../context.js";
import { localizationOutcome, parseLocalizedFiles, patchFiles } from "../localization.js";
import { journalFile } from "../persistence.js";
import { buildLocalizationPrompts } from "../prompts.js";
import type { LocalizeRecord } from "../records.js";
import { listRepositoryFiles, localizableFiles } from "../repository-view.js";
import { sampleWithJournal } from "../sampling.js";

/** Files ranked by how many localization samples named them, then by their best rank in a sample. */
export function mergeLocalizations(lists: readonly string[][], maxFiles: number): string[] {
  const score = new Map<string, { votes: number; best: number; first: number }>();
  lists.forEach((list, sample) => {
    list.forEach((file, rank) => {
      const s = score.get(file) ?? { votes: 0, best: rank, first: sample };
      s.votes += 1;
      s.best = Math.min(s.best, rank);
      score.set(file, s);
    });
  });
  return [...score.entries()]
    .sort(([, a], [, b]) => b.votes - a.votes || a.best - b.best || a.first - b.first)
    .slice(0, maxFiles)
    .map(([file]) => file);
}

/**
 * The localize stage of one instance: the policy names the files to edit from several views of the
 * repository tree (the first greedy, the others sampled), votes merged; or the lists of a localization
 * file (`locFile`: an official `loc.jsonl` or the published ground truth); or, with `localization:
 * oracle`, the gold patch's files.
 */
export async function localize(ctx: InstanceContext): Promise<LocalizeRecord> {
  const { instance, config } = ctx;
  const allFiles = await listRepositoryFiles(ctx.mirror, instance.base_commit);
  const files = localizableFiles(allFiles, instance.repo);
  const goldFiles = patchFiles(instance.patch);
  const record = (fields: Omit<LocalizeRecord, "config" | "goldFiles" | "outcome">): LocalizeRecord => ({
    config: ctx.configs.localize,
    ...fields,
    goldFiles,
    outcome: localizationOutcome(fields.files, goldFiles),
  });
  if (ctx.officialLocalization) {
    // a localization file: each sample's list, the paths that exist at the base commit
    const existing = new Set(allFiles);
    const foundFiles = ctx.officialLocalization.map((list) => list.filter((f) => existing.has(f)));
    const merged = mergeLocalizations(foundFiles, config.maxFiles);
    return record({
      views: [],
      responses: [],
      files: merged,
      foundFiles,
      prompts: [],
      shownFiles: 0,
      droppedFiles: [],
      note: merged.length === 0 ? `locFile names no file of ${instance.repo} for ${ctx.id}` : "from locFile",
    });
  }
  if (config.localization === "oracle") {
    const existing = new Set(allFiles);
    const localized = goldFiles.filter((f) => existing.has(f)).slice(0, config.maxFiles);
    return record({
      views: [],
      responses: [],
      files: localized,
      foundFiles: [localized],
      prompts: [],
      shownFiles: 0,
      droppedFiles: [],
      note: "oracle localization: the gold patch's files (an ablation, not the policy's choice)",
    });
  }
  let loc: ReturnType<typeof buildLocalizationPrompts>;
  try {
    loc = buildLocalizationPrompts(instance.problem_statement, files, {
      maxPromptTokens: config.maxPromptTokens,
      countTokens: ctx.countTokens,
      samples: config.localizationSamples,
      maxFiles: config.maxFiles,
      seed: config.seed,
      instanceId: ctx.id,
    });
  } catch (error) {
    if (!(error instanceof PromptBudgetError)) throw error;
    return record({
      views: [],
      responses: [],
      files: [],
      foundFiles: [],
      prompts: [],
      shownFiles: 0,
      droppedFiles: files,
      note: error.message,
    });
  }
  const prompts = loc.conversations.map(ctx.render);
  // the first view greedy, the other views sampled; each view one request, kept as it arrives
  const texts = await sampleWithJournal(
    ctx.policy,
    journalFile(config.outDir, ctx.id, "localize"),
    ctx.samplingKey,
    prompts.map((prompt, i) => ({
      samples: [i],
      prompt,
      temperature: i === 0 ? 0 : config.temperature,
      seed: config.seed + i,
    })),
    config.maxTokens,
  );
  const responses = prompts.map((_, i) => texts.get(i) ?? "");
  const foundFiles = responses.map((r) => parseLocalizedFiles(r, files, config.maxFiles));
  const localized = mergeLocalizations(foundFiles, config.maxFiles);
  return record({
    views: loc.views,
    responses,
    files: localized,
    foundFiles,
    prompts,
    shownFiles: files.length - loc.droppedFiles.length,
    droppedFiles: loc.droppedFiles,
    note: localized.length === 0 ? "localization named no file of the repository" : undefined,
  });
}
