/**
 * At most `limit` tasks at once; the rest wait in arrival order. `what` names the limit in the error for a
 * limit that is not a positive integer (an option such as "clone concurrency").
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number, what = "concurrency limit") {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`${what} must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}
