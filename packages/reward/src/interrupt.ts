import { SwerlError } from "@swerl/schema";

/**
 * Cooperative interruption of a scoring run on a worker thread: the pool writes the id of the job to stop
 * into a shared Int32Array, and the matcher's long loops look at it now and then and throw. A worker that
 * stops this way stays usable: no thread has to be terminated and started again (which costs far more CPU
 * than scoring a typical response). Outside a worker (no flag installed) the check costs one comparison.
 */

/** Scoring stopped because the pool asked (the job moved to the slow lane, timed out or was cancelled). */
export class ScoringInterruptedError extends SwerlError {
  constructor(readonly job: number) {
    super("E_INTERRUPTED", `scoring of job ${job} was interrupted by the reward pool`);
  }
}

let flag: Int32Array | null = null;
let current = 0;

/** Installs the shared flag (one Int32 slot) of this worker thread. */
export function watchInterrupts(shared: Int32Array): void {
  flag = shared;
}

/** The value that, written to the flag, interrupts job `id` (never 0, which means "none"). */
export function interruptValue(id: number): number {
  return (id % 0x7ffffffe) + 1;
}

/** Runs `fn` as job `id`: a write of interruptValue(id) into the flag makes checkInterrupt throw. */
export function runInterruptible<T>(id: number, fn: () => T): T {
  current = interruptValue(id);
  try {
    if (flag !== null && Atomics.load(flag, 0) === current) throw new ScoringInterruptedError(id);
    return fn();
  } finally {
    current = 0;
  }
}

/** Throws ScoringInterruptedError when the pool asked to stop the running job. */
export function checkInterrupt(): void {
  if (flag !== null && current !== 0 && Atomics.load(flag, 0) === current)
    throw new ScoringInterruptedError(current - 1);
}
