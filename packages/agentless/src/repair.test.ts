import { describe, expect, it } from "vitest";
import { answerOf, repairCandidate } from "./repair.js";

const context = { "pkg/a.py": "def f(x):\n    return x - 1\n" };
const repo = new Set(["pkg/a.py", "pkg/b.py"]);
const block = (path: string, search: string, replace: string) =>
  `\`\`\`python\n### ${path}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\``;
const wrap = (s: string) => `<think>\nwhy\n</think>\n<solution>\n${s}\n</solution>`;

describe("repairCandidate", () => {
  it("turns applicable edits into a git patch and a layout-independent key", async () => {
    const a = await repairCandidate(
      wrap(block("pkg/a.py", "    return x - 1", "    return x + 1")),
      context,
      repo,
      "strict",
    );
    expect(a.status).toBe("ok");
    expect(a.patch).toBe(
      "diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1,2 +1,2 @@\n def f(x):\n-    return x - 1\n+    return x + 1\n",
    );
    const b = await repairCandidate(
      block("pkg/a.py", "    return x - 1", "    # one more\n    return x  + 1"),
      context,
      repo,
      "strict",
    );
    expect(b.status).toBe("ok");
    expect(b.normalizedKey).toBe(a.normalizedKey);
    const created = await repairCandidate(block("pkg/new.py", "", "X = 1"), context, repo, "strict");
    expect(created.patch).toContain("new file mode 100644");
  });

  it("empties candidates that do not parse, apply, keep the syntax or change anything", async () => {
    const status = async (response: string) =>
      (await repairCandidate(response, context, repo, "strict")).status;
    expect(await status("no edits here")).toBe("no-edits");
    expect(await status(block("pkg/b.py", "x", "y"))).toBe("unshown-file");
    expect(await status(block("pkg/a.py", "    return y", "    return x"))).toBe("apply-failed");
    expect(await status(block("pkg/a.py", "def f(x):", "def f(x"))).toBe("syntax-error");
    expect(
      await status(
        block("pkg/a.py", "def f(x):", "def f(x):\n") + block("pkg/a.py", "def f(x):\n", "def f(x):"),
      ),
    ).toBe("no-change");
  });

  it("lenient (official): applies the block that matches and drops the one that does not", async () => {
    const good = block("pkg/a.py", "    return x - 1", "    return x + 1");
    const bad = block("pkg/a.py", "    return y", "    return x");
    const strict = await repairCandidate(wrap(`${good}\n${bad}`), context, repo, "strict");
    expect(strict.status).toBe("apply-failed");
    const lenient = await repairCandidate(wrap(`${good}\n${bad}`), context, repo, "lenient");
    expect(lenient.status).toBe("ok");
    expect(lenient.newContent).toEqual({ "pkg/a.py": "def f(x):\n    return x + 1\n" });
    // a file the prompt did not show is dropped, not fatal; nothing matching at all is apply-failed
    const other = await repairCandidate(wrap(`${block("pkg/b.py", "x", "y")}\n${good}`), context, repo);
    expect(other.status).toBe("ok");
    expect((await repairCandidate(wrap(bad), context, repo)).status).toBe("apply-failed");
    expect((await repairCandidate("no edits here", context, repo)).status).toBe("no-edits");
  });

  it("reads the solution when the tags are well formed, the whole text otherwise", () => {
    expect(answerOf(wrap("A"))).toBe("A");
    expect(answerOf("<solution>A")).toBe("<solution>A");
  });
});
