import { availableParallelism, setPriority } from "node:os";
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
  /**
   * Cancels the requests: queued ones are dropped, running ones stopped (their worker replaced). They are
   * reported as "timeout" when the signal's reason is a `TimeoutError` (a deadline), else as an error "cancelled".
   */
  signal?: AbortSignal;
}

/** The outcome for one request: scored, timed out (reported, never silently zeroed), or failed. */
export type ScoredRequest =
  | { status: "scored"; result: SearchReplaceReward; seconds: number }
  | { status: "timeout"; seconds: number }
  | { status: "error"; error: string; seconds: number };

export interface RewardPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /** Per-response time limit in seconds (default 30); a response over it is reported as "timeout". */
  timeoutSeconds?: number;
  /** @deprecated use `timeoutSeconds`. */
  timeoutMs?: number;
  /**
   * A response still running after this many seconds (default 0.5) is moved off the pool's workers: its
   * thread is given the lowest CPU priority (Linux) and a fresh worker takes its place, so slow responses
   * cannot hold up the others.
   */
  slowAfterSeconds?: number;
  /** Most slow responses running at once (default 2 x workers); beyond it the oldest is timed out. */
  maxSlowWorkers?: number;
  /** Loaded idle workers kept to replace one at once (default: as many as workers). */
  spareWorkers?: number;
}

interface Job {
  id: number;
  request: RewardRequest;
  signal: AbortSignal | undefined;
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
  slowTimer: NodeJS.Timeout | null;
  /** Moved off the pool (running a slow response); terminated when that response ends. */
  slow: boolean;
  /** The worker thread's Linux thread id (for its CPU priority), when it could tell. */
  tid: number | undefined;
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

/** Lowers a worker thread's CPU priority to the least (Linux: nice is per thread); false when it cannot. */
function deprioritize(tid: number | undefined): boolean {
  if (tid === undefined) return false;
  try {
    setPriority(tid, 19);
    return true;
  } catch {
    return false;
  }
}

/**
 * Scores responses on worker threads. A pathological request cannot block the others: one still running
 * after `slowAfterSeconds` leaves the pool (lowest CPU priority, a fresh worker in its place), and each has
 * a time limit, after which its worker is terminated and the request reported as timed out. Requests can
 * be cancelled with a signal: queued ones are dropped, running ones stopped.
 */
export class RewardPool {
  private readonly slots: Slot[] = [];
  /** Workers running a slow response, oldest first. */
  private readonly slowSlots: Slot[] = [];
  /** Loaded idle workers that take the place of one moved off or replaced (loading one takes a while). */
  private readonly spares: Slot[] = [];
  private readonly spareCount: number;
  private readonly queue: Job[] = [];
  private readonly timeoutMs: number;
  private readonly slowAfterMs: number;
  private readonly maxSlow: number;
  private nextId = 0;
  private nextInstance = 0;
  private closed = false;
  private readonly entry = workerEntry();

  constructor(options: RewardPoolOptions = {}) {
    this.timeoutMs =
      options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : (options.timeoutMs ?? 30_000);
    this.slowAfterMs = (options.slowAfterSeconds ?? 0.5) * 1000;
    const count = Math.max(1, options.workers ?? availableParallelism());
    this.maxSlow = options.maxSlowWorkers ?? 2 * count;
    this.spareCount = options.spareWorkers ?? count;
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
    this.topUpSpares();
  }

  private topUpSpares(): void {
    while (!this.closed && this.spares.length < this.spareCount) this.spares.push(this.spawn());
  }

