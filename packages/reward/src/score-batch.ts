import { availableParallelism } from "node:os";
import type { RewardPoolOptions, RewardRequest, ScoredRequest } from "./pool-types.js";
import { RewardPool } from "./reward-pool.js";

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
