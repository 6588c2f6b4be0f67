import { execFileSync } from "node:child_process";

/** Runs git in `cwd` as a fixed test author; returns its trimmed output. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
