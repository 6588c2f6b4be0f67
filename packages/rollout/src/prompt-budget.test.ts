import { rm } from "node:fs/promises";
import { RlInstance } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptBudgetError } from "./errors.js";
import { loadTokenizer, type ModelTokenizer } from "./model-tokenizer.js";
import { promptBudget, TEMPLATE_SEAM_TOKENS, templateOverhead } from "./prompt-budget.js";
import { buildRepairPrompt } from "./repair-prompt.js";
import { TINY_CONFIG, tinyModel } from "./testing/tiny-model.js";

let dir = "";
let tokenizer: ModelTokenizer;
const template = () => ({
  render: (messages: Parameters<ModelTokenizer["applyChatTemplate"]>[0]) =>
    tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }),
  countTokens: tokenizer.countTokens,
});

beforeAll(async () => {
  dir = (await tinyModel({ ...TINY_CONFIG, max_position_embeddings: 2048 })).dir;
  tokenizer = await loadTokenizer(dir);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("templateOverhead", () => {
  it("is the rendered empty chat's tokens plus the seam allowance", () => {
    const rendered = tokenizer.applyChatTemplate(
      [
        { role: "system", content: "" },
        { role: "user", content: "" },
      ],
      { addGenerationPrompt: true },
    );
    expect(rendered).toContain("<|im_start|>assistant");
    expect(templateOverhead(template())).toBe(tokenizer.encode(rendered).length + TEMPLATE_SEAM_TOKENS);
  });
});

describe("promptBudget", () => {
  it("leaves room for the completion: a prompt built to the budget, templated, fits the context", () => {
    const contextLength = 2048;
    const completionTokens = 256;
    const budget = promptBudget({
      contextLength,
      completionTokens,
      templateTokens: templateOverhead(template()),
    }) as number;
    expect(budget).toBeLessThan(contextLength - completionTokens);
    const instance = RlInstance.parse({
      instanceId: "demo__calc-1",
      problemStatement: "add() subtracts",
      codeContext: {
        "calc.py": "def add(a, b):\n    return a - b\n",
        "other.py": Array.from({ length: 400 }, (_, i) => `x${i} = ${i}`).join("\n"),
      },
      oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
      oraclePatch: "",
      provenance: { source: "demo", repo: "demo/calc" },
    });
    const prompt = buildRepairPrompt(instance, {
      maxPromptTokens: budget,
      countTokens: tokenizer.countTokens,
    });
    expect(prompt.droppedFiles).toEqual(["other.py"]);
    const ids = tokenizer.encode(template().render(prompt.messages));
    expect(ids.length + completionTokens).toBeLessThanOrEqual(contextLength);
  });

  it("takes the smaller of an explicit budget and the context's, or either alone", () => {
    expect(
      promptBudget({ contextLength: 1024, completionTokens: 224, templateTokens: 20, maxPromptTokens: 500 }),
    ).toBe(500);
    expect(
      promptBudget({ contextLength: 1024, completionTokens: 224, templateTokens: 20, maxPromptTokens: 5000 }),
    ).toBe(780);
    expect(promptBudget({ completionTokens: 224, maxPromptTokens: 5000 })).toBe(5000);
    expect(promptBudget({ completionTokens: 224 })).toBeUndefined();
  });

  it("names the completion option when the context leaves no room", () => {
    const call = () =>
      promptBudget({
        contextLength: 256,
        completionTokens: 250,
        templateTokens: 12,
        completionOption: "--max-tokens",
      });
    expect(call).toThrow(PromptBudgetError);
    expect(call).toThrow(/--max-tokens 250 .* 256 positions/);
  });
});
