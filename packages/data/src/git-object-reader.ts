import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { GitError } from "./git-repository.js";

interface Pending {
  resolve: (object: GitObject | null) => void;
  reject: (error: Error) => void;
}

/** One object as `git cat-file --batch` prints it. */
export interface GitObject {
  id: string;
  type: "blob" | "tree" | "commit" | "tag";
  body: Buffer;
}

/**
 * A long-lived `git cat-file --batch` process answering object lookups in order, so reading many
 * files for many pull requests costs one process per repository instead of one per read (process
 * start-up dominates otherwise). Specs are anything `git rev-parse` takes: `<commit>:<path>`,
 * `<sha>^{commit}`, a blob id. {@link close} ends the process.
 */
export class GitObjectReader {
  readonly gitDir: string;
  #child: ChildProcessWithoutNullStreams | undefined;
  readonly #queue: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failed: Error | undefined;

  constructor(gitDir: string) {
    this.gitDir = gitDir;
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawn("git", ["--git-dir", this.gitDir, "cat-file", "--batch"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#drain();
    });
    const fail = (error: Error) => {
      this.#failed = error;
      for (const p of this.#queue.splice(0)) p.reject(error);
    };
    child.on("error", (e) =>
      fail(new GitError(this.gitDir, `cannot run git cat-file: ${e.message}`, { cause: e })),
    );
    child.on("close", (code) => {
      if (this.#queue.length > 0)
        fail(new GitError(this.gitDir, `git cat-file exited with ${code}: ${stderr.trim()}`));
      if (this.#child === child) this.#child = undefined;
    });
    child.stdin.on("error", () => {});
    this.#child = child;
    return child;
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const newline = this.#buffer.indexOf(10);
      if (newline < 0) return;
      const header = this.#buffer.toString("utf8", 0, newline);
      const m = /^([0-9a-f]+) (blob|tree|commit|tag) (\d+)$/.exec(header);
      if (!m) {
        // "<spec> missing" / "<spec> ambiguous": no body follows.
        this.#buffer = this.#buffer.subarray(newline + 1);
        this.#queue.shift()?.resolve(null);
        continue;
      }
      const size = Number(m[3]);
      const end = newline + 1 + size;
      if (this.#buffer.length < end + 1) return;
      const body = Buffer.from(this.#buffer.subarray(newline + 1, end));
      this.#buffer = this.#buffer.subarray(end + 1);
      this.#queue.shift()?.resolve({ id: m[1] as string, type: m[2] as GitObject["type"], body });
    }
  }

  /** The object `spec` names, or `null` when there is none. */
  read(spec: string): Promise<GitObject | null> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (/[\n\r]/.test(spec)) return Promise.resolve(null);
    const child = this.#start();
    return new Promise((resolve, reject) => {
      this.#queue.push({ resolve, reject });
      child.stdin.write(`${spec}\n`);
    });
  }

  /** Is `commit` present as a commit object? */
  async hasCommit(commit: string): Promise<boolean> {
    return (await this.read(`${commit}^{commit}`))?.type === "commit";
  }

  /** Text contents of `paths` at `commit`; missing paths and binary files (NUL bytes) are left out. */
  async readFiles(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    const objects = await Promise.all(paths.map((p) => this.read(`${commit}:${p}`)));
    const out = new Map<string, string>();
    for (const [i, o] of objects.entries()) {
      if (o?.type === "blob" && !o.body.includes(0)) out.set(paths[i] as string, o.body.toString("utf8"));
    }
    return out;
  }

  /**
   * Every file (blob) of `commit` with its blob id, in git's path order, read tree by tree through
   * the same process (no `git ls-tree` per call). Submodules (commit entries) are left out.
   */
  async listTree(commit: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const root = await this.read(`${commit}^{tree}`);
    if (root?.type !== "tree") throw new GitError(this.gitDir, `no tree for ${commit}`);
    const idBytes = root.id.length / 2;
    const walk = async (tree: Buffer, prefix: string): Promise<void> => {
      const entries: Array<[string, string, boolean]> = [];
      let offset = 0;
      while (offset < tree.length) {
        const space = tree.indexOf(32, offset);
        const nul = tree.indexOf(0, space);
        const mode = tree.toString("latin1", offset, space);
        const name = tree.toString("utf8", space + 1, nul);
        const id = tree.toString("hex", nul + 1, nul + 1 + idBytes);
        offset = nul + 1 + idBytes;
        if (mode === "40000") entries.push([`${prefix}${name}`, id, true]);
        else if (mode !== "160000") entries.push([`${prefix}${name}`, id, false]);
      }
      const trees = await Promise.all(entries.map(([, id, isTree]) => (isTree ? this.read(id) : null)));
      for (const [i, [path, id, isTree]] of entries.entries()) {
        if (!isTree) {
          out.set(path, id);
          continue;
        }
        const sub = trees[i];
        if (sub?.type === "tree") await walk(sub.body, `${path}/`);
      }
    };
    await walk(root.body, "");
    return out;
  }

  close(): void {
    this.#child?.stdin.end();
    this.#child = undefined;
  }
}
