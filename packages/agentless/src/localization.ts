import { z } from "zod";

/** How a localization compares with the files the gold patch edits. */
export const LocalizationOutcome = z.enum(["all", "any", "none"]);
export type LocalizationOutcome = z.infer<typeof LocalizationOutcome>;

/** The files a unified diff modifies (source side, `a/` stripped; added files by their new path). */
export function patchFiles(patch: string): string[] {
  const files: string[] = [];
  for (const match of patch.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) {
    const [, source, target] = match;
    const path = source === "/dev/null" ? target! : source!;
    if (!files.includes(path)) files.push(path);
  }
  if (files.length === 0) {
    for (const match of patch.matchAll(/^--- (?:a\/)?(.+?)\s*\n\+\+\+ (?:b\/)?(.+?)\s*$/gm)) {
      const path = match[1] === "/dev/null" ? match[2]! : match[1]!;
      if (!files.includes(path)) files.push(path);
    }
  }
  return files;
}

/**
 * The localization prompt: the issue and the repository's files, asking for the files to edit, most
 * likely first, one path per line in a fenced block.
 */
export function buildLocalizationPrompt(
  problemStatement: string,
  repositoryTree: string,
  maxFiles: number,
): string {
  return [
    "Below is an issue reported against a software repository, followed by the repository's source files.",
    `Decide which files must be edited to resolve the issue. List at most ${maxFiles} full paths, the most`,
    "likely first, one per line, inside a single ``` block, and nothing else in that block.",
    "",
    "--- BEGIN ISSUE ---",
    problemStatement.trim(),
    "--- END ISSUE ---",
    "",
    "--- BEGIN REPOSITORY FILES ---",
    repositoryTree,
    "--- END REPOSITORY FILES ---",
  ].join("\n");
}

function cleanCandidate(token: string): string {
  return token
    .trim()
    .replace(/^[-*+•]\s+/, "")
    .replace(/^\d+[.)]\s+/, "")
    .replace(/^[`'"(<[]+|[`'")>\]:,;.]+$/g, "")
    .replace(/^\.\//, "")
    .replace(/^[ab]\//, "");
}

/**
 * Reads a localization answer leniently (fenced or not, bullets, numbering, backticks, `./` or `a/`
 * prefixes, paths inside sentences) and keeps only real paths, in order, without repeats, at most
 * `maxFiles`. A path given without its leading directories is accepted when exactly one real file ends
 * with it.
 */
export function parseLocalizedFiles(
  answer: string,
  knownPaths: readonly string[],
  maxFiles: number,
): string[] {
  const known = new Set(knownPaths);
  const solution = /<solution>([\s\S]*?)(?:<\/solution>|$)/.exec(answer)?.[1] ?? answer;
  const fenced = [...solution.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const text = fenced.length ? fenced.join("\n") : solution;
  const found: string[] = [];
  for (const token of text.split(/[\s,]+/)) {
    const candidate = cleanCandidate(token);
    if (!candidate.includes(".")) continue;
    let path: string | undefined = known.has(candidate) ? candidate : undefined;
    if (!path) {
      const matches = knownPaths.filter((p) => p.endsWith(`/${candidate}`));
      if (matches.length === 1) path = matches[0];
    }
    if (path && !found.includes(path)) found.push(path);
    if (found.length >= maxFiles) break;
  }
  return found;
}

export function localizationOutcome(
  predicted: readonly string[],
  goldFiles: readonly string[],
): LocalizationOutcome {
  const hits = goldFiles.filter((f) => predicted.includes(f)).length;
  if (goldFiles.length > 0 && hits === goldFiles.length) return "all";
  return hits > 0 ? "any" : "none";
}

/** Localization rates over instances: "any" counts every instance with at least one gold file found. */
export const LocalizationRates = z.object({
  instances: z.number().int().nonnegative(),
  allFound: z.number().int().nonnegative(),
  anyFound: z.number().int().nonnegative(),
  noneFound: z.number().int().nonnegative(),
});
export type LocalizationRates = z.infer<typeof LocalizationRates>;

export function localizationRates(outcomes: readonly LocalizationOutcome[]): LocalizationRates {
  const all = outcomes.filter((o) => o === "all").length;
  const none = outcomes.filter((o) => o === "none").length;
  return { instances: outcomes.length, allFound: all, anyFound: outcomes.length - none, noneFound: none };
}
