import { PromptBudgetError } from "@swerl/rollout";
import { describe, expect, it } from "vitest";
import { buildAgentlessRepairPrompt, buildLocalizationPrompts } from "./prompts.js";

const files = Array.from({ length: 200 }, (_, i) => `pkg/mod${i % 10}/file_${i}.py`).concat([
  "pkg/parser/tokens.py",
]);

describe("Agentless prompts", () => {
  it("shows the whole tree when it fits, and shuffled views for later samples", () => {
    const prompts = buildLocalizationPrompts("the tokens parser fails", files, {
      maxPromptTokens: 100_000,
      samples: 3,
      maxFiles: 3,
    });
    expect(prompts.droppedFiles).toEqual([]);
    const [first, second, third] = prompts.conversations.map((c) => c[1]!.content);
    expect(first).toContain("    tokens.py");
    expect(second).not.toBe(first);
    expect(third).not.toBe(second);
    expect([...second!.split("\n")].sort()).toEqual([...first!.split("\n")].sort());
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
