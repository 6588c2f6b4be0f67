import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitObjectReader } from "./git-object-reader.js";
import { GitRepository } from "./git-repository.js";
import { FixtureRepo } from "./testing/fixture-repos.js";

let root: string;
let gitDir: string;
let head: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "swerl-objects-"));
  const repo = new FixtureRepo(root, "acme/objects");
  repo.commit("initial", {
    "a.py": "print(1)\n",
    "pkg/b.py": "x = 2\n",
    "pkg/deep/c.txt": "deep\n",
    "pkg-d.txt": "sorts between pkg/ and pkg.x in git's order\n",
    "bin.dat": "\u0000\u0001binary",
    "name with space.md": "spaced\n",
  });
  gitDir = repo.publish(join(root, "repos"));
  head = execFileSync("git", ["--git-dir", gitDir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("GitObjectReader", () => {
  it("lists the same files and blob ids as git ls-tree -r, and reads what readFiles reads", async () => {
    const reader = new GitObjectReader(gitDir);
    const git = new GitRepository(gitDir);
    try {
      const tree = await reader.listTree(head);
      expect([...tree]).toEqual([...(await git.listTree(head))]);
      expect([...tree.keys()]).toEqual(await git.listFiles(head));
      const paths = [...tree.keys(), "missing.py"];
      expect(await reader.readFiles(head, paths)).toEqual(await git.readFiles(head, paths));
      expect((await reader.readFiles(head, ["bin.dat"])).size).toBe(0);
      expect(await reader.hasCommit(head)).toBe(true);
      expect(await reader.hasCommit("0".repeat(40))).toBe(false);
      expect(await reader.hasCommit(tree.get("a.py") as string)).toBe(false);
    } finally {
      reader.close();
    }
  });

  it("answers many interleaved lookups in order", async () => {
    const reader = new GitObjectReader(gitDir);
    try {
      const specs = Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? `${head}:a.py` : i % 3 === 1 ? `${head}:nope` : `${head}:pkg/b.py`,
      );
      const got = await Promise.all(specs.map((s) => reader.read(s)));
      expect(got.map((o) => o?.body.toString() ?? null)).toEqual(
        specs.map((s) => (s.endsWith("a.py") ? "print(1)\n" : s.endsWith("b.py") ? "x = 2\n" : null)),
      );
    } finally {
      reader.close();
    }
  });
});
