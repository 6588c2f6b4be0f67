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
  /**
   * Keep the requests' instances past this call: a later call whose requests carry the same
   * `codeContext` and `oracleNewContent` objects reuses them, so workers that hold the instance are sent
   * only the response and reuse the oracle's patch. Each worker keeps its 64 most recently used
   * instances. For callers that see one instance over many calls, as the reward server does when an RL
   * engine posts each sample of a prompt alone; the objects must not change afterwards.
   */
  keepInstances?: boolean;
}

/** The outcome for one request: scored, timed out (reported, never silently zeroed), or failed. */
export type ScoredRequest =
  | { status: "scored"; result: SearchReplaceReward; seconds: number }
  | { status: "timeout"; seconds: number }
  | { status: "error"; error: string; seconds: number };

export interface RewardPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /**
   * Per-response time limit in seconds (default 30), counted from when the response first starts on a
   * worker; a response over it is reported as "timeout".
   */
  timeoutSeconds?: number;
  /** @deprecated use `timeoutSeconds`. */
  timeoutMs?: number;
  /**
   * A response still running after this many seconds (default 0.5) moves to the slow lane: its worker
   * stops it (cooperatively, or by being replaced) and it starts again on a slow-lane worker, which runs
   * at the lowest CPU priority (Linux), so slow responses cannot hold up the others.
   */
  slowAfterSeconds?: number;
  /**
   * While responses wait for a worker, one that has run this long (default 0.01 s of its thread's CPU
   * time, far above a typical response's 1-3 ms) moves to the slow lane at once, so that the waiting ones are not held
   * up by it for `slowAfterSeconds`.
   */
  yieldAfterSeconds?: number;
  /**
   * Slow-lane workers (default: as many as workers), started with the pool: the most slow responses
   * running at once. Further slow responses wait for one, and time out if their time limit passes first.
   */
  maxSlowWorkers?: number;
  /** Loaded idle workers kept to replace a worker that had to be terminated (default 1). */
  spareWorkers?: number;
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

/** The pool was used after close(). */
export class RewardPoolClosedError extends SwerlError {
  constructor() {
    super("E_POOL_CLOSED", "the reward pool is closed; create a new RewardPool");
  }
}
