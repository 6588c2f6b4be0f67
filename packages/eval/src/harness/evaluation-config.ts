import { z } from "zod";
import { HarnessVersion } from "../parsers/test-status.js";

/**
 * Every option of `runEvaluation` (and of `swerl eval`, whose flags are generated from it: the official
 * harness's names `--dataset_name`, `--predictions_path`, `--max_workers`, ... are the flag names).
 */
export const EvaluationConfig = z.object({
  datasetName: z
    .string()
    .min(1)
    .describe(
      "SWE-bench instances: a JSON, JSONL or Parquet file, or a Hub dataset (princeton-nlp/SWE-bench_Verified)",
    ),
  split: z.string().default("test").describe("dataset split (Hub names)"),
  predictionsPath: z
    .string()
    .min(1)
    .describe("predictions file (JSON or JSONL), or gold (the reference patches), or empty"),
  instanceIds: z.array(z.string()).default([]).describe("only these instances (default: all)"),
  repo: z.string().optional().describe("only this repository's instances (owner/name)"),
  workers: z.number().int().positive().default(1).describe("instances evaluated at once"),
  runId: z
    .string()
    .regex(/^[\w.-]+$/, "letters, digits, _ . - only")
    .describe("run name; a rerun with the same id resumes"),
  timeoutSeconds: z
    .number()
    .positive()
    .default(1800)
    .describe("time limit of each instance's tests, in seconds"),
  reportDir: z.string().default(".").describe("where the run report <model>.<run_id>.json goes"),
  logDir: z
    .string()
    .default("logs/run_evaluation")
    .describe("per-instance logs go to <log_dir>/<run_id>/<model>/<instance_id>/"),
  harness: HarnessVersion.default("v4.0.4").describe(
    "official harness release whose parsers and report shape to match",
  ),
  repeat: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe(
      "evaluate each prediction this many times and report instances whose verdict or test statuses vary",
    ),
  specs: z
    .string()
    .optional()
    .describe(
      "JSON file: repository -> test spec, for repositories outside SWE-bench (default: test-specs.json beside the dataset)",
    ),
  executor: z
    .enum(["local", "docker"])
    .default("local")
    .describe("where tests run: local (on this host) or docker"),
  repos: z
    .string()
    .optional()
    .describe(
      "directory of bare mirrors owner__name.git (local executor; default: repos/ beside the dataset)",
    ),
  environments: z
    .string()
    .optional()
    .describe("JSON file: repository -> { interpreter, path, env } for the local executor"),
  imageSource: z
    .enum(["build", "pull"])
    .default("build")
    .describe("docker: run in images built by `swerl images build`, or the dataset's official `image`"),
  memoryMb: z
    .number()
    .int()
    .nonnegative()
    .default(4096)
    .describe("docker: memory limit per container, in MiB"),
  cpus: z.number().nonnegative().default(1).describe("docker: CPUs per container"),
  network: z.boolean().default(false).describe("docker: give test containers a network (default: none)"),
});
export type EvaluationConfig = z.infer<typeof EvaluationConfig>;
