import { Prediction } from "@swerl/schema";
import { z } from "zod";
import { LocalizationOutcome } from "./localization.js";
import { RepairStatus } from "./repair.js";
import { ReproductionVerdict } from "./reproduction.js";
import { RepairCandidate } from "./rerank.js";

/** Candidate counts per stage for one instance, as `stages.json` lists them. */
export const InstanceStages = z.object({
  instanceId: z.string(),
  localization: z.object({
    samples: z.number().int(),
    shownFiles: z.number().int(),
    droppedFiles: z.number().int(),
    files: z.array(z.string()),
    goldFiles: z.array(z.string()),
    outcome: LocalizationOutcome,
  }),
  repair: z.object({
    samples: z.number().int(),
    promptTokens: z.number().int().nullable(),
    droppedFiles: z.array(z.string()),
    byStatus: z.record(RepairStatus, z.number().int()),
    nonEmpty: z.number().int(),
    unique: z.number().int(),
  }),
  reproduction: z
    .object({
      samples: z.number().int(),
      extracted: z.number().int(),
      reproducing: z.number().int(),
      selected: z.array(z.number().int()),
    })
    .nullable(),
  regression: z
    .object({
      suite: z.number().int(),
      candidatesTested: z.number().int(),
      withoutRegressions: z.number().int(),
    })
    .nullable(),
  rerank: z.object({ chosen: z.number().int().nullable(), decidedBy: z.string() }),
  /** Why the instance has no candidates or no tests (prompt over budget, no spec), when that happened. */
  note: z.string().optional(),
});
export type InstanceStages = z.infer<typeof InstanceStages>;

/** One repair sample: the candidate, what became of it, and the response it came from. */
export const RepairedSample = RepairCandidate.extend({
  status: RepairStatus,
  detail: z.string().optional(),
  response: z.string(),
  /** Which of the repair's localization lists (prompts) the sample was drawn from. */
  list: z.number().int().default(0),
  /** The files the edit changed, their contents before and after (aligned; empty unless `ok`). */
  editedFiles: z.array(z.string()).default([]),
  prevContent: z.array(z.string()).default([]),
  newContent: z.array(z.string()).default([]),
});
export type RepairedSample = z.infer<typeof RepairedSample>;

/** What the localize stage leaves in `instances/<id>/localize.json`. */
export const LocalizeRecord = z.object({
  config: z.string(),
  views: z.array(z.string()),
  responses: z.array(z.string()),
  /** The merged localization: real paths, most voted first. */
  files: z.array(z.string()),
  /** What each localization sample found (real paths), as `loc.jsonl`'s `found_files`. */
  foundFiles: z.array(z.array(z.string())).default([]),
  /** The rendered prompt of each sample (`file_traj`). */
  prompts: z.array(z.string()).default([]),
  shownFiles: z.number().int(),
  droppedFiles: z.array(z.string()),
  goldFiles: z.array(z.string()),
  outcome: LocalizationOutcome,
  note: z.string().optional(),
});
export type LocalizeRecord = z.infer<typeof LocalizeRecord>;

/** What the repair stage leaves in `instances/<id>/repair.json`. */
export const RepairRecord = z.object({
  config: z.string(),
  shownFiles: z.array(z.string()),
  promptTokens: z.number().int().nullable(),
  droppedFiles: z.array(z.string()),
  candidates: z.array(RepairedSample),
  /** The distinct localization lists the samples were drawn over (sample i uses list i mod their number). */
  lists: z.array(z.array(z.string())).default([]),
  /** The rendered prompt of each list. */
  prompts: z.array(z.string()).default([]),
  /** Where the generations came from: sampled from the policy, or read from an official repair folder. */
  source: z.enum(["policy", "patchFolder"]).default("policy"),
  note: z.string().optional(),
});
export type RepairRecord = z.infer<typeof RepairRecord>;

/** What the reproduce stage leaves in `instances/<id>/reproduce.json` (`ran: false` when it had nothing to do). */
export const ReproduceRecord = z.object({
  config: z.string(),
  ran: z.boolean(),
  tests: z.array(
    z.object({
      sample: z.number().int(),
      script: z.string().nullable(),
      onOriginal: ReproductionVerdict.nullable(),
    }),
  ),
  /** Samples of the selected tests: reproducing on the original code, most agreed-upon. */
  selected: z.array(z.number().int()),
  note: z.string().optional(),
});
export type ReproduceRecord = z.infer<typeof ReproduceRecord>;

/** What the regression stage leaves in `instances/<id>/regression.json`: the suite and each distinct candidate's results. */
export const RegressionRecord = z.object({
  config: z.string(),
  ran: z.boolean(),
  suite: z.array(z.string()).nullable(),
  results: z.array(
    z.object({
      normalizedKey: z.string(),
      regressions: z.number().int().nullable(),
      reproductionPasses: z.number().int().nullable(),
      /** The selected reproduction tests (by sample) that said "resolved"; null when none were run. */
      resolvedTests: z.array(z.number().int()).nullable().default(null),
      /** The regression-suite tests that no longer pass; null when the suite was not run. */
      failedTests: z.array(z.string()).nullable().default(null),
    }),
  ),
  note: z.string().optional(),
});
export type RegressionRecord = z.infer<typeof RegressionRecord>;

/** Everything one instance did, written to `instances/<id>.json` by the rerank stage. */
export const InstanceTrace = z.object({
  instanceId: z.string(),
  model: z.string(),
  config: z.string(),
  stages: InstanceStages,
  localization: z.object({
    views: z.array(z.string()),
    responses: z.array(z.string()),
    droppedFiles: z.array(z.string()),
  }),
  repair: z.object({ shownFiles: z.array(z.string()), candidates: z.array(RepairedSample) }),
  reproduction: z.array(
    z.object({
      sample: z.number().int(),
      script: z.string().nullable(),
      onOriginal: ReproductionVerdict.nullable(),
    }),
  ),
  regressionSuite: z.array(z.string()).nullable(),
  decision: z.object({
    chosen: z.number().int().nullable(),
    /** The selection rule (`swe-rl` or `agentless`) and what decided under it. */
    selection: z.enum(["swe-rl", "agentless"]),
    decidedBy: z.string(),
    /** swe-rl: the filter applied before the vote, and the reproduction groups with their |P|·|T|². */
    filter: z.string().optional(),
    groups: z
      .array(
        z.object({ tests: z.array(z.number().int()), samples: z.array(z.number().int()), score: z.number() }),
      )
      .optional(),
    scores: z.array(
      z.object({
        sample: z.number(),
        regressions: z.number(),
        reproductionPasses: z.number(),
        votes: z.number(),
      }),
    ),
  }),
  prediction: Prediction,
});
export type InstanceTrace = z.infer<typeof InstanceTrace>;
