import { type RlInstance, SwerlError } from "@swerl/schema";
import { calculateSearchReplaceReward } from "./reward.js";

/** One response to score and the RL instance it answers. */
export interface RewardQuery {
  instance: RlInstance;
  response: string;
}

/**
 * Scores responses against their instances: one number per query, in order (higher is better; the
 * SWE-RL reward is in [-1, 1], -1 for a malformed response). It receives a whole batch (the G samples of
 * a prompt, or a held-out set) so an implementation can score in parallel, cache per instance or send
 * one request to a service, and it may be async (an execution-based reward runs the tests).
 *
 * `runRollouts` (@swerl/rollout) and `runSft`/`runGrpo`/`trainLocal` (@swerl/trainer) take one as
 * `reward`, defaulting to `sweRlReward`.
 */
export type RewardFn = (
  queries: readonly RewardQuery[],
  options?: { signal?: AbortSignal },
) => readonly number[] | Promise<readonly number[]>;

/** The SWE-RL reward (`calculateSearchReplaceReward`) of each query, in this thread. */
export const sweRlReward: RewardFn = (queries) =>
  queries.map(
    ({ instance, response }) =>
      calculateSearchReplaceReward(instance.codeContext, instance.oracleNewContent, response).reward,
  );

/** Calls `reward` and checks it kept its contract: one finite number per query. */
export async function scoreWith(
  reward: RewardFn,
  queries: readonly RewardQuery[],
  options?: { signal?: AbortSignal },
): Promise<number[]> {
  const scores = await reward(queries, options);
  if (scores.length !== queries.length || !scores.every(Number.isFinite))
    throw new RewardFnError(
      `the reward function returned ${scores.length} scores for ${queries.length} responses${scores.every(Number.isFinite) ? "" : " (some not finite numbers)"}; it must return one finite number per response, in order`,
    );
  return [...scores];
}

/** A RewardFn broke its contract (wrong number of scores, or a score that is not a finite number). */
export class RewardFnError extends SwerlError {
  constructor(detail: string) {
    super("E_REWARD_FN", detail);
  }
}