  /** A worker for a slot being replaced: a loaded spare when there is one, else a new one. */
  private fresh(): Slot {
    const index = this.spares.findIndex((s) => s.ready);
    const slot = index >= 0 ? this.spares.splice(index, 1)[0]! : this.spawn();
    this.topUpSpares();
    return slot;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves once every worker (and spare) has loaded, so that the first responses are not slowed by it. */
  async ready(): Promise<void> {
    while (!this.closed && ![...this.slots, ...this.spares].every((s) => s.ready))
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Responses waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Slow responses running off the pool. */
  get slow(): number {
    return this.slowSlots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry.url, { execArgv: this.entry.execArgv });
    const slot: Slot = {
      worker,
      job: null,
      timer: null,
      slowTimer: null,
      slow: false,
      tid: undefined,
      ready: false,
      instances: new Set(),
    };
    worker.on(
      "message",
      (message: { ready?: true; tid?: number; id: number; result?: SearchReplaceReward; error?: string }) => {
        if (message.ready) {
          slot.ready = true;
          slot.tid = message.tid;
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
    if (slot.slowTimer) clearTimeout(slot.slowTimer);
    slot.timer = null;
    slot.slowTimer = null;
    slot.job = null;
    job.resolve(outcome);
    if (slot.slow) {
      // Its thread's priority cannot be raised again: let it go (a fresh worker already took its place).
      this.slowSlots.splice(this.slowSlots.indexOf(slot), 1);
      void slot.worker.terminate();
      return;
    }
    if (replace && !this.closed) {
      void slot.worker.terminate();
      const index = this.slots.indexOf(slot);
      this.slots[index] = this.fresh();
      this.dispatch(this.slots[index]!);
    } else this.dispatch(slot);
  }

  /** Moves a slot whose response is slow off the pool and puts a fresh worker in its place. */
  private demote(slot: Slot): void {
    slot.slowTimer = null;
    if (this.closed || !slot.job || slot.slow) return;
    slot.slow = true;
    deprioritize(slot.tid);
    const index = this.slots.indexOf(slot);
    this.slots[index] = this.fresh();
    this.slowSlots.push(slot);
    if (this.slowSlots.length > this.maxSlow) {
      const oldest = this.slowSlots[0]!;
      this.finish(oldest, oldest.job!, {
        status: "timeout",
        seconds: (Date.now() - oldest.job!.started) / 1000,
      });
    }
    this.dispatch(this.slots[index]!);
  }

  /** Stops a job of an aborted request: dropped from the queue, or its worker stopped. */
  private cancel(job: Job): void {
    const reason = job.signal?.reason as { name?: string } | undefined;
    const seconds = job.started ? (Date.now() - job.started) / 1000 : 0;
    const outcome: ScoredRequest =
      reason?.name === "TimeoutError"
        ? { status: "timeout", seconds }
        : { status: "error", error: "cancelled", seconds };
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.resolve(outcome);
      return;
    }
    const slot = [...this.slots, ...this.slowSlots].find((s) => s.job === job);
    if (slot) this.finish(slot, job, outcome, true);
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
    if (this.slowAfterMs < this.timeoutMs)
      slot.slowTimer = setTimeout(() => this.demote(slot), this.slowAfterMs);
  }

  /** Scores one request. */
  score(request: RewardRequest, options: ScoreAllOptions = {}): Promise<ScoredRequest> {
    return this.enqueue(request, undefined, options.detail ?? "full", options.signal);
  }

  private enqueue(
    request: RewardRequest,
    instance: number | undefined,
    detail: RewardDetail,
    signal: AbortSignal | undefined,
  ): Promise<ScoredRequest> {
    if (this.closed) return Promise.reject(new RewardPoolClosedError());
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, request, signal, instance, detail, resolve, started: 0 };
      if (signal?.aborted) {
        const reason = signal.reason as { name?: string } | undefined;
        resolve(
          reason?.name === "TimeoutError"
            ? { status: "timeout", seconds: 0 }
            : { status: "error", error: "cancelled", seconds: 0 },
        );
        return;
      }
      const onAbort = () => this.cancel(job);
      signal?.addEventListener("abort", onAbort, { once: true });
      job.resolve = (outcome) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      this.queue.push(job);
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
          return this.enqueue(r, uses.get(id)! > 1 ? id : undefined, detail, options.signal).then(
            (outcome) => {
              done++;
              onProgress?.(done, requests.length, outcome);
              return outcome;
            },
          );
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
    for (const slot of [...this.slots, ...this.slowSlots, ...this.spares]) {
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.slowTimer) clearTimeout(slot.slowTimer);
      if (slot.job) slot.job.resolve({ status: "error", error: "reward pool closed", seconds: 0 });
    }
    await Promise.all([...this.slots, ...this.slowSlots, ...this.spares].map((s) => s.worker.terminate()));
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
