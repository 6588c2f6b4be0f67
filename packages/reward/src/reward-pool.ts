import { availableParallelism } from "node:os";
import { SwerlError } from "@swerl/schema";
import { interruptValue } from "./interrupt.js";
import type {
  RewardDetail,
  RewardPoolOptions,
  RewardRequest,
  ScoreAllOptions,
  ScoredRequest,
  WorkerJob,
} from "./pool-types.js";
import { deprioritize, type PoolThread, startThread, type WorkerReply, workerEntry } from "./pool-worker.js";

export type {
  RewardDetail,
  RewardPoolOptions,
  RewardRequest,
  ScoreAllOptions,
  ScoredRequest,
  WorkerJob,
} from "./pool-types.js";

type Lane = "regular" | "slow";

interface Job {
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
  /** Its regular worker was asked to stop it so that it moves to the slow lane. */
  moving: boolean;
  slot: Slot | null;
}

interface Slot {
  lane: Lane;
  thread: PoolThread;
  /** The job it runs for the pool. */
  job: Job | null;
  /** The id of the job its worker is computing: the slot's job, or one given up on until the worker stops. */
  busy: number | null;
  /** When its job started running on it. */
  since: number;
  /** False until the worker has loaded its code; the time limit starts only then. */
  ready: boolean;
  /** The worker thread's Linux thread id (for its CPU priority), when it could tell. */
  tid: number | undefined;
  /** Instances this worker holds, oldest first (it forgets them when told). */
  instances: Set<number>;
  slowTimer: NodeJS.Timeout | null;
  yieldTimer: NodeJS.Timeout | null;
  /** Runs out when an interrupted worker has not stopped: it is then terminated and replaced. */
  graceTimer: NodeJS.Timeout | null;
  /** Terminated; its messages are ignored. */
  dead: boolean;
}

/** Most shared instances one worker keeps at a time. */
const MAX_INSTANCES_PER_WORKER = 64;
/** How long an interrupted worker may take to stop before it is terminated. */
const GRACE_MS = 1500;

/** The pool was used after close(). */
export class RewardPoolClosedError extends SwerlError {
  constructor() {
    super("E_POOL_CLOSED", "the reward pool is closed; create a new RewardPool");
  }
}

const elapsed = (job: Job) => (job.started ? (Date.now() - job.started) / 1000 : 0);

/**
 * Scores responses on worker threads. A pathological request cannot block the others: one still running
 * after `slowAfterSeconds` (or after `yieldAfterSeconds` while others wait) is stopped and moves to the
 * slow lane, a few workers of the lowest CPU priority, started with the pool; each response has a time
 * limit, after which it is stopped and reported as timed out. Workers stop a response cooperatively (the
 * matcher checks a shared flag), so they are reused rather than restarted; one that does not stop in time
 * is terminated and a loaded spare takes its place. Requests can be cancelled with a signal: queued ones
 * are dropped, running ones stopped.
 */
export class RewardPool {
  private readonly slots: Slot[] = [];
  private readonly slowSlots: Slot[] = [];
  /** Loaded idle workers that take the place of a terminated one (loading one takes a while). */
  private readonly spares: Slot[] = [];
  private readonly spareCount: number;
  private readonly queue: Job[] = [];
  private readonly slowQueue: Job[] = [];
  private readonly timeoutMs: number;
  private readonly slowAfterMs: number;
  private readonly yieldAfterMs: number;
  private nextId = 0;
  private nextInstance = 0;
  private started = 0;
  private closed = false;
  private readonly entry = workerEntry();

