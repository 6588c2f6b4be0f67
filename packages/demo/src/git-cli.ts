import { execFile } from "node:child_process";
import { SwerlError } from "@swerl/schema";

/** A git command of the demo-world builder failed. */
export class DemoGitError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_DEMO_GIT", message, options);
  }
}

/** Who made a commit, and when (ISO-8601, UTC). */
export interface CommitStamp {
  name: string;
  email: string;
  date: string;
}

/**
 * An environment that makes git output depend only on its inputs: no user or system config, no
 * signing, fixed identity and dates. Commit ids are then identical across runs and machines.
 */
function isolatedEnvironment(stamp?: CommitStamp): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: "C",
    LC_ALL: "C",
    TZ: "UTC",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
  if (stamp) {
    env.GIT_AUTHOR_NAME = stamp.name;
    env.GIT_AUTHOR_EMAIL = stamp.email;
    env.GIT_AUTHOR_DATE = stamp.date;
    env.GIT_COMMITTER_NAME = stamp.name;
    env.GIT_COMMITTER_EMAIL = stamp.email;
    env.GIT_COMMITTER_DATE = stamp.date;
  }
  return env;
}

/** Runs git in `cwd` with an isolated environment; rejects with the command and git's stderr. */
export function git(cwd: string, args: readonly string[], stamp?: CommitStamp): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", "-c", "core.quotepath=false", ...args],
      { cwd, env: isolatedEnvironment(stamp), maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new DemoGitError(`git ${args.join(" ")} failed in ${cwd}: ${stderr.trim() || error.message}`, {
              cause: error,
            }),
          );
        } else resolve(stdout);
      },
    );
  });
}
