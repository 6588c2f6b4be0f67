import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { GitError } from "./git-repository.js";

/** One object as `git cat-file --batch` prints it. */
export interface GitObject {
  id: string;
  type: "blob" | "tree" | "commit" | "tag";
  body: Buffer;
}

interface Pending {
  resolve: (object: GitObject | null) => void;
  reject: (error: Error) => void;
}

/** One `cat-file --batch` process with the lookups it still owes, answered in order. */
interface Batch {
  child: ChildProcessWithoutNullStreams;
  queue: Pending[];
  buffer: Buffer;
  failed?: Error;
}

/** Resolves the lookups whose answers are complete in `batch.buffer`. */
function drain(batch: Batch): void {
  while (batch.queue.length > 0) {
    const newline = batch.buffer.indexOf(10);
    if (newline < 0) return;
    const header = batch.buffer.toString("utf8", 0, newline);
    const m = /^([0-9a-f]+) (blob|tree|commit|tag) (\d+)$/.exec(header);
    if (!m) {
      // "<spec> missing" / "<spec> ambiguous": no body follows.
      batch.buffer = batch.buffer.subarray(newline + 1);
      batch.queue.shift()?.resolve(null);
      continue;
    }
    const end = newline + 1 + Number(m[3]);
    if (batch.buffer.length < end + 1) return;
    const body = Buffer.from(batch.buffer.subarray(newline + 1, end));
    batch.buffer = batch.buffer.subarray(end + 1);
    batch.queue.shift()?.resolve({ id: m[1] as string, type: m[2] as GitObject["type"], body });
  }
}

/**
 * A long-lived `git cat-file --batch` process answering object lookups in order, so reading many
 * files for many pull requests costs one process per repository instead of one per read (process
 * start-up dominates otherwise). Specs are anything `git rev-parse` takes: `<commit>:<path>`,
 * `<sha>^{commit}`, a blob id. {@link close} ends the process; lookups already sent are still answered.
 */
export class GitObjectReader {
  readonly gitDir: string;
  #batch: Batch | undefined;

  constructor(gitDir: string) {
    this.gitDir = gitDir;
  }

  #start(): Batch {
    if (this.#batch && !this.#batch.failed) return this.#batch;
    const child = spawn("git", ["--git-dir", this.gitDir, "cat-file", "--batch"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const batch: Batch = { child, queue: [], buffer: Buffer.alloc(0) };
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      batch.buffer = batch.buffer.length === 0 ? chunk : Buffer.concat([batch.buffer, chunk]);
      drain(batch);
    });
    const fail = (error: Error) => {
      batch.failed = error;
      for (const p of batch.queue.splice(0)) p.reject(error);
    };
    child.on("error", (e) =>
      fail(new GitError(this.gitDir, `cannot run git cat-file: ${e.message}`, { cause: e })),
    );
    child.on("close", (code) => {
      if (batch.queue.length > 0)
        fail(new GitError(this.gitDir, `git cat-file exited with ${code}: ${stderr.trim()}`));
      if (this.#batch === batch) this.#batch = undefined;
    });
    child.stdin.on("error", () => {});
    this.#batch = batch;
    return batch;
  }

  /** The object `spec` names, or `null` when there is none. */
  read(spec: string): Promise<GitObject | null> {
    if (/[\n\r]/.test(spec)) return Promise.resolve(null);
    const batch = this.#start();
    return new Promise((resolve, reject) => {
      batch.queue.push({ resolve, reject });
      batch.child.stdin.write(`${spec}\n`);
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

  /** Ends the process once it has answered what it was asked; a later lookup starts a new one. */
  close(): void {
    this.#batch?.child.stdin.end();
    this.#batch = undefined;
  }
}
