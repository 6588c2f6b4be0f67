import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { isTestPath, SwerlError } from "@swerl/schema";

const run = promisify(execFile);

/** Extensions that count as source code for localization. */
const SOURCE_EXTENSIONS = [".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".pyx", ".pyi"];

/** Repositories that are themselves test frameworks: their tests are part of what a fix may touch. */
const TEST_FRAMEWORK_REPOSITORIES = new Set(["pytest-dev/pytest"]);

/** Every file path of a commit, read from a (bare) git repository. */
export async function listRepositoryFiles(gitDir: string, commit: string): Promise<string[]> {
  try {
    const { stdout } = await run("git", ["--git-dir", gitDir, "ls-tree", "-r", "--name-only", "-z", commit], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout.split("\0").filter((p) => p.length > 0);
  } catch (err) {
    throw new SwerlError(
      "E_GIT",
      `cannot list files of ${commit} in ${gitDir}: ${(err as Error).message.split("\n")[0]}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The files a localizer should choose from: source files only, tests left out unless the repository
 * is a test framework itself.
 */
export function localizableFiles(paths: readonly string[], repo: string): string[] {
  const keepTests = TEST_FRAMEWORK_REPOSITORIES.has(repo);
  return paths
    .filter((p) => SOURCE_EXTENSIONS.some((ext) => p.endsWith(ext)))
    .filter((p) => keepTests || !isTestPath(p))
    .sort();
}

interface TreeNode {
  dirs: Map<string, TreeNode>;
  files: string[];
}

/**
 * A compact indented tree of paths: one line per directory (`name/`) and per file, children indented
 * by two spaces. `order` reshuffles siblings for sampling diversity (the paths stay the same).
 */
export function renderRepositoryTree(
  paths: readonly string[],
  order: (names: string[]) => string[] = (n) => n,
): string {
  const root: TreeNode = { dirs: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split("/");
    let node = root;
    for (const dir of parts.slice(0, -1)) {
      let next = node.dirs.get(dir);
      if (!next) {
        next = { dirs: new Map(), files: [] };
        node.dirs.set(dir, next);
      }
      node = next;
    }
    node.files.push(parts.at(-1)!);
  }
  const lines: string[] = [];
  const walk = (node: TreeNode, depth: number): void => {
    const indent = "  ".repeat(depth);
    for (const name of order([...node.dirs.keys()].sort())) {
      lines.push(`${indent}${name}/`);
      walk(node.dirs.get(name)!, depth + 1);
    }
    for (const name of order([...node.files].sort())) lines.push(`${indent}${name}`);
  };
  walk(root, 0);
  return lines.join("\n");
}

/**
 * The same paths as a flat list, one full path per line: the reformatted view later localization
 * samples alternate with the tree. `order` reshuffles the lines.
 */
export function renderRepositoryList(
  paths: readonly string[],
  order: (names: string[]) => string[] = (n) => n,
): string {
  return order([...paths].sort()).join("\n");
}

/** The contents of some files of a commit, read from a (bare) git repository; missing files are left out. */
export async function readRepositoryFiles(
  gitDir: string,
  commit: string,
  paths: readonly string[],
): Promise<Record<string, string>> {
  const contents: Record<string, string> = {};
  for (const path of paths) {
    try {
      const { stdout } = await run("git", ["--git-dir", gitDir, "show", `${commit}:${path}`], {
        maxBuffer: 256 * 1024 * 1024,
        encoding: "utf8",
      });
      contents[path] = stdout;
    } catch {
      // not in this commit: the caller decides what a missing file means
    }
  }
  return contents;
}
