import { describe, expect, it } from "vitest";
import {
  checkInterrupt,
  FLAG_SLOTS,
  INTERRUPT_SLOT,
  interruptValue,
  runInterruptible,
  ScoringInterruptedError,
  watchInterrupts,
  YIELD_BUDGET_SLOT,
} from "./interrupt.js";

/** Spins, checking now and then, until interrupted or `maxMs` of wall time passed; returns the ms spun. */
const spin = (maxMs: number) => {
  const start = performance.now();
  while (performance.now() - start < maxMs) {
    for (let i = 0; i < 1000; i++) Math.sqrt(i);
    checkInterrupt();
  }
  return performance.now() - start;
};

describe("cooperative interruption (as on a reward worker)", () => {
  const flag = new Int32Array(new SharedArrayBuffer(4 * FLAG_SLOTS));
  const waiting = new Int32Array(new SharedArrayBuffer(4));
  watchInterrupts(flag, waiting);

  it("stops the job whose interrupt value is written, and only that one", () => {
    Atomics.store(flag, INTERRUPT_SLOT, interruptValue(7));
    expect(runInterruptible(8, () => spin(5))).toBeGreaterThanOrEqual(5);
    expect(() => runInterruptible(7, () => spin(1000))).toThrow(ScoringInterruptedError);
    Atomics.store(flag, INTERRUPT_SLOT, 0);
  });

  it("yields once it used its CPU budget while responses wait, not before and not when none wait", () => {
    Atomics.store(flag, YIELD_BUDGET_SLOT, 20_000); // 20 ms
    Atomics.store(waiting, 0, 0);
    expect(runInterruptible(1, () => spin(60))).toBeGreaterThanOrEqual(60);
    Atomics.store(waiting, 0, 3);
    const start = performance.now();
    let error: unknown;
    try {
      runInterruptible(2, () => spin(5000));
    } catch (err) {
      error = err;
    }
    const ran = performance.now() - start;
    expect(error).toBeInstanceOf(ScoringInterruptedError);
    expect((error as ScoringInterruptedError).yielded).toBe(true);
    expect((error as ScoringInterruptedError).job).toBe(2);
    // 20 ms of CPU; a busy machine may stretch it in wall time, not shorten it
    expect(ran).toBeGreaterThanOrEqual(19);
    expect(ran).toBeLessThan(2000);
    Atomics.store(flag, YIELD_BUDGET_SLOT, 0);
    expect(runInterruptible(3, () => spin(30))).toBeGreaterThanOrEqual(30);
  });
});
