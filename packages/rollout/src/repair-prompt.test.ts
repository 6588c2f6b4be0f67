import type { RlInstance } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { PromptBudgetError } from "./errors.js";
import { buildRepairPrompt, EDIT_FORMAT_INSTRUCTIONS, SYSTEM_PROMPT } from "./repair-prompt.js";

// The edit pattern of the SWE-RL reward, as docs/specs/reward.md states it (Python `.` -> [^\n]).
const EDIT_PATTERN =
  /```[^\n]*?\n### ([^\n]*)\n<<<<<<< SEARCH\n([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n```/g;

const instance: Pick<RlInstance, "instanceId" | "problemStatement" | "codeContext" | "oracleNewContent"> = {
  instanceId: "demo__calc-1",
  problemStatement: "  add() subtracts instead of adding\n",
  codeContext: {
    "src/example/util.py": "def add(a, b):\n    return a - b\n",
    "docs/big.md": `${"documentation line\n".repeat(50)}`,
    "tests/test_util.py": "from example.util import add\n",
  },
  oracleNewContent: { "src/example/util.py": "def add(a, b):\n    return a + b\n" },
};

describe("buildRepairPrompt", () => {
  it("shows the issue and every file as `### path` + content, in path order, after the system prompt", () => {
    const prompt = buildRepairPrompt(instance);
    expect(prompt.messages[0]).toEqual({ role: "system", content: SYSTEM_PROMPT });
    const user = prompt.messages[1]?.content ?? "";
    expect(user).toContain("--- BEGIN ISSUE ---\nadd() subtracts instead of adding\n--- END ISSUE ---");
    expect(user).toContain(
      "### src/example/util.py\ndef add(a, b):\n    return a - b\n### tests/test_util.py\n",
    );
    expect(prompt.shownFiles).toEqual(["docs/big.md", "src/example/util.py", "tests/test_util.py"]);
    expect(prompt.droppedFiles).toEqual([]);
    expect(user.endsWith(EDIT_FORMAT_INSTRUCTIONS)).toBe(true);
    expect(prompt.tokens).toBe(SYSTEM_PROMPT.length + user.length);
  });

  it("asks for each tag, and its example edit is one the reward parses and applies to the shown file", () => {
    for (const tag of ["<think>", "</think>", "<solution>", "</solution>"])
      expect(SYSTEM_PROMPT).toContain(tag);
    const edits = [...EDIT_FORMAT_INSTRUCTIONS.matchAll(EDIT_PATTERN)];
    expect(edits).toHaveLength(1);
    const [, path, search, replace] = edits[0] ?? [];
    expect(path).toBe("src/example/util.py");
    const original = `\n${instance.codeContext["src/example/util.py"]}`;
    expect(original.includes(`\n${search}`)).toBe(true);
    expect(original.split(`\n${search}`).join(`\n${replace}`).slice(1)).toBe(
      instance.oracleNewContent["src/example/util.py"],
    );
  });

  it("drops whole unmodified files, largest first, only as far as the budget needs, and reports them", () => {
    const full = buildRepairPrompt(instance);
    const bigSize = (instance.codeContext["docs/big.md"] ?? "").length;
    const one = buildRepairPrompt(instance, { maxPromptTokens: full.tokens - 1 });
    expect(one.droppedFiles).toEqual(["docs/big.md"]);
    expect(one.shownFiles).toEqual(["src/example/util.py", "tests/test_util.py"]);
    expect(one.messages[1]?.content).not.toContain("documentation line");
    expect(one.tokens).toBeLessThanOrEqual(full.tokens - bigSize);
    const two = buildRepairPrompt(instance, { maxPromptTokens: one.tokens - 1 });
    expect(two.droppedFiles).toEqual(["docs/big.md", "tests/test_util.py"]);
    expect(two.shownFiles).toEqual(["src/example/util.py"]);
    expect(buildRepairPrompt(instance, { maxPromptTokens: full.tokens }).droppedFiles).toEqual([]);
  });

  it("never drops a modified file: throws PromptBudgetError naming the instance and the numbers", () => {
    const minimal = buildRepairPrompt(instance, { maxPromptTokens: 0, countTokens: () => 0 });
    expect(minimal.droppedFiles).toEqual([]);
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const smallest = buildRepairPrompt(
      {
        ...instance,
        codeContext: { "src/example/util.py": instance.codeContext["src/example/util.py"] ?? "" },
      },
      { countTokens: words },
    );
    expect(() =>
      buildRepairPrompt(instance, { maxPromptTokens: smallest.tokens - 1, countTokens: words }),
    ).toThrow(PromptBudgetError);
    expect(() => buildRepairPrompt(instance, { maxPromptTokens: 10, countTokens: words })).toThrow(
      new RegExp(`instance demo__calc-1: the prompt needs ${smallest.tokens} tokens .* budget of 10`),
    );
  });
});
