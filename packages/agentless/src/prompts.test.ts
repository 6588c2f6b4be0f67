import { PromptBudgetError } from "@swerl/rollout";
import { describe, expect, it } from "vitest";
import { buildAgentlessRepairPrompt, buildLocalizationPrompts } from "./prompts.js";

const files = Array.from({ length: 200 }, (_, i) => `pkg/mod${i % 10}/file_${i}.py`).concat([
  "pkg/parser/tokens.py",
]);

describe("Agentless prompts", () => {
  it("shows the whole tree when it fits, and reformatted, shuffled views for later samples", () => {
    const prompts = buildLocalizationPrompts("the tokens parser fails", files, {
      maxPromptTokens: 100_000,
      samples: 4,
      maxFiles: 3,
    });
    expect(prompts.droppedFiles).toEqual([]);
    expect(prompts.views).toEqual(["tree", "shuffled-list", "shuffled-tree", "shuffled-list"]);
    const [first, second, third, fourth] = prompts.conversations.map((c) => c[1]!.content);
    expect(first).toContain("    tokens.py");
    // a flat list of full paths, not in sorted order
    expect(second).toContain("\npkg/parser/tokens.py\n");
    expect(second).not.toContain("    tokens.py");
    const listed = (text: string) => text.split("\n").filter((l) => l.startsWith("pkg/"));
    expect(listed(second!)).not.toEqual([...listed(second!)].sort());
    expect([...listed(second!)].sort()).toEqual([...files].sort());
    expect(listed(fourth!)).not.toEqual(listed(second!));
    // the shuffled tree: the same lines as the sorted one, in another order
    expect(third).not.toBe(first);
    expect([...third!.split("\n")].sort()).toEqual([...first!.split("\n")].sort());
  });

  it("fits the largest view (the flat list) to the budget, and refuses an issue that alone overflows", () => {
    const one = buildLocalizationPrompts("the tokens parser fails", files, {
      maxPromptTokens: 4_000,
      samples: 1,
      maxFiles: 3,
    });
    const two = buildLocalizationPrompts("the tokens parser fails", files, {
      maxPromptTokens: 4_000,
      samples: 2,
      maxFiles: 3,
    });
    expect(one.tokens).toBeLessThanOrEqual(4_000);
    expect(two.tokens).toBeLessThanOrEqual(4_000);
    // full paths take more room than the tree, so the two-view run shows fewer files
    expect(two.droppedFiles.length).toBeGreaterThan(one.droppedFiles.length);
    expect(() =>
      buildLocalizationPrompts("x".repeat(5_000), files, { maxPromptTokens: 4_000, samples: 1, maxFiles: 3 }),
    ).toThrow(PromptBudgetError);
  });

  it("leaves out the files least related to the issue until the tree fits", () => {
    const prompts = buildLocalizationPrompts("the tokens parser fails", files, {
      maxPromptTokens: 2_000,
      samples: 1,
      maxFiles: 3,
    });
    expect(prompts.tokens).toBeLessThanOrEqual(2_000);
    expect(prompts.droppedFiles.length).toBeGreaterThan(100);
    expect(prompts.droppedFiles).not.toContain("pkg/parser/tokens.py");
    expect(prompts.conversations[0]![1]!.content).toContain("tokens.py");
  });

  it("keeps the most likely file in the repair prompt and drops the others largest first", () => {
    const contents = { "a.py": "a\n".repeat(100), "b.py": "b\n".repeat(300), "c.py": "c\n".repeat(50) };
    const prompt = buildAgentlessRepairPrompt("x-1", "issue", ["a.py", "b.py", "c.py"], contents, {
      maxPromptTokens: 1_800,
    });
    expect(prompt.droppedFiles).toEqual(["b.py"]);
    expect(prompt.shownFiles).toEqual(["a.py", "c.py"]);
    expect(() =>
      buildAgentlessRepairPrompt("x-1", "issue", ["b.py", "a.py"], contents, { maxPromptTokens: 1_000 }),
    ).toThrow(PromptBudgetError);
  });
});
