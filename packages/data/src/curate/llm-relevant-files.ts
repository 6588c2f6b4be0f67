import type { SamplingPolicy } from "./bug-fix-classifier.js";
import {
  type RelevantFile,
  RelevantFilesConfig,
  type RelevantFilesInput,
  rankRelevantFiles,
} from "./relevant-files.js";

/** The question put to the policy: the issue, the files the fix changes, and the shortlist to pick from. */
export function relevantFilesPrompt(
  input: RelevantFilesInput,
  shortlist: readonly string[],
  max: number,
): string {
  return `An issue in a repository is fixed by changing these files:
${[...input.changed.keys()].map((p) => `- ${p}`).join("\n")}

Issue:
${input.problemStatement.trim()}

Which of the following files, which the fix does not change, are most relevant for understanding the
issue and the fix? Answer with at most ${max} paths from the list, one per line, most relevant first,
or "none".

${shortlist.join("\n")}

Answer:`;
}

/**
 * The paper's way of choosing relevant-but-unmodified files: ask a model. The lexical ranker first
 * shortlists `llmShortlist` files, then the policy (greedy, one sample) names up to `maxRelevantFiles`
 * of them. Paths not on the shortlist are ignored; an answer naming none of them (other than "none")
 * falls back to the lexical order, so a confused model never empties the context.
 */
export async function llmRankRelevantFiles(
  input: RelevantFilesInput,
  policy: SamplingPolicy,
  config: RelevantFilesConfig = RelevantFilesConfig.parse({ ranker: "llm" }),
): Promise<RelevantFile[]> {
  if (config.maxRelevantFiles === 0 || config.ranker === "none") return [];
  const shortlist = await rankRelevantFiles(input, {
    ...config,
    ranker: "lexical",
    maxRelevantFiles: Math.max(config.llmShortlist, config.maxRelevantFiles),
  });
  if (shortlist.length === 0) return [];
  const paths = shortlist.map((f) => f.path);
  const [group] = await policy.sample([relevantFilesPrompt(input, paths, config.maxRelevantFiles)], {
    n: 1,
    temperature: 0,
    maxTokens: config.llmMaxTokens,
  });
  const answer = group?.samples[0]?.text ?? "";
  const known = new Set(paths);
  const chosen: string[] = [];
  for (const line of answer.split("\n")) {
    const path = line
      .trim()
      .replace(/^(?:[-*]|\d+[.)])\s*/, "")
      .replace(/^[`'"]+|[`'",.]+$/g, "");
    if (known.has(path) && !chosen.includes(path)) chosen.push(path);
    if (chosen.length === config.maxRelevantFiles) break;
  }
  if (chosen.length === 0) {
    return /^\W*none\b/i.test(answer.trim()) ? [] : shortlist.slice(0, config.maxRelevantFiles);
  }
  return chosen.map((path, i) => ({ path, score: chosen.length - i, via: "llm" as const }));
}
