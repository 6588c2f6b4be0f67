import { execFile } from "node:child_process";
import { appendFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ExecutorError } from "./errors.js";

const execFileAsync = promisify(execFile);

/** git with no user or system configuration (no hooks, no credential helpers, no aliases). */
export async function git(args: string[], context: string, cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", ["-c", "core.hooksPath=/dev/null", ...args], {
      maxBuffer: 256 * 1024 * 1024,
      ...(cwd ? { cwd } : {}),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_TERMINAL_PROMPT: "0",
      },
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new ExecutorError(`${context}: git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`, {
      cause: error,
    });
  }
}

/**
 * Makes `dir` a fresh repository holding `commit` and its ancestors only, checked out detached: fetched
 * by id from the bare `mirror`, so it has no branches, tags, remote or remote refs, no reflog and no
 * FETCH_HEAD. Nothing of the mirror's later history (the fix an instance asks for) is reachable.
 */
export async function answerKeyFreeCheckout(mirror: string, commit: string, dir: string): Promise<void> {
  const context = `checking out ${commit} from ${mirror}`;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // no reflog is ever written (core.logAllRefUpdates=false), so nothing is left to expire
  await git(["init", "-q", dir], context);
  await appendFile(path.join(dir, ".git", "config"), "[core]\n\tlogAllRefUpdates = false\n");
  try {
    // --update-shallow: trimmed mirrors (shallow roots) are accepted too
    await git(
      ["-C", dir, "fetch", "-q", "--no-tags", "--no-write-fetch-head", "--update-shallow", mirror, commit],
      context,
    );
  } catch (error) {
    const known = await git(
      ["--git-dir", mirror, "rev-parse", "--verify", "--quiet", `${commit}^{commit}`],
      context,
    ).then(
      () => true,
      () => false,
    );
    if (!known) throw new ExecutorError(`${context}: commit ${commit} is not in ${mirror}`, { cause: error });
    throw error;
  }
  await git(["-C", dir, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", commit], context);
  // git init leaves an unborn default branch: nothing else but HEAD names a commit
}

/** Names every commit reachable from any ref, the reflog or FETCH_HEAD of `dir` (for tests and audits). */
export async function reachableCommits(dir: string): Promise<string[]> {
  const out = await git(["-C", dir, "rev-list", "--all", "--reflog"], `listing commits of ${dir}`);
  return out.split("\n").filter(Boolean);
}
