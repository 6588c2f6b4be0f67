import { JsonlWriter, parseConfig, readAllRecords } from "@swerl/schema";
import { z } from "zod";
import { RewardInput } from "./reward-input.js";
import { RewardPool } from "./reward-pool.js";

/** The options of `scoreRewardFile` / `swerl reward`: a file of responses scored on all cores. */
export const RewardBatchConfig = z.object({
  inFile: z
    .string()
    .min(1)
    .describe("JSONL/JSON/Parquet of {code_context, oracle_new_content, output} records"),
  outFile: z
    .string()
    .min(1)
    .describe("JSONL to write: each input's extra fields plus reward, error and metadata"),
  workers: z.number().int().positive().optional().describe("worker threads (default: all cores)"),
  timeoutSeconds: z
    .number()
    .positive()
    .default(60)
    .describe("time limit per response, in seconds; over it the response is reported as timed out"),
});
export type RewardBatchConfig = z.infer<typeof RewardBatchConfig>;

/** One line of the output: the input's extra fields, then the reward and its metadata. */
export const RewardOutput = z.looseObject({
  reward: z.number().nullable(),
  error: z.string().nullable(),
  status: z.enum(["scored", "timeout", "error"]),
  seconds: z.number(),
});
export type RewardOutput = z.infer<typeof RewardOutput>;

/** Running totals, after each response. */
export interface RewardBatchProgress {
  done: number;
  total: number;
  /** Mean reward of the responses scored so far. */
  mean: number;
  formatErrors: number;
  /** Responses over the time limit or failed in a worker (reward null). */
  notScored: number;
}

export interface RewardBatchSummary extends RewardBatchProgress {
  outFile: string;
}

/**
 * Scores every response of `inFile` with the SWE-RL reward on a worker pool and writes one
 * {@link RewardOutput} line per input, in input order. A format error scores -1 with the reference's
 * message in `error`; a response over the time limit gets reward null and status `timeout` (never a
 * silent 0). The output is written only when every response has an outcome.
 */
export async function scoreRewardFile(
  config: z.input<typeof RewardBatchConfig>,
  hooks: { onProgress?: (progress: RewardBatchProgress) => void } = {},
): Promise<RewardBatchSummary> {
  const { inFile, outFile, workers, timeoutSeconds } = parseConfig(
    RewardBatchConfig,
    config,
    "scoreRewardFile",
  );
  const inputs = await readAllRecords(inFile, RewardInput);
  const pool = new RewardPool({ ...(workers ? { workers } : {}), timeoutSeconds });
  const totals: RewardBatchProgress = {
    done: 0,
    total: inputs.length,
    mean: 0,
    formatErrors: 0,
    notScored: 0,
  };
  let sum = 0;
  const writer = await JsonlWriter.open(outFile, RewardOutput);
  try {
    const outcomes = await pool.scoreAll(
      inputs.map((i) => ({
        codeContext: i.code_context,
        oracleNewContent: i.oracle_new_content,
        output: i.output,
      })),
      (done, _total, last) => {
        if (last.status === "scored") {
          sum += last.result.reward;
          if (last.result.reward === -1) totals.formatErrors++;
        } else totals.notScored++;
        totals.done = done;
        totals.mean = sum / Math.max(1, done - totals.notScored);
        hooks.onProgress?.({ ...totals });
      },
    );
    for (const [index, outcome] of outcomes.entries()) {
      const { code_context: _c, oracle_new_content: _o, output: _out, ...extra } = inputs[index]!;
      const scored =
        outcome.status === "scored"
          ? { ...outcome.result, status: outcome.status, seconds: outcome.seconds }
          : {
              reward: null,
              error: outcome.status === "timeout" ? `timed out after ${timeoutSeconds}s` : outcome.error,
              status: outcome.status,
              seconds: outcome.seconds,
            };
      await writer.write({ ...extra, ...scored });
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await pool.close();
  }
  return { ...totals, outFile };
}
