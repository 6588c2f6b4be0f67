import { spawn } from "node:child_process";
import type { RunResult } from "./executor.js";

export interface GroupRunOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  stdin?: string;
  /** Time between SIGTERM and SIGKILL when the limit passes. */
  killGraceMs?: number;
}

/** Whether process `pid` still runs (the owner of a work directory or container of an earlier run). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Runs `bash -c command` as the leader of a new process group, collecting stdout and stderr into one
 * log. On timeout the whole group gets SIGTERM, then SIGKILL; when the leader exits, stragglers it left
 * in the group are killed so that nothing outlives the run.
 */
export function runInProcessGroup(options: GroupRunOptions): Promise<RunResult> {
  const started = performance.now();
  const grace = options.killGraceMs ?? 2_000;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", options.command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.stdin !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined); // the command may exit without reading it all
      child.stdin.end(options.stdin);
    }
    const chunks: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const limitTimer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        signalGroup(child.pid, "SIGTERM");
        killTimer = setTimeout(() => {
          if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
        }, grace);
      }
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(limitTimer);
      if (killTimer) clearTimeout(killTimer);
      reject(error);
    });
    child.on("exit", () => {
      // background children still holding the pipes would keep 'close' from firing
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(limitTimer);
      if (killTimer) clearTimeout(killTimer);
      resolve({
        exitCode,
        signal,
        timedOut,
        durationMs: performance.now() - started,
        log: Buffer.concat(chunks).toString("utf8"),
      });
    });
  });
}
