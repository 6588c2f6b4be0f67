import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitPatch } from "./git-patch.js";

describe("gitPatch", () => {
  it("writes diffs that git apply turns into exactly the new contents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swerl-gitpatch-"));
    const before: Record<string, string | undefined> = {
      "pkg/a.py": Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join(""),
      "pkg/b.py": "x = 1\ny = 2",
      "same.py": "unchanged\n",
      "pkg/new.py": undefined,
    };
    const after: Record<string, string> = {
      "pkg/a.py": Array.from({ length: 30 }, (_, i) =>
        i === 3 || i === 25 ? `LINE ${i}\n` : `line ${i}\n`,
      ).join(""),
      "pkg/b.py": "x = 1\ny = 3\n",
      "same.py": "unchanged\n",
      "pkg/new.py": "print('hi')\n",
    };
    for (const [path, content] of Object.entries(before)) {
      if (content === undefined) continue;
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const patch = gitPatch(before, after);
    expect(patch).toContain(
      "diff --git a/pkg/new.py b/pkg/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/pkg/new.py\n",
    );
    expect(patch).toContain("-y = 2\n\\ No newline at end of file\n+y = 3\n");
    expect(patch).not.toContain("same.py");
    expect(patch.match(/^@@/gm)).toHaveLength(4);
    execFileSync("git", ["init", "-q"], { cwd: dir });
    execFileSync("git", ["apply", "--verbose"], {
      cwd: dir,
      input: patch,
      stdio: ["pipe", "ignore", "pipe"],
    });
    for (const [path, content] of Object.entries(after))
      expect(await readFile(join(dir, path), "utf8")).toBe(content);
    expect(gitPatch({ "x.py": "a\n" }, { "x.py": "a\n" })).toBe("");
  });
});
