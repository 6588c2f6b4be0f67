import { z } from "zod";

/** One file's contribution to a reward: its predicted and oracle change strings and their similarity. */
const ChangeSimilarity = z.object({
  path: z.string(),
  /** The predicted change (difflib hunks without file headers; empty when the prediction left it). */
  predChange: z.string(),
  /** The oracle's change, likewise. */
  oracleChange: z.string(),
  /** Character-level SequenceMatcher ratio, prediction first; 0 when either change is empty. */
  similarity: z.number().min(0).max(1),
});

/**
 * The outcome of scoring one response (`@swerl/reward`'s `calculateSearchReplaceReward` returns this
 * type). On a format error `reward` is -1 and `error` says why (nothing else is set); otherwise
 * `error` is null and the metadata explains the score: the thought and answer, the parsed edits by
 * path (`[search, replace]` pairs), the predicted new contents, both sides' per-file change strings,
 * and per-file similarities over the union of changed paths (their mean is the reward).
 */
export const RewardResult = z.object({
  reward: z.number().min(-1).max(1),
  error: z.string().nullable(),
  thought: z.string().optional(),
  answer: z.string().optional(),
  parsedEdits: z.record(z.string(), z.array(z.tuple([z.string(), z.string()]))).optional(),
  predNewContent: z.record(z.string(), z.string()).optional(),
  predPatch: z.record(z.string(), z.string()).optional(),
  oraclePatch: z.record(z.string(), z.string()).optional(),
  similarities: z.array(ChangeSimilarity).optional(),
});
export type RewardResult = z.infer<typeof RewardResult>;
