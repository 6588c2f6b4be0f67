import { fileURLToPath } from "node:url";
import { PromptBudgetError } from "@swerl/rollout";
import { readAllRecords, SweBenchInstance } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { patchFiles } from "./localization.js";
import { GAP_MARKER, sketchFromPatches } from "./patch-sketch.js";
import { buildAgentlessRepairPrompt, buildLocalizationPrompts } from "./prompts.js";
import { localizableFiles } from "./repository-view.js";

// the SWE-bench test sets vendored in @swerl/schema's fixtures
const DATASETS = ["swe-bench_verified.test.jsonl.gz", "swe-bench_lite.test.jsonl.gz"].map((name) =>
  fileURLToPath(new URL(`../../schema/fixtures/swe-bench/${name}`, import.meta.url)),
);

describe("sketchFromPatches", () => {
  it("keeps the base side of every hunk in place, marks the gaps, merges patches, leaves added files out", () => {
    const patch = [
      "diff --git a/pkg/m.py b/pkg/m.py",
      "--- a/pkg/m.py",
      "+++ b/pkg/m.py",
      "@@ -3,3 +3,3 @@ def f():",
      " a = 1",
      "-b = 2",
      "+b = 3",
      "",
      "@@ -10,2 +10,3 @@",
      " x",
      "+y",
      " z",
      "\\ No newline at end of file",
      "diff --git a/new.py b/new.py",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/new.py",
      "@@ -0,0 +1 @@",
      "+print(1)",
      "",
    ].join("\n");
    const testPatch =
      "diff --git a/pkg/m.py b/pkg/m.py\n--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -1 +1 @@\n-import os\n+import sys\n";
    const sketch = sketchFromPatches([patch, testPatch]);
    expect(sketch.files).toEqual(["pkg/m.py"]);
    expect(sketch.contents["pkg/m.py"]).toBe(
      [
        "import os",
        `${GAP_MARKER} 2-2`,
        "a = 1",
        "b = 2",
        // the stripped context line of the first hunk
        "",
        `${GAP_MARKER} 6-9`,
        "x",
        "z",
        `${GAP_MARKER} 12-end`,
        "",
      ].join("\n"),
    );
  });
});

describe("Agentless prompts on real SWE-bench instance lists", () => {
  it("builds localization and repair prompts within budget for every Verified and Lite instance, from what their patches show (no clones here: the tree is the files patch and test_patch touch, contents are hunk lines with gaps marked)", async () => {
    const started = Date.now();
    // characters: for mostly-ASCII text a BPE tokenizer makes fewer tokens than characters, so this
    // also bounds the prompts at 32768 tokens; real runs count with the model's tokenizer
    const budget = { maxPromptTokens: 32_768 };
    let instances = 0;
    let largest = 0;
    let tooLongAtDefault = 0;
    for (const file of DATASETS) {
      for (const instance of await readAllRecords(file, SweBenchInstance)) {
        instances += 1;
        const sketch = sketchFromPatches([instance.patch, instance.test_patch]);
        const gold = patchFiles(instance.patch);
        const files = localizableFiles(sketch.files, instance.repo);
        // every base-side gold source file is in the tree the localizer sees
        for (const g of gold)
          if (sketch.files.includes(g) && g.endsWith(".py") && instance.repo !== "pytest-dev/pytest")
            expect(files, instance.instance_id).toContain(g);
        const loc = buildLocalizationPrompts(instance.problem_statement, files, {
          ...budget,
          samples: 4,
          maxFiles: 3,
          instanceId: instance.instance_id,
        });
        expect(loc.tokens, instance.instance_id).toBeLessThanOrEqual(budget.maxPromptTokens);
        expect(loc.conversations).toHaveLength(4);
        // repair as if localization had found the gold files (at most 3), over the reconstructed contents
        const localized = gold.filter((g) => sketch.files.includes(g)).slice(0, 3);
        const repair = buildAgentlessRepairPrompt(
          instance.instance_id,
          instance.problem_statement,
          localized,
          sketch.contents,
          budget,
        );
        expect(repair.tokens, instance.instance_id).toBeLessThanOrEqual(budget.maxPromptTokens);
        expect(repair.shownFiles.length, instance.instance_id).toBeGreaterThan(0);
        largest = Math.max(largest, loc.tokens, repair.tokens);
        // at a 16384-token budget only an issue longer than the budget fails, by name
        try {
          buildAgentlessRepairPrompt(
            instance.instance_id,
            instance.problem_statement,
            localized,
            sketch.contents,
            {
              maxPromptTokens: 16_384,
            },
          );
        } catch (error) {
          expect(error).toBeInstanceOf(PromptBudgetError);
          expect((error as Error).message).toContain(instance.instance_id);
          expect(instance.problem_statement.length).toBeGreaterThan(12_000);
          tooLongAtDefault += 1;
        }
      }
    }
    expect(instances).toBe(800);
    expect(largest).toBeLessThanOrEqual(budget.maxPromptTokens);
    // the issues of 22778 and 24770 characters (in both lists) and one of 19270 (Lite only)
    expect(tooLongAtDefault).toBe(5);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
