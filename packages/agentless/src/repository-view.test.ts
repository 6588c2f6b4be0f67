import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { listRepositoryFiles, localizableFiles, renderRepositoryTree } from "./repository-view.js";
import { git as gitIn } from "./testing/calc-benchmark.js";

describe("repository view", () => {
  it("lists a commit's files from a bare repository and keeps source files, not tests", async () => {
    const work = await mkdtemp(join(tmpdir(), "swerl-view-"));
    const files = [
      "pkg/core.py",
      "pkg/util/io.py",
      "tests/test_core.py",
      "pkg/conftest.py",
      "README.md",
      "web/app.test.js",
      "web/app.js",
    ];
    for (const f of files) {
      await mkdir(dirname(join(work, f)), { recursive: true });
      await writeFile(join(work, f), "x = 1\n");
    }
    const git = (...args: string[]) => gitIn(work, ...args).trim();
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "init");
    const commit = git("rev-parse", "HEAD");
    git("clone", "-q", "--bare", ".", join(work, "mirror.git"));
    const all = await listRepositoryFiles(join(work, "mirror.git"), commit);
    expect(all.sort()).toEqual([...files].sort());
    expect(localizableFiles(all, "demo/x")).toEqual(["pkg/core.py", "pkg/util/io.py", "web/app.js"]);
    expect(localizableFiles(all, "pytest-dev/pytest")).toContain("tests/test_core.py");
    await expect(listRepositoryFiles(join(work, "mirror.git"), "deadbeef")).rejects.toThrow(
      /cannot list files of deadbeef/,
    );
  });

  it("renders a compact indented tree", () => {
    expect(renderRepositoryTree(["b.py", "pkg/z.py", "pkg/a.py", "pkg/sub/m.py"])).toBe(
      ["pkg/", "  sub/", "    m.py", "  a.py", "  z.py", "b.py"].join("\n"),
    );
  });
});