  constructor(options: RewardPoolOptions = {}) {
    this.timeoutMs =
      options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : (options.timeoutMs ?? 30_000);
    this.slowAfterMs = (options.slowAfterSeconds ?? 0.5) * 1000;
    this.yieldAfterMs = Math.min((options.yieldAfterSeconds ?? 0.05) * 1000, this.slowAfterMs);
    const count = Math.max(1, options.workers ?? availableParallelism());
    const slow = Math.max(1, options.maxSlowWorkers ?? count);
    this.spareCount = options.spareWorkers ?? 1;
    for (let i = 0; i < count; i++) this.slots.push(this.spawn("regular"));
    for (let i = 0; i < slow; i++) this.slowSlots.push(this.spawn("slow"));
    this.topUpSpares();
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves once every worker (and spare) has loaded, so that the first responses are not slowed by it. */
  async ready(): Promise<void> {
    while (!this.closed && !this.allSlots().every((s) => s.ready))
      await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Responses waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Slow responses running in the slow lane or waiting for it. */
  get slow(): number {
    return this.slowQueue.length + this.slowSlots.filter((s) => s.job).length;
  }

  /** Worker threads started so far (the first ones, spares and replacements of terminated ones). */
  get workersStarted(): number {
    return this.started;
  }

  private allSlots(): Slot[] {
    return [...this.slots, ...this.slowSlots, ...this.spares];
  }

  private topUpSpares(): void {
    while (!this.closed && this.spares.length < this.spareCount) this.spares.push(this.spawn("regular"));
  }

  private spawn(lane: Lane): Slot {
    this.started++;
    const thread = startThread(this.entry);
    const slot: Slot = {
      lane,
      thread,
      job: null,
      busy: null,
      since: 0,
      ready: false,
      tid: undefined,
      instances: new Set(),
      slowTimer: null,
      yieldTimer: null,
      graceTimer: null,
      dead: false,
    };
    thread.worker.on("message", (message: WorkerReply) => {
      if (slot.dead) return;
      if (message.ready) {
        slot.ready = true;
        slot.tid = message.tid;
        if (slot.lane === "slow") deprioritize(slot.tid);
        if (slot.job) this.running(slot, slot.job);
        return;
      }
      this.reply(slot, message);
    });
    thread.worker.on("error", (err) => {
      if (slot.dead) return;
      const job = slot.job;
      slot.job = null;
      this.replaceWorker(slot);
      if (job) this.finish(job, { status: "error", error: err.message, seconds: elapsed(job) });
    });
    return slot;
  }

  /** A worker answered (scored, failed, or stopped as asked). */
  private reply(slot: Slot, message: WorkerReply): void {
    if (message.id !== slot.busy) return;
    slot.busy = null;
    this.clearTimers(slot);
    const job = slot.job;
    slot.job = null;
    if (job && job.id === message.id && !job.done) {
      job.slot = null;
      if (message.interrupted) {
        if (job.moving) this.toSlowLane(job);
      } else if (message.error === undefined)
        this.finish(job, { status: "scored", result: message.result!, seconds: elapsed(job) });
      else this.finish(job, { status: "error", error: message.error, seconds: elapsed(job) });
    }
    this.dispatch(slot);
  }

  private clearTimers(slot: Slot): void {
    for (const timer of [slot.slowTimer, slot.yieldTimer, slot.graceTimer]) if (timer) clearTimeout(timer);
    slot.slowTimer = slot.yieldTimer = slot.graceTimer = null;
  }

  private toSlowLane(job: Job): void {
    job.moving = false;
    this.slowQueue.push(job);
    for (const s of this.slowSlots) this.dispatch(s);
  }

  /** Resolves a job once; stops its worker when it is still computing it. */
  private finish(job: Job, outcome: ScoredRequest): void {
    if (job.done) return;
    job.done = true;
    if (job.deadline) clearTimeout(job.deadline);
    for (const queue of [this.queue, this.slowQueue]) {
      const at = queue.indexOf(job);
      if (at >= 0) queue.splice(at, 1);
    }
    const slot = job.slot;
    job.slot = null;
    if (slot && slot.job === job) {
      slot.job = null;
      if (slot.slowTimer) clearTimeout(slot.slowTimer);
      if (slot.yieldTimer) clearTimeout(slot.yieldTimer);
      slot.slowTimer = slot.yieldTimer = null;
      if (slot.busy === job.id) this.interrupt(slot);
    }
    job.resolve(outcome);
  }

  /** Asks a slot's worker to stop what it computes; terminates it when it does not stop in time. */
  private interrupt(slot: Slot): void {
    const id = slot.busy;
    if (id === null || slot.graceTimer) return;
    Atomics.store(slot.thread.flag, 0, interruptValue(id));
    slot.graceTimer = setTimeout(() => {
      slot.graceTimer = null;
      if (slot.busy === id) this.replaceWorker(slot);
    }, GRACE_MS);
  }

  /** Terminates a slot's worker and puts a fresh one (a loaded spare when there is one) in its place. */
  private replaceWorker(slot: Slot): void {
    this.clearTimers(slot);
    slot.dead = true;
    void slot.thread.worker.terminate();
    const job = slot.job;
    slot.job = null;
    if (this.closed) return;
    const lane = slot.lane === "slow" ? this.slowSlots : this.slots;
    const index = this.spares.findIndex((s) => s.ready);
    const fresh = index >= 0 ? this.spares.splice(index, 1)[0]! : this.spawn(slot.lane);
    fresh.lane = slot.lane;
    if (fresh.lane === "slow" && fresh.ready) deprioritize(fresh.tid);
    lane[lane.indexOf(slot)] = fresh;
    this.topUpSpares();
    if (job && !job.done) {
      job.slot = null;
      if (job.moving) this.toSlowLane(job);
      else this.finish(job, { status: "error", error: "reward worker stopped", seconds: elapsed(job) });
    }
    this.dispatch(fresh);
  }

  /** Moves a regular slot's job to the slow lane: its worker stops it, then a slow worker starts it again. */
  private move(slot: Slot): void {
    const job = slot.job;
    if (this.closed || !job || job.moving || job.done || slot.lane !== "regular") return;
    job.moving = true;
    this.interrupt(slot);
  }

  /** While jobs wait, moves long-running ones (over yieldAfter) off the regular workers to make room. */
  private rebalance(): void {
    if (this.closed || this.queue.length === 0) return;
    const now = Date.now();
    const freeing = this.slots.filter((s) => s.busy === null || !s.job || s.job.moving).length;
    let need = this.queue.length - freeing;
    const candidates = this.slots
      .filter((s) => s.ready && s.job && !s.job.moving && now - s.since >= this.yieldAfterMs)
      .sort((x, y) => x.since - y.since);
    for (const slot of candidates) {
      if (need <= 0) break;
      this.move(slot);
      need--;
    }
  }

  // Called when a job starts on a loaded worker, or when a fresh worker reports it has loaded: loading
  // the worker (slow from TypeScript source on a busy machine) is not the response's time.
  private running(slot: Slot, job: Job): void {
    slot.since = Date.now();
    if (!job.started) {
      job.started = slot.since;
      job.deadline = setTimeout(
        () => this.finish(job, { status: "timeout", seconds: this.timeoutMs / 1000 }),
        this.timeoutMs,
      );
    }
    if (slot.lane !== "regular") return;
    if (this.slowAfterMs < this.timeoutMs)
      slot.slowTimer = setTimeout(() => this.move(slot), this.slowAfterMs);
    slot.yieldTimer = setTimeout(() => this.rebalance(), this.yieldAfterMs);
  }

  /** Stops a job of an aborted request: dropped from its queue, or its worker stopped. */
  private cancel(job: Job): void {
    const reason = job.signal?.reason as { name?: string } | undefined;
    const seconds = elapsed(job);
    this.finish(
      job,
      reason?.name === "TimeoutError"
        ? { status: "timeout", seconds }
        : { status: "error", error: "cancelled", seconds },
    );
  }

  /** Gives an idle slot the next job of its lane. */
  private dispatch(slot: Slot): void {
    if (slot.busy !== null || slot.dead || this.closed) return;
    const job = (slot.lane === "regular" ? this.queue : this.slowQueue).shift();
    if (!job) {
      slot.thread.worker.unref();
      return;
    }
    slot.job = job;
    slot.busy = job.id;
    job.slot = slot;
    slot.thread.worker.ref();
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
    slot.thread.worker.postMessage(message);
    if (slot.ready) this.running(slot, job);
  }

  /** Tells the workers holding these instances to drop them. */
  private forget(instances: readonly number[]): void {
    for (const slot of [...this.slots, ...this.slowSlots]) {
      const held = instances.filter((id) => slot.instances.delete(id));
      if (held.length) slot.thread.worker.postMessage({ forget: held });
    }
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
      const job: Job = {
        id: this.nextId++,
        request,
        signal,
        instance,
        detail,
        resolve,
        started: 0,
        deadline: null,
        done: false,
        moving: false,
        slot: null,
      };
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
      const idle = this.slots.find((s) => s.busy === null && !s.dead);
      if (idle) this.dispatch(idle);
      else this.rebalance();
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
    const jobs = [...this.queue, ...this.slowQueue, ...this.allSlots().map((s) => s.job)];
    this.closed = true;
    for (const job of jobs)
      if (job) this.finish(job, { status: "error", error: "reward pool closed", seconds: 0 });
    for (const slot of this.allSlots()) this.clearTimers(slot);
    await Promise.all(this.allSlots().map((s) => s.thread.worker.terminate()));
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
