import { MinedPullRequest } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { bugFixPrompt, heuristicBugFix, llmBugFix, type SamplingPolicy } from "./bug-fix-classifier.js";

const pr = (
  title: string,
  issue: { title: string; body: string; labels?: string[] },
  labels: string[] = [],
) =>
  MinedPullRequest.parse({
    repo: "acme/lib",
    number: 2,
    title,
    body: "",
    author: "dev",
    createdAt: "2024-01-01T00:00:00Z",
    mergedAt: "2024-01-02T00:00:00Z",
    baseCommit: "a".repeat(40),
    headCommit: "b".repeat(40),
    mergeCommit: "c".repeat(40),
    labels,
    files: [{ path: "lib.py", status: "modified", additions: 1, deletions: 1 }],
    linkedIssues: [{ repo: "acme/lib", number: 1, linkedBy: "keyword", ...issue }],
  });

describe("heuristicBugFix", () => {
  it("keeps fixes and neutral PRs, rejects PRs whose evidence points to a feature", () => {
    expect(
      heuristicBugFix(pr("Fix crash in parse", { title: "parse fails", body: "Traceback ..." })).bugFix,
    ).toBe(true);
    expect(heuristicBugFix(pr("Tidy parse", { title: "parse", body: "see title" })).bugFix).toBe(true);
    const feature = heuristicBugFix(
      pr("Add support for YAML", {
        title: "Feature request: YAML",
        body: "It would be nice to implement YAML",
      }),
    );
    expect(feature).toEqual({ bugFix: false, evidence: expect.stringMatching(/^score -\d+$/) });
    // Labels outweigh words: a bug label keeps a PR worded like a feature.
    expect(heuristicBugFix(pr("Implement retry", { title: "retry", body: "", labels: ["bug"] })).bugFix).toBe(
      true,
    );
    expect(
      heuristicBugFix(pr("Fix docs", { title: "docs", body: "" }, ["enhancement", "documentation"])).bugFix,
    ).toBe(false);
  });
});

describe("llmBugFix", () => {
  it("asks the policy once per PR, greedily, and reads a leading no as not a bug fix", async () => {
    const seen: { prompts: readonly string[]; options: object }[] = [];
    // A policy that answers from the prompt's issue text, as a model would.
    const policy: SamplingPolicy = {
      async sample(prompts, options) {
        seen.push({ prompts, options });
        return prompts.map((p) => ({
          samples: [{ text: /YAML/.test(p) ? " No." : "Yes, it fixes a crash" }],
        }));
      },
    };
    const prs = [
      pr("Fix crash", { title: "parse fails", body: "boom" }),
      pr("YAML", { title: "Support YAML", body: "" }),
    ];
    const verdicts = await llmBugFix(prs, policy);
    expect(verdicts.map((v) => v.bugFix)).toEqual([true, false]);
    expect(verdicts[1]?.evidence).toBe('model: "No."');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.options).toMatchObject({ n: 1, temperature: 0 });
    expect(seen[0]?.prompts[0]).toBe(bugFixPrompt(prs[0] as MinedPullRequest));
    expect(seen[0]?.prompts[0]).toContain("Issue #1: parse fails\nboom");
    expect(await llmBugFix([], policy)).toEqual([]);
  });
});
