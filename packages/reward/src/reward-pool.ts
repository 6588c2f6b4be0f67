import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SwerlError } from "@swerl/schema";
import type { SearchReplaceReward } from "./reward.js";

/** One response to score, with the instance it answers. */
export interface RewardRequest {
  codeContext: Record<string, string>;
  oracleNewContent: Record<string, string>;
  output: string;
}

/**
 * How much of the result to send back: everything (`"full"`, the default) or only `reward` and
 * `error` (`"reward"`: what an RL engine needs; skips cloning the predicted contents and patches).
 */
export type RewardDetail = "full" | "reward";

export interface ScoreAllOptions {
  detail?: RewardDetail;
}

/** The outcome for one request: scored, timed out (reported, never silently zeroed), or failed. */
export type ScoredRequest =
  | { status: "scored"; result: SearchReplaceReward; seconds: number }
  | { status: "timeout"; seconds: number }
  | { status: "error"; error: string; seconds: number };

export interface RewardPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /** Per-request time limit; a request over it is reported as "timeout" and its worker replaced. */
  timeoutMs?: number;
}

interface Job {
  id: number;
  request: RewardRequest;
  /** Requests of one scoreAll call that share an instance share this id (see scoreAll). */
  instance: number | undefined;
  detail: RewardDetail;
  resolve: (outcome: ScoredRequest) => void;
  started: number;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  /** False until the worker has loaded its code; the time limit starts only then. */
  ready: boolean;
  /** Instances this worker holds, oldest first (it forgets them when told). */
  instances: Set<number>;
}

/** The message a worker receives: a response, with its instance unless the worker already holds it. */
export interface WorkerJob {
  id: number;
  output: string;
  detail: RewardDetail;
  /** The shared instance's id, when it has one. */
  instance?: number;
  codeContext?: Record<string, string>;
  oracleNewContent?: Record<string, string>;
  /** Instances the worker may drop. */
  forget?: number[];
}

/** Most shared instances one worker keeps at a time. */
const MAX_INSTANCES_PER_WORKER = 64;

