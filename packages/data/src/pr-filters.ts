import { z } from "zod";

/** Thresholds of the pull-request noise filters (defaults follow the SWE-RL paper's intent; all configurable). */
export const FilterConfig = z.object({
  botPattern: z
    .string()
    .default("\\[bot\\]$|-bot$|^dependabot|^renovate")
    .describe("bot author logins (regex)"),
  versionBumpPattern: z
    .string()
    .default("^(bump|release|chore\\(release\\)|v?\\d+\\.\\d+\\.\\d+$)|\\bbump version\\b")
    .describe("version bump titles (regex)"),
  lockFiles: z
    .array(z.string())
    .default([
      "package-lock.json",
      "yarn.lock",
      "pnpm-lock.yaml",
      "poetry.lock",
      "Pipfile.lock",
      "Cargo.lock",
      "go.sum",
    ])
    .describe("file names that alone do not make a code change"),
  maxChangedLines: z
    .number()
    .int()
    .positive()
    .default(2000)
    .describe("upper bound on changed lines (added + deleted) of a kept pull request"),
  maxChangedFiles: z
    .number()
    .int()
    .positive()
    .default(50)
    .describe("upper bound on files changed by a kept pull request"),
  requireLinkedIssue: z
    .boolean()
    .default(true)
    .describe("keep only pull requests that link at least one issue"),
});
export type FilterConfig = z.infer<typeof FilterConfig>;

/** What the filters need to know about one merged pull request. */
export const PullRequestFacts = z.object({
  author: z.string(),
  /** The source's own bot flag (GitHub's `Bot` actor type); bots are also recognised by `botPattern`. */
  authorIsBot: z.boolean().default(false),
  title: z.string(),
  files: z.array(z.object({ path: z.string(), additions: z.number().int(), deletions: z.number().int() })),
  linkedIssues: z.number().int().nonnegative(),
});
export type PullRequestFacts = z.input<typeof PullRequestFacts>;

export type NoiseReason = "bot" | "version-bump" | "empty" | "lock-file-only" | "huge" | "no-linked-issue";

/** The first filter that rejects `pr`, or `undefined` when it is kept. Checked in the order of `NoiseReason`. */
export function noiseReason(
  pr: PullRequestFacts,
  config: FilterConfig = FilterConfig.parse({}),
): NoiseReason | undefined {
  if (pr.authorIsBot || new RegExp(config.botPattern, "i").test(pr.author)) return "bot";
  if (new RegExp(config.versionBumpPattern, "i").test(pr.title.trim())) return "version-bump";
  const changed = pr.files.reduce((n, f) => n + f.additions + f.deletions, 0);
  if (pr.files.length === 0 || changed === 0) return "empty";
  const locks = new Set(config.lockFiles);
  if (pr.files.every((f) => locks.has(f.path.split("/").at(-1) ?? ""))) return "lock-file-only";
  if (changed > config.maxChangedLines || pr.files.length > config.maxChangedFiles) return "huge";
  if (config.requireLinkedIssue && pr.linkedIssues === 0) return "no-linked-issue";
  return undefined;
}
