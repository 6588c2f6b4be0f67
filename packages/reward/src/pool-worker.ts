import { setPriority } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SearchReplaceReward } from "./reward.js";

/** What a scoring worker sends back. */
export interface WorkerReply {
  ready?: true;
  tid?: number;
  id: number;
  result?: SearchReplaceReward;
  error?: string;
  /** The job stopped because the pool asked (see interrupt.ts). */
  interrupted?: true;
}

/** A scoring worker thread and the shared flag that interrupts its job. */
export interface PoolThread {
  worker: Worker;
  /** One Int32 slot shared with the worker: the interrupt value of the job to stop (0: none). */
  flag: Int32Array;
}

/** The worker's entry: the built worker next to this file, or the TypeScript source through tsx. */
export function workerEntry(): { url: URL; execArgv: string[] } {
  const ext = extname(fileURLToPath(import.meta.url));
  if (ext === ".ts") {
    // Running from TypeScript source (tests, `pnpm swerl`): a small ESM bootstrap registers tsx in
    // the worker, then loads the TypeScript worker. tsx is resolved from here, not from the cwd.
    const bootstrap = [
      `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))};`,
      "register();",
      `await import(${JSON.stringify(new URL("./score-worker.ts", import.meta.url).href)});`,
    ].join("\n");
    return {
      url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`),
      execArgv: ["--conditions=@swerl/source"],
    };
  }
  return { url: new URL(`./score-worker${ext === ".cjs" ? ".cjs" : ".js"}`, import.meta.url), execArgv: [] };
}

/** Starts a scoring worker thread (unref'd: an idle pool does not keep the process alive). */
export function startThread(entry: { url: URL; execArgv: string[] }): PoolThread {
  const interrupt = new SharedArrayBuffer(4);
  const worker = new Worker(entry.url, { execArgv: entry.execArgv, workerData: { interrupt } });
  worker.unref();
  return { worker, flag: new Int32Array(interrupt) };
}

/** Lowers a worker thread's CPU priority to the least (Linux: nice is per thread); false when it cannot. */
export function deprioritize(tid: number | undefined): boolean {
  if (tid === undefined) return false;
  try {
    setPriority(tid, 19);
    return true;
  } catch {
    return false;
  }
}