function workerEntry(): { url: URL; execArgv: string[] } {
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

/** The pool was used after close(). */
export class RewardPoolClosedError extends SwerlError {
  constructor() {
    super("E_POOL_CLOSED", "the reward pool is closed; create a new RewardPool");
  }
}

/**
 * Scores responses on worker threads. A pathological request cannot block the others: each has a time
 * limit, after which its worker is terminated and replaced and the request reported as timed out.
 */
export class RewardPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly timeoutMs: number;
  private nextId = 0;
  private nextInstance = 0;
  private closed = false;
  private readonly entry = workerEntry();

  constructor(options: RewardPoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const count = Math.max(1, options.workers ?? availableParallelism());
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry.url, { execArgv: this.entry.execArgv });
    const slot: Slot = { worker, job: null, timer: null, ready: false, instances: new Set() };
    worker.on(
      "message",
      (message: { ready?: true; id: number; result?: SearchReplaceReward; error?: string }) => {
        if (message.ready) {
          slot.ready = true;
          if (slot.job) this.startTimer(slot, slot.job);
          return;
        }
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        this.finish(
          slot,
          job,
          message.error === undefined
            ? { status: "scored", result: message.result!, seconds: (Date.now() - job.started) / 1000 }
            : { status: "error", error: message.error, seconds: (Date.now() - job.started) / 1000 },
        );
      },
    );
    worker.on("error", (err) => {
      const job = slot.job;
      if (job)
        this.finish(
          slot,
          job,
          { status: "error", error: err.message, seconds: (Date.now() - job.started) / 1000 },
          true,
        );
    });
    worker.unref();
    return slot;
  }

  private finish(slot: Slot, job: Job, outcome: ScoredRequest, replace = false): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    job.resolve(outcome);
    if (replace && !this.closed) {
      void slot.worker.terminate();
      const index = this.slots.indexOf(slot);
      this.slots[index] = this.spawn();
      this.dispatch(this.slots[index]!);
    } else this.dispatch(slot);
  }

  private dispatch(slot: Slot): void {
    if (slot.job || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    slot.job = job;
    job.started = Date.now();
    slot.worker.ref();
    if (slot.ready) this.startTimer(slot, job);
    const message: WorkerJob = { id: job.id, output: job.request.output, detail: job.detail };
    if (job.instance === undefined) {
      message.codeContext = job.request.codeContext;
      message.oracleNewContent = job.request.oracleNewContent;
    } else {
      message.instance = job.instance;
      if (slot.instances.has(job.instance)) {
        // Most recently used last.
        slot.instances.delete(job.instance);
        slot.instances.add(job.instance);
      } else {
        message.codeContext = job.request.codeContext;
        message.oracleNewContent = job.request.oracleNewContent;
        slot.instances.add(job.instance);
        if (slot.instances.size > MAX_INSTANCES_PER_WORKER) {
          const oldest = slot.instances.values().next().value!;
          slot.instances.delete(oldest);
          message.forget = [oldest];
        }
      }
    }
    slot.worker.postMessage(message);
  }

  /** Tells the workers holding these instances to drop them. */
  private forget(instances: readonly number[]): void {
    for (const slot of this.slots) {
      const held = instances.filter((id) => slot.instances.delete(id));
      if (held.length) slot.worker.postMessage({ forget: held });
    }
  }

  // Started when the job is sent to a loaded worker, or when a fresh worker reports it has loaded:
  // loading the worker (slow from TypeScript source on a busy machine) is not the response's time.
  private startTimer(slot: Slot, job: Job): void {
    job.started = Date.now();
    slot.timer = setTimeout(() => {
      this.finish(slot, job, { status: "timeout", seconds: this.timeoutMs / 1000 }, true);
    }, this.timeoutMs);
  }

  /** Scores one request. */
  score(request: RewardRequest, options: ScoreAllOptions = {}): Promise<ScoredRequest> {
    return this.enqueue(request, undefined, options.detail ?? "full");
  }

  private enqueue(
    request: RewardRequest,
    instance: number | undefined,
    detail: RewardDetail,
  ): Promise<ScoredRequest> {
    if (this.closed) return Promise.reject(new RewardPoolClosedError());
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, request, instance, detail, resolve, started: 0 });
      const idle = this.slots.find((s) => !s.job);
      if (idle) this.dispatch(idle);
    }).then((outcome) => {
      if (this.slots.every((s) => !s.job) && this.queue.length === 0)
        for (const s of this.slots) s.worker.unref();
      return outcome as ScoredRequest;
    });
  }

  /**
   * Scores many requests in parallel; results keep the input order. Requests that share their
   * `codeContext` and `oracleNewContent` objects (the G samples of one prompt) are one instance: it
   * is sent to each worker once, which derives the oracle's patch once. Don't mutate the requests'
   * objects while they are being scored.
   */
  async scoreAll(
    requests: readonly RewardRequest[],
    onProgress?: (done: number, total: number, last: ScoredRequest) => void,
    options: ScoreAllOptions = {},
  ): Promise<ScoredRequest[]> {
    const detail = options.detail ?? "full";
    const ids = new Map<object, Map<object, number>>();
    const uses = new Map<number, number>();
    const instanceOf = requests.map((r) => {
      let byOracle = ids.get(r.codeContext);
      if (!byOracle) {
        byOracle = new Map();
        ids.set(r.codeContext, byOracle);
      }
      let id = byOracle.get(r.oracleNewContent);
      if (id === undefined) {
        id = this.nextInstance++;
        byOracle.set(r.oracleNewContent, id);
      }
      uses.set(id, (uses.get(id) ?? 0) + 1);
      return id;
    });
    let done = 0;
    try {
      return await Promise.all(
        requests.map((r, i) => {
          // An instance used once gains nothing from being kept.
          const id = instanceOf[i]!;
          return this.enqueue(r, uses.get(id)! > 1 ? id : undefined, detail).then((outcome) => {
            done++;
            onProgress?.(done, requests.length, outcome);
            return outcome;
          });
        }),
      );
    } finally {
      if (!this.closed) this.forget([...uses.keys()]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.resolve({ status: "error", error: "reward pool closed", seconds: 0 });
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Scores a batch on a temporary pool (see {@link RewardPool} for the time limit and reporting). */
export async function scoreBatch(
  requests: readonly RewardRequest[],
  options: RewardPoolOptions & {
    onProgress?: (done: number, total: number, last: ScoredRequest) => void;
  } = {},
): Promise<ScoredRequest[]> {
  const pool = new RewardPool({
    ...options,
    workers: Math.min(options.workers ?? availableParallelism(), Math.max(1, requests.length)),
  });
  try {
    return await pool.scoreAll(requests, options.onProgress);
  } finally {
    await pool.close();
  }
}
