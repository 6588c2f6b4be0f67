import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { SwerlError } from "@swerl/schema";

const run = promisify(execFile);

/** A git command failed: a missing commit, a repository that cannot be cloned or read. */
export class GitError extends SwerlError {
  readonly gitDir: string;
  constructor(gitDir: string, message: string, options?: { cause?: unknown }) {
    super("E_GIT", `${gitDir}: ${message}`, options);
    this.gitDir = gitDir;
  }
}

/** First line of a failed git command's stderr, which is the part that says what went wrong. */
export function gitFailure(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr?.trim() || e.message || String(err)).split("\n");
  return text.find((l) => /fatal|error/i.test(l)) ?? text[0] ?? "";
}

/** One file of a cumulative patch, from `git diff --numstat` and `--name-status`. */
export interface PatchFile {
  path: string;
  status: "added" | "modified" | "removed";
  /** `0` for binary files. */
  additions: number;
  deletions: number;
  binary: boolean;
}

/** Read access to one bare repository, by running `git` against its directory. */
export class GitRepository {
  readonly gitDir: string;

  constructor(gitDir: string) {
    this.gitDir = gitDir;
  }

  /** Runs `git --git-dir DIR ...args` and returns stdout; failures become {@link GitError}. */
  async git(args: readonly string[], what: string): Promise<string> {
    try {
      const { stdout } = await run("git", ["--git-dir", this.gitDir, ...args], {
        maxBuffer: 1024 * 1024 * 1024,
        encoding: "utf8",
      });
      return stdout;
    } catch (err) {
      throw new GitError(this.gitDir, `${what}: ${gitFailure(err)}`, { cause: err });
    }
  }

  /** Is `commit` present as a commit object? */
  async hasCommit(commit: string): Promise<boolean> {
    try {
      await run("git", ["--git-dir", this.gitDir, "cat-file", "-e", `${commit}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  /** `git merge-base base head` (the best common ancestor). */
  async mergeBase(base: string, head: string): Promise<string> {
    const out = await this.git(["merge-base", base, head], `no merge base of ${base} and ${head}`);
    return out.trim();
  }

  /**
   * The cumulative patch of a pull request exactly as the cross-helper contract fixes it:
   * `git diff --no-color --no-ext-diff --no-renames <merge-base(base, head)> <head>`.
   */
  async cumulativePatch(base: string, head: string): Promise<{ mergeBase: string; patch: string }> {
    const mergeBase = await this.mergeBase(base, head);
    const patch = await this.git(
      ["diff", "--no-color", "--no-ext-diff", "--no-renames", mergeBase, head],
      `cannot diff ${mergeBase}..${head}`,
    );
    return { mergeBase, patch };
  }

  /**
   * The files `from..to` changes, with line counts, in git's path order (renames as delete + add):
   * one `git diff --raw --numstat -z`, which prints every file's status, then its line counts.
   */
  async changedFiles(from: string, to: string): Promise<PatchFile[]> {
    const out = await this.git(
      ["diff", "--no-renames", "--raw", "--numstat", "-z", from, to],
      `cannot diff ${from}..${to}`,
    );
    const parts = out.split("\0");
    const status = new Map<string, PatchFile["status"]>();
    const files: PatchFile[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? "";
      if (part === "") continue;
      if (part.startsWith(":")) {
        const code = part.split(" ").at(-1) ?? "";
        status.set(parts[i + 1] ?? "", code === "A" ? "added" : code === "D" ? "removed" : "modified");
        i += 1;
        continue;
      }
      const [add = "", del = "", ...rest] = part.split("\t");
      const path = rest.join("\t");
      const binary = add === "-";
      files.push({
        path,
        status: status.get(path) ?? "modified",
        additions: binary ? 0 : Number(add),
        deletions: binary ? 0 : Number(del),
        binary,
      });
    }
    return files;
  }

  /** Every file path of `commit`. */
  async listFiles(commit: string): Promise<string[]> {
    const out = await this.git(
      ["ls-tree", "-r", "--name-only", "-z", commit],
      `cannot list files of ${commit}`,
    );
    return out.split("\0").filter((p) => p !== "");
  }

  /** Every file of `commit` with its blob id (`git ls-tree -r`), in path order; submodules left out. */
  async listTree(commit: string): Promise<Map<string, string>> {
    const out = await this.git(["ls-tree", "-r", "-z", commit], `cannot list files of ${commit}`);
    const tree = new Map<string, string>();
    for (const entry of out.split("\0")) {
      const tab = entry.indexOf("\t");
      if (tab < 0) continue;
      const [, type, id] = entry.slice(0, tab).split(" ");
      if (type === "blob" && id) tree.set(entry.slice(tab + 1), id);
    }
    return tree;
  }

  /**
   * Contents of `paths` at `commit` (one `git cat-file --batch` process for all of them). Paths that
   * do not exist there, and binary files (NUL bytes), are left out of the result.
   */
  async readFiles(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    return this.#batch(
      paths.map((p) => [p, `${commit}:${p}`]),
      `at ${commit}`,
    );
  }

  /** Contents of blobs by id, like {@link readFiles} (missing and binary blobs left out). */
  async readBlobs(ids: readonly string[]): Promise<Map<string, string>> {
    return this.#batch(
      ids.map((id) => [id, id]),
      "reading blobs",
    );
  }

  async #batch(items: ReadonlyArray<readonly [string, string]>, what: string): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (items.length === 0) return result;
    const output = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn("git", ["--git-dir", this.gitDir, "cat-file", "--batch"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      const chunks: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
      });
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolve(Buffer.concat(chunks));
        else reject(new GitError(this.gitDir, `cat-file failed ${what}: ${stderr.trim()}`));
      });
      child.stdin.end(items.map(([, spec]) => `${spec}\n`).join(""));
    });
    let offset = 0;
    for (const [key] of items) {
      const newline = output.indexOf(10, offset);
      if (newline < 0) break;
      const header = output.toString("utf8", offset, newline);
      offset = newline + 1;
      const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!m) continue; // "<name> missing" or "ambiguous"
      const size = Number(m[2]);
      const body = output.subarray(offset, offset + size);
      offset += size + 1;
      if (m[1] === "blob" && !body.includes(0)) result.set(key, body.toString("utf8"));
    }
    return result;
  }
}
