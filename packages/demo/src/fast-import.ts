import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { DemoGitError } from "./git-cli.js";

/** Who made a commit, and when (seconds since the epoch, UTC). */
export interface Signature {
  login: string;
  seconds: number;
}

/**
 * A `git fast-import` stream under construction: commits, merges and refs of one repository, written
 * by one git process instead of hundreds of checkouts and commits. Marks stand for commits until the
 * import assigns their ids. The result is the same history `git commit`/`git merge --no-ff` would make
 * (same trees, parents, signatures, messages, hence the same ids).
 */
export class FastImportStream {
  readonly #parts: string[] = [];
  #lastMark = 0;

  static #data(text: string): string {
    return `data ${Buffer.byteLength(text)}\n${text}\n`;
  }

  static #signature(kind: "author" | "committer", who: Signature): string {
    return `${kind} ${who.login} <${who.login}@users.noreply.github.com> ${who.seconds} +0000\n`;
  }

  /**
   * A commit on `ref` whose tree is `from`'s tree plus `changes` (path -> contents, `null` deletes).
   * With `merge`, the commit gets that second parent (the caller lists the merged changes).
   */
  commit(options: {
    ref: string;
    who: Signature;
    message: string;
    from?: number;
    merge?: number;
    changes: Record<string, string | null>;
  }): number {
    const mark = ++this.#lastMark;
    let text = `commit ${options.ref}\nmark :${mark}\n`;
    text += FastImportStream.#signature("author", options.who);
    text += FastImportStream.#signature("committer", options.who);
    text += FastImportStream.#data(options.message.endsWith("\n") ? options.message : `${options.message}\n`);
    if (options.from !== undefined) text += `from :${options.from}\n`;
    if (options.merge !== undefined) text += `merge :${options.merge}\n`;
    for (const file of Object.keys(options.changes).sort()) {
      const contents = options.changes[file];
      text +=
        contents === null || contents === undefined
          ? `D ${file}\n`
          : `M 100644 inline ${file}\n${FastImportStream.#data(contents)}`;
    }
    this.#parts.push(`${text}\n`);
    return mark;
  }

  /** Points `ref` at a marked commit. */
  reset(ref: string, mark: number): void {
    this.#parts.push(`reset ${ref}\nfrom :${mark}\n\n`);
  }

  /** Runs `git fast-import` into the bare repository `gitDir`; returns mark -> commit id. */
  async run(gitDir: string): Promise<Map<number, string>> {
    const marksFile = path.join(gitDir, "swerl-demo-marks");
    const stderr: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        "git",
        ["--git-dir", gitDir, "fast-import", "--quiet", "--done", `--export-marks=${marksFile}`],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            LANG: "C",
            LC_ALL: "C",
            GIT_CONFIG_NOSYSTEM: "1",
            GIT_CONFIG_GLOBAL: "/dev/null",
          },
          stdio: ["pipe", "ignore", "pipe"],
        },
      );
      child.on("error", reject);
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("close", resolve);
      child.stdin.end(`${this.#parts.join("")}done\n`);
    });
    if (code !== 0) {
      throw new DemoGitError(
        `git fast-import into ${gitDir} failed (exit ${code}): ${Buffer.concat(stderr).toString().trim()}`,
      );
    }
    const marks = new Map<number, string>();
    for (const line of (await readFile(marksFile, "utf8")).split("\n")) {
      const match = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
      if (match) marks.set(Number(match[1]), match[2] as string);
    }
    await rm(marksFile, { force: true });
    return marks;
  }
}
