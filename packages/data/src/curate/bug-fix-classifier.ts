import type { MinedPullRequest } from "@swerl/schema";
import { z } from "zod";

/** How pull requests are classified as bug fixes before they become RL instances. */
export const BugFixConfig = z.object({
  mode: z
    .enum(["heuristic", "llm", "off"])
    .default("heuristic")
    .describe("heuristic: keyword and label evidence; llm: ask the configured policy; off: keep all"),
  bugLabels: z
    .array(z.string())
    .default(["bug", "defect", "regression", "crash", "type: bug", "kind/bug"])
    .describe("labels that mark a bug (compared case-insensitively)"),
  featureLabels: z
    .array(z.string())
    .default(["enhancement", "feature", "feature request", "type: feature", "kind/feature", "documentation"])
    .describe("labels that mark a feature, not a bug fix (compared case-insensitively)"),
  maxTokens: z.number().int().positive().default(8).describe("llm: tokens sampled for one verdict"),
});
export type BugFixConfig = z.infer<typeof BugFixConfig>;

/**
 * What the LLM classifier needs of a policy: the `sample` method of @swerl/rollout's `Policy`
 * (any Policy satisfies it), so @swerl/data does not depend on the model runtime.
 */
export interface SamplingPolicy {
  sample(
    prompts: readonly string[],
    options: { n?: number; temperature?: number; maxTokens?: number },
  ): Promise<ReadonlyArray<{ samples: ReadonlyArray<{ text: string }> }>>;
}

export interface BugFixVerdict {
  bugFix: boolean;
  /** Heuristic score (positive: bug evidence) or the model's answer. */
  evidence: string;
}

const BUG_WORDS =
  /\b(bugs?|fix(?:es|ed)?|errors?|crash(?:es|ed)?|fail(?:s|ed|ure|ing)?|wrong|incorrect(?:ly)?|broken|exceptions?|traceback|regressions?|unexpected(?:ly)?|typo|mistake|off-by-one|invalid)\b/gi;
const FEATURE_WORDS =
  /\b(feature|features|enhancement|proposal|request|implement(?:s|ed)?|new option|add(?:s|ed)? support|support for|would be nice|nice to have)\b/gi;

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/**
 * Bug-fix evidence in the linked issues and the PR title: +1 per bug word, -1 per feature word,
 * +3 / -3 per bug / feature label. A PR is rejected only when the evidence points to a feature
 * (score < 0); neutral text keeps it, since most issue-linked PRs in the paper's data are fixes.
 */
export function heuristicBugFix(
  pr: MinedPullRequest,
  config: BugFixConfig = BugFixConfig.parse({}),
): BugFixVerdict {
  const text = [pr.title, ...pr.linkedIssues.flatMap((i) => [i.title, i.body])].join("\n");
  const labels = [...pr.labels, ...pr.linkedIssues.flatMap((i) => i.labels)].map((l) => l.toLowerCase());
  const bugLabels = new Set(config.bugLabels.map((l) => l.toLowerCase()));
  const featureLabels = new Set(config.featureLabels.map((l) => l.toLowerCase()));
  const score =
    count(text, BUG_WORDS) -
    count(text, FEATURE_WORDS) +
    3 * labels.filter((l) => bugLabels.has(l)).length -
    3 * labels.filter((l) => featureLabels.has(l)).length;
  return { bugFix: score >= 0, evidence: `score ${score}` };
}

/** The question put to the policy for one PR; the answer's first word decides (yes = bug fix). */
export function bugFixPrompt(pr: MinedPullRequest): string {
  const issues = pr.linkedIssues.map((i) => `Issue #${i.number}: ${i.title}\n${i.body}`).join("\n\n");
  const files = pr.files.map((f) => f.path).join(", ");
  return `Does this pull request fix a bug (as opposed to adding a feature, refactoring, or documentation)?
Answer with one word: yes or no.

${issues}

Pull request: ${pr.title}
${pr.body}
Files changed: ${files}

Answer:`;
}

/** Asks `policy` (greedy, one sample each) whether each PR is a bug fix; an unclear answer keeps the PR. */
export async function llmBugFix(
  prs: readonly MinedPullRequest[],
  policy: SamplingPolicy,
  config: BugFixConfig = BugFixConfig.parse({}),
): Promise<BugFixVerdict[]> {
  if (prs.length === 0) return [];
  const groups = await policy.sample(prs.map(bugFixPrompt), {
    n: 1,
    temperature: 0,
    maxTokens: config.maxTokens,
  });
  return prs.map((_, i) => {
    const answer = (groups[i]?.samples[0]?.text ?? "").trim();
    const no = /^\W*no\b/i.test(answer);
    return { bugFix: !no, evidence: `model: ${JSON.stringify(answer.slice(0, 40))}` };
  });
}
