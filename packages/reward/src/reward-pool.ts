import { availableParallelism } from "node:os";
import { InstanceIds } from "./instance-ids.js";
import { INTERRUPT_SLOT, interruptValue, YIELD_BUDGET_SLOT } from "./interrupt.js";
import {
  type RewardDetail,
  RewardPoolClosedError,
  type RewardPoolOptions,
  type RewardRequest,
  type ScoreAllOptions,
  type ScoredRequest,
} from "./pool-types.js";
import {
  abortedOutcome,
  deprioritize,
  elapsed,
  GRACE_MS,
  type Job,
  jobMessage,
  type Lane,
  type Slot,
  startThread,
  type WorkerReply,
  workerEntry,
} from "./pool-worker.js";
import { threadCpuMs } from "./thread-cpu.js";

export type {
  RewardDetail,
  RewardPoolOptions,
  RewardRequest,
  ScoreAllOptions,
  ScoredRequest,
  WorkerJob,
} from "./pool-types.js";
export { RewardPoolClosedError } from "./pool-types.js";

/**
 * Scores responses on worker threads. A pathological request cannot block the others: one still running
 * after `slowAfterSeconds` (or `yieldAfterSeconds` while others wait) is stopped and restarts in the slow
 * lane (workers of the lowest CPU priority, started with the pool, time-sliced so that the least slow go
 * first); past its time limit it is stopped and reported as timed out. Workers stop a response themselves
 * (the matcher checks a shared flag) and are reused; one that does not stop in time is replaced by a spare.
 * Requests can be cancelled with a signal: queued ones are dropped, running ones stopped.
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
  private readonly newInstance = () => this.nextInstance++;
  /** Ids of instances kept past their call (`keepInstances`). */
  private readonly keptInstances = new InstanceIds(this.newInstance);
  private started = 0;
  private sent = 0;
  private instancesCopied = 0;
  private closed = false;
  private readonly entry = workerEntry();
  /** Shared with the workers: how many responses wait for a regular worker (they yield while any do). */
  private readonly waiting = new Int32Array(new SharedArrayBuffer(4));

  constructor(options: RewardPoolOptions = {}) {
    this.timeoutMs =
      options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : (options.timeoutMs ?? 30_000);
    this.slowAfterMs = (options.slowAfterSeconds ?? 0.5) * 1000;
    this.yieldAfterMs = Math.min((options.yieldAfterSeconds ?? 0.01) * 1000, this.slowAfterMs);
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

  /** Responses sent to a worker so far (a response moved to the slow lane counts again). */
  get jobsSent(): number {
    return this.sent;
  }

  /** Times a request's instance (its code context and oracle) was copied to a worker so far. */
  get instancesSent(): number {
    return this.instancesCopied;
  }

  /** The Linux thread ids of the live workers, all lanes and spares (where known), for CPU accounting. */
  get threadIds(): number[] {
    return this.allSlots().flatMap((s) => (s.tid === undefined ? [] : [s.tid]));
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
    const thread = startThread(this.entry, this.waiting);
    const slot: Slot = {
      lane,
      thread,
      job: null,
      busy: null,
      since: 0,
      cpuAtStart: undefined,
      ready: false,
      tid: undefined,
      instances: new Set(),
      checkTimer: null,
      graceTimer: null,
      dead: false,
    };
    this.setLane(slot, lane);
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

  /** Puts a slot in a lane: regular workers yield after yieldAfter, slow ones are preempted by the pool. */
  private setLane(slot: Slot, lane: Lane): void {
    slot.lane = lane;
    Atomics.store(
      slot.thread.flag,
      YIELD_BUDGET_SLOT,
      lane === "regular" ? Math.round(this.yieldAfterMs * 1000) : 0,
    );
  }

  /** Tells the workers how many responses wait for a regular worker. */
  private syncWaiting(): void {
    Atomics.store(this.waiting, 0, this.queue.length);
  }

  /** A worker answered (scored, failed, or stopped as asked or on its own). */
  private reply(slot: Slot, message: WorkerReply): void {
    if (message.id !== slot.busy) return;
    slot.busy = null;
    this.clearTimers(slot);
    const job = slot.job;
    slot.job = null;
    if (job && job.id === message.id && !job.done) {
      job.slot = null;
      if (message.interrupted) {
        if (job.moving || message.yielded) this.toSlowLane(job);
      } else if (message.error === undefined)
        this.finish(job, { status: "scored", result: message.result!, seconds: elapsed(job) });
      else this.finish(job, { status: "error", error: message.error, seconds: elapsed(job) });
    }
    this.dispatch(slot);
  }

  private clearTimers(slot: Slot): void {
    if (slot.checkTimer) clearTimeout(slot.checkTimer);
    if (slot.graceTimer) clearTimeout(slot.graceTimer);
    slot.checkTimer = slot.graceTimer = null;
  }

  /** Queues a job in the slow lane, those stopped there fewer times first; may stop a long runner there. */
  private toSlowLane(job: Job): void {
    job.moving = false;
    const at = this.slowQueue.findIndex((j) => j.preempted > job.preempted);
    this.slowQueue.splice(at < 0 ? this.slowQueue.length : at, 0, job);
    for (const s of this.slowSlots) this.dispatch(s);
    this.preemptSlow();
  }

  /**
   * The slow lane's time slice at a level (times stopped there): 4, 16, 64... times yieldAfter, so that a
   * response that was only a little slow soon gets a slow worker while pathological ones sink.
   */
  private sliceMs(level: number): number {
    return this.yieldAfterMs * 4 ** (level + 1);
  }

  /** Stops slow-lane jobs that used up their slice while a job of their level or lower waits. */
  private preemptSlow(): void {
    const first = this.slowQueue[0];
    if (this.closed || !first) return;
    const freeing = this.slowSlots.filter((s) => s.busy === null || !s.job || s.job.moving).length;
    let need = this.slowQueue.length - freeing;
    const candidates = this.slowSlots
      .filter((s) => s.ready && s.job && !s.job.moving && s.job.preempted >= first.preempted)
      .map((slot) => ({ slot, level: slot.job!.preempted, ran: this.ranMs(slot) }))
      .filter((c) => c.ran >= this.sliceMs(c.level))
      .sort((x, y) => y.level - x.level || y.ran - x.ran);
    for (const { slot } of candidates) {
      if (need-- <= 0) break;
      this.move(slot);
    }
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
    this.syncWaiting();
    const slot = job.slot;
    job.slot = null;
    if (slot && slot.job === job) {
      slot.job = null;
      if (slot.checkTimer) clearTimeout(slot.checkTimer);
      slot.checkTimer = null;
      if (slot.busy === job.id) this.interrupt(slot);
    }
    job.resolve(outcome);
  }

  /** Asks a slot's worker to stop what it computes; terminates it when it does not stop in time. */
  private interrupt(slot: Slot): void {
    const id = slot.busy;
    if (id === null || slot.graceTimer) return;
    Atomics.store(slot.thread.flag, INTERRUPT_SLOT, interruptValue(id));
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
    this.setLane(fresh, slot.lane);
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
    if (this.closed || !job || job.moving || job.done) return;
    job.moving = true;
    if (slot.lane === "slow") job.preempted++;
    this.interrupt(slot);
  }

  /**
   * How long a slot's job has run: its thread's CPU time where Linux tells it (a busy machine does not
   * make a typical response look slow), else the wall time.
   */
  private ranMs(slot: Slot): number {
    const wall = Date.now() - slot.since;
    if (slot.cpuAtStart === undefined) return wall;
    const cpu = threadCpuMs(slot.tid);
    return cpu === undefined ? wall : Math.min(wall, cpu - slot.cpuAtStart);
  }

  /** While jobs wait, moves long-running ones (over yieldAfter) off the regular workers to make room. */
  private rebalance(): void {
    if (this.closed || this.queue.length === 0) return;
    const freeing = this.slots.filter((s) => s.busy === null || !s.job || s.job.moving).length;
    let need = this.queue.length - freeing;
    if (need <= 0) return;
    const now = Date.now();
    const candidates = this.slots
      .filter((s) => s.ready && s.job && !s.job.moving && now - s.since >= this.yieldAfterMs)
      .map((slot) => ({ slot, ran: this.ranMs(slot) }))
      .filter((c) => c.ran >= this.yieldAfterMs)
      .sort((x, y) => y.ran - x.ran);
    for (const { slot } of candidates) {
      if (need <= 0) break;
      this.move(slot);
      need--;
    }
  }

  /** A regular job's run-time check: moves it at slowAfter, lets it yield from yieldAfter on. */
  private check(slot: Slot): void {
    slot.checkTimer = null;
    const job = slot.job;
    if (this.closed || !job || job.moving) return;
    const ran = this.ranMs(slot);
    if (slot.lane === "slow") {
      this.preemptSlow();
      if (slot.job === job && !job.moving)
        slot.checkTimer = setTimeout(() => this.check(slot), Math.max(5, this.sliceMs(0) / 2));
      return;
    }
    if (ran >= this.slowAfterMs && this.slowAfterMs < this.timeoutMs) {
      this.move(slot);
      return;
    }
    if (ran >= this.yieldAfterMs) this.rebalance();
    if (slot.job !== job || job.moving) return;
    const next = ran < this.yieldAfterMs ? this.yieldAfterMs : this.slowAfterMs;
    if (next < this.timeoutMs) slot.checkTimer = setTimeout(() => this.check(slot), Math.max(5, next - ran));
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
    slot.cpuAtStart = threadCpuMs(slot.tid);
    const first = slot.lane === "regular" ? this.yieldAfterMs : this.sliceMs(0);
    slot.checkTimer = setTimeout(() => this.check(slot), first);
  }

  /** Stops a job of an aborted request: dropped from its queue, or its worker stopped. */
  private cancel(job: Job): void {
    this.finish(job, abortedOutcome(job.signal, elapsed(job)));
  }

  /** Gives an idle slot the next job of its lane. */
  private dispatch(slot: Slot): void {
    if (slot.busy !== null || slot.dead || this.closed) return;
    const job = (slot.lane === "regular" ? this.queue : this.slowQueue).shift();
    if (slot.lane === "regular") this.syncWaiting();
    if (!job) {
      slot.thread.worker.unref();
      return;
    }
    slot.job = job;
    slot.busy = job.id;
    job.slot = slot;
    slot.thread.worker.ref();
    const message = jobMessage(slot.instances, job);
    slot.thread.worker.postMessage(message);
    this.sent++;
    if (message.codeContext) this.instancesCopied++;
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
        preempted: 0,
        slot: null,
      };
      if (signal?.aborted) {
        resolve(abortedOutcome(signal, 0));
        return;
      }
      const onAbort = () => this.cancel(job);
      signal?.addEventListener("abort", onAbort, { once: true });
      job.resolve = (outcome) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      this.queue.push(job);
      this.syncWaiting();
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
    const keep = options.keepInstances === true;
    const { ids: instanceOf, uses } = (keep ? this.keptInstances : new InstanceIds(this.newInstance)).of(
      requests,
    );
    let done = 0;
    try {
      return await Promise.all(
        requests.map((r, i) => {
          // An instance used once in a call that does not keep it gains nothing from being sent apart.
          const id = instanceOf[i]!;
          return this.enqueue(r, keep || uses.get(id)! > 1 ? id : undefined, detail, options.signal).then(
            (outcome) => {
              done++;
              onProgress?.(done, requests.length, outcome);
              return outcome;
            },
          );
        }),
      );
    } finally {
      if (!this.closed && !keep) this.forget([...uses.keys()]);
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
