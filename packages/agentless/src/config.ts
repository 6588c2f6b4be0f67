import { RepositoryEnvironment, RepositoryTestSpec } from "@swerl/eval";
import { z } from "zod";

/**
 * Every serialisable option of `runAgentless`, with its default and help text. Field names follow the
 * official Agentless / SWE-RL Agentless Mini flags (`num_samples` -> `numSamples`, `max_input_tokens` ->
 * `maxInputTokens`, ...); where a default differs from the official one the README says why.
 */
export const AgentlessConfig = z.object({
  dataset: z
    .string()
    .min(1)
    .describe(
      "SWE-bench instances: a JSON, JSONL or Parquet file, or a Hub dataset (princeton-nlp/SWE-bench_Verified)",
    ),
  split: z.string().min(1).default("test").describe("dataset split, for a Hub dataset"),
  reposDir: z.string().min(1).describe("directory of bare mirrors named owner__name.git"),
  outDir: z
    .string()
    .min(1)
    .describe("output directory; a rerun resumes each instance at the stage it reached"),
  specsFile: z
    .string()
    .min(1)
    .optional()
    .describe("JSON object repository -> test spec, for repositories outside SWE-bench"),
  specs: z
    .record(z.string(), RepositoryTestSpec)
    .default({})
    .describe("test specs by repository, for repositories outside SWE-bench (with specsFile's)"),
  environments: z
    .record(z.string(), RepositoryEnvironment)
    .default({})
    .describe("per-repository interpreter, PATH and env for the tests"),
  numSamples: z.number().int().positive().default(4).describe("repair samples per instance (K)"),
  numTests: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("reproduction-test samples per instance, 0 for none (absent: numSamples)"),
  regression: z.boolean().default(true).describe("run the repositories' tests for regressions"),
  localizationSamples: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("localization samples, views of the tree (absent: min(numSamples, 4))"),
  localization: z
    .enum(["policy", "oracle"])
    .default("policy")
    .describe("policy (Agentless), or oracle: the gold patch's files (an ablation)"),
  locFile: z
    .string()
    .min(1)
    .optional()
    .describe("localize from a file: an official loc.jsonl or the published ground-truth localization file"),
  patchFolder: z
    .string()
    .min(1)
    .optional()
    .describe("repair from an official repair folder: its output.jsonl generations instead of sampling"),
  maxFiles: z.number().int().positive().default(5).describe("files kept by localization (official: 5)"),
  maxInputTokens: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe("prompt budget in tokens, lowered to fit the policy's context"),
  maxTokens: z.number().int().positive().default(4096).describe("completion budget per sample, in tokens"),
  temperature: z.number().min(0).default(0.8).describe("sampling temperature of repair and test samples"),
  seed: z.number().int().min(0).default(0).describe("sampling seed"),
  instanceIds: z.array(z.string().min(1)).optional().describe("only these instances"),
  shard: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("the shard to run: instances i with i % numShards == shard"),
  numShards: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe("the number of shards the dataset is split into"),
  samplesPerRequest: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe("samples per request (n); each request is saved as it arrives"),
  parse: z
    .enum(["lenient", "strict"])
    .default("lenient")
    .describe("repair parser: lenient applies the blocks that match; strict fails on one bad block"),
  selection: z
    .enum(["swe-rl", "agentless"])
    .default("swe-rl")
    .describe("patch selection: swe-rl (|P|·|T|² test groups, then votes) or agentless order"),
  modelNameOrPath: z
    .string()
    .min(1)
    .optional()
    .describe("model_name_or_path written in the predictions (absent: the policy's model name)"),
  suiteTimeoutSeconds: z
    .number()
    .positive()
    .default(600)
    .describe("time limit of one test-suite run, in seconds"),
  reproductionTimeoutSeconds: z
    .number()
    .positive()
    .default(60)
    .describe("time limit of one reproduction script, in seconds"),
});
export type AgentlessConfig = z.infer<typeof AgentlessConfig>;
export type AgentlessConfigInput = z.input<typeof AgentlessConfig>;

/** The SWE-bench instances of shard `shard` of `numShards`: every instance i with i % numShards == shard (as datasets' `shard(contiguous=False)`). */
export function shardOf<T>(items: readonly T[], shard: number, numShards: number): T[] {
  return items.filter((_, i) => i % numShards === shard);
}
