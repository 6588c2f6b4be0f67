import { setPriority } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FLAG_SLOTS } from "./interrupt.js";
import type { RewardDetail, RewardRequest, ScoredRequest, WorkerJob } from "./pool-types.js";
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
  /** It stopped on its own: it used its yield budget while responses waited. */
  yielded?: true;
}

/** A scoring worker thread and the shared flag that interrupts its job. */
export interface PoolThread {
  worker: Worker;
  /** Shared with the worker: the interrupt value of the job to stop (0: none) and its yield budget. */
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

/**
 * Starts a scoring worker thread (unref'd: an idle pool does not keep the process alive); `waiting` is
 * the pool's shared count of responses waiting for a regular worker.
 */
export function startThread(entry: { url: URL; execArgv: string[] }, waiting: Int32Array): PoolThread {
  const interrupt = new SharedArrayBuffer(4 * FLAG_SLOTS);
  const worker = new Worker(entry.url, {
    execArgv: entry.execArgv,
    workerData: { interrupt, waiting: waiting.buffer },
  });
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

export type Lane = "regular" | "slow";

export interface Job {
  id: number;
  request: RewardRequest;
  signal: AbortSignal | undefined;
  /** Requests of one scoreAll call that share an instance share this id (see scoreAll). */
  instance: number | undefined;
  detail: RewardDetail;
  resolve: (outcome: ScoredRequest) => void;
  /** When it first started on a loaded worker (0: not yet); its time limit counts from then. */
  started: number;
  deadline: NodeJS.Timeout | null;
  done: boolean;
  /** Its worker was asked to stop it so that it (re)starts in the slow lane. */
  moving: boolean;
  /** Times it was stopped in the slow lane to let a job that had run less go first. */
  preempted: number;
  slot: Slot | null;
}

export interface Slot {
  lane: Lane;
  thread: PoolThread;
  /** The job it runs for the pool. */
  job: Job | null;
  /** The id of the job its worker is computing: the slot's job, or one given up on until the worker stops. */
  busy: number | null;
  /** When its job started running on it, and its thread's CPU time then (ms; undefined: unknown). */
  since: number;
  cpuAtStart: number | undefined;
  /** False until the worker has loaded its code; the time limit starts only then. */
  ready: boolean;
  /** The worker thread's Linux thread id (for its CPU priority), when it could tell. */
  tid: number | undefined;
  /** Instances this worker holds, oldest first (it forgets them when told). */
  instances: Set<number>;
  /** Checks a regular job's run time against yieldAfter and slowAfter. */
  checkTimer: NodeJS.Timeout | null;
  /** Runs out when an interrupted worker has not stopped: it is then terminated and replaced. */
  graceTimer: NodeJS.Timeout | null;
  /** Terminated; its messages are ignored. */
  dead: boolean;
}

/** Most shared instances one worker keeps at a time. */
const MAX_INSTANCES_PER_WORKER = 64;

/** The message that sends a job to a worker holding `instances` (updated: most recently used last). */
export function jobMessage(instances: Set<number>, job: Job): WorkerJob {
  const message: WorkerJob = { id: job.id, output: job.request.output, detail: job.detail };
  if (job.instance === undefined) {
    message.codeContext = job.request.codeContext;
    message.oracleNewContent = job.request.oracleNewContent;
  } else {
    message.instance = job.instance;
    if (instances.has(job.instance)) {
      // Most recently used last.
      instances.delete(job.instance);
      instances.add(job.instance);
    } else {
      message.codeContext = job.request.codeContext;
      message.oracleNewContent = job.request.oracleNewContent;
      instances.add(job.instance);
      if (instances.size > MAX_INSTANCES_PER_WORKER) {
        const oldest = instances.values().next().value!;
        instances.delete(oldest);
        message.forget = [oldest];
      }
    }
  }
  return message;
}

/** How long an interrupted worker may take to stop before it is terminated. */
export const GRACE_MS = 1500;

/** Seconds since a job first started on a worker (0 before). */
export const elapsed = (job: Job): number => (job.started ? (Date.now() - job.started) / 1000 : 0);

/** The outcome of a request whose signal aborted: timed out for a deadline (a `TimeoutError`), else cancelled. */
export function abortedOutcome(signal: AbortSignal | undefined, seconds: number): ScoredRequest {
  const reason = signal?.reason as { name?: string } | undefined;
  return reason?.name === "TimeoutError"
    ? { status: "timeout", seconds }
    : { status: "error", error: "cancelled", seconds };
}
