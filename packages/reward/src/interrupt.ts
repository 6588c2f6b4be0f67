import { SwerlError } from "@swerl/schema";
import { ownThreadCpuClock } from "./thread-cpu.js";

/**
 * Cooperative interruption of a scoring run on a worker thread. The pool writes the id of the job to
 * stop into a shared Int32Array, and the matcher's long loops look at it now and then and throw. A
 * worker that stops this way stays usable: no thread has to be terminated and started again (which costs
 * far more CPU than scoring a typical response). A regular worker also yields on its own: once its job
 * has used its yield budget of CPU time while responses wait for a worker (a count the pool shares), it
 * stops the job, which the pool restarts in the slow lane. The worker measures its own CPU time, so it
 * yields at the budget, not when the pool's timers, late on a busy main thread, get round to it.
 * Outside a worker (no flag installed) a check costs one comparison.
 */

/** Scoring stopped because the pool asked (the job moved to the slow lane, timed out or was cancelled). */
export class ScoringInterruptedError extends SwerlError {
  constructor(
    readonly job: number,
    /** The worker stopped it itself: it used its yield budget while others waited. */
    readonly yielded = false,
  ) {
    super(
      "E_INTERRUPTED",
      yielded
        ? `scoring of job ${job} yielded its worker to waiting responses`
        : `scoring of job ${job} was interrupted by the reward pool`,
    );
  }
}

/** The slots of a worker's shared flag: the job to stop, and the yield budget in µs of CPU (0: none). */
export const INTERRUPT_SLOT = 0;
export const YIELD_BUDGET_SLOT = 1;
export const FLAG_SLOTS = 2;

let flag: Int32Array | null = null;
let waiting: Int32Array | null = null;
let cpuMs: (() => number) | undefined;
let current = 0;
let budgetMs = 0;
let startWall = 0;
let startCpu = 0;
/** Wall time before which the CPU time cannot have reached the budget (it never runs ahead of the wall). */
let nextLook = 0;

/** Installs this worker thread's shared flag and the pool's count of waiting responses. */
export function watchInterrupts(shared: Int32Array, waitingCount?: Int32Array): void {
  flag = shared;
  waiting = waitingCount ?? null;
  cpuMs = ownThreadCpuClock();
}

/** The value that, written to the flag, interrupts job `id` (never 0, which means "none"). */
export function interruptValue(id: number): number {
  return (id % 0x7ffffffe) + 1;
}

/** Runs `fn` as job `id`: a write of interruptValue(id) into the flag makes checkInterrupt throw. */
export function runInterruptible<T>(id: number, fn: () => T): T {
  current = interruptValue(id);
  budgetMs = flag === null || waiting === null ? 0 : Atomics.load(flag, YIELD_BUDGET_SLOT) / 1000;
  if (budgetMs > 0) {
    startWall = performance.now();
    startCpu = cpuMs?.() ?? 0;
    nextLook = startWall + budgetMs;
  }
  try {
    if (flag !== null && Atomics.load(flag, INTERRUPT_SLOT) === current)
      throw new ScoringInterruptedError(id);
    return fn();
  } finally {
    current = 0;
  }
}

/** Throws ScoringInterruptedError when the pool asked to stop the running job, or when it should yield. */
export function checkInterrupt(): void {
  if (flag === null || current === 0) return;
  if (Atomics.load(flag, INTERRUPT_SLOT) === current) throw new ScoringInterruptedError(current - 1);
  if (budgetMs === 0 || Atomics.load(waiting as Int32Array, 0) === 0) return;
  const now = performance.now();
  if (now < nextLook) return;
  const used = cpuMs ? cpuMs() - startCpu : now - startWall;
  if (used >= budgetMs) throw new ScoringInterruptedError(current - 1, true);
  nextLook = now + (budgetMs - used);
}
