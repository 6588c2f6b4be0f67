import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";

describe("ConcurrencyLimiter", () => {
  it("runs at most `limit` tasks at once and starts the waiting ones in arrival order", async () => {
    const limiter = new ConcurrencyLimiter(2);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limiter.run(async () => {
        started.push(i);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        return i * 10;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toEqual([0, 1]);
    expect(limiter.active).toBe(2);
    // release in reverse: the next waiting task starts whichever running one finishes
    while (release.length > 0) {
      release.pop()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(await Promise.all(tasks)).toEqual([0, 10, 20, 30, 40]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it("frees its slot when a task throws", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new RangeError("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
    expect(limiter.active).toBe(0);
  });

  it("names the limit when it is not a positive integer", () => {
    expect(() => new ConcurrencyLimiter(0, "clone concurrency")).toThrow(
      "clone concurrency must be a positive integer, got 0",
    );
    expect(() => new ConcurrencyLimiter(1.5)).toThrow(
      "concurrency limit must be a positive integer, got 1.5",
    );
  });
});
