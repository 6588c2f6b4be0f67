import { z } from "zod";
import { GrpoConfigField } from "../config.js";

/** Where the run goes: the Ray cluster's shape and how its GPUs are used. */
export const EngineCluster = {
  nodes: z.number().int().positive().default(1).describe("nodes of the Ray cluster the job uses"),
  gpusPerNode: z.number().int().positive().default(8).describe("GPUs on each node"),
  tensorParallelSize: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe("tensor-parallel size of each rollout (vLLM/SGLang) engine"),
  rolloutBackend: z.enum(["vllm", "sglang"]).default("vllm").describe("rollout engine (OpenRLHF: vllm only)"),
  rolloutEngines: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "rollout engines (OpenRLHF --vllm.num_engines); default nodes x gpusPerNode / tensorParallelSize",
    ),
  gpuMemoryUtilization: z
    .number()
    .gt(0)
    .max(1)
    .default(0.6)
    .describe("fraction of GPU memory the rollout engine may take (colocated with training)"),
  microBatchPerGpu: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe("sequences per GPU per training forward/backward (micro-batch)"),
  logProbMicroBatchPerGpu: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("sequences per GPU per log-prob forward (reference and old policy)"),
};

/**
 * One GRPO run on verl or OpenRLHF: the engine and its pinned version, the GRPO preset, the cluster, the
 * lengths, checkpoints and logging. Every field is an option of `swerl train --engine`.
 */
export const EngineLaunchConfig = z.strictObject({
  engine: z
    .string()
    .default("verl")
    .describe(
      "engine and pinned version: verl, verl@0.7.0, openrlhf, openrlhf@0.11, openrlhf@0.10.1 (newest when no version)",
    ),
  grpo: GrpoConfigField.describe(
    'GRPO options: a GrpoConfig or {"preset": "paper" | "dr-grpo" | "dapo", ...overrides}',
  ),
  steps: z
    .number()
    .int()
    .positive()
    .default(1600)
    .describe("optimisation steps (SWE-RL: 1,600 of 32 prompts x 16)"),
  modelPath: z
    .string()
    .min(1)
    .default("meta-llama/Llama-3.3-70B-Instruct")
    .describe("model directory or hub id the engine trains"),
  tokenizerDir: z
    .string()
    .optional()
    .describe(
      "local model directory whose tokenizer measures prompt lengths (default: modelPath when it is one)",
    ),
  rewardUrl: z
    .string()
    .url()
    .default("http://127.0.0.1:8000")
    .describe("swerl's reward server as the engine's workers reach it"),
  rayAddress: z
    .string()
    .default("http://127.0.0.1:8265")
    .describe("Ray dashboard address for ray job submit"),
  ...EngineCluster,
  maxPromptTokens: z
    .number()
    .int()
    .positive()
    .default(16384)
    .describe("longest prompt kept, in tokens; longer ones are filtered out and counted"),
  maxResponseTokens: z.number().int().positive().default(4096).describe("tokens per response at most"),
  validationPrompts: z
    .number()
    .int()
    .nonnegative()
    .default(32)
    .describe("prompts held out as the validation file (at most a tenth of the data)"),
  saveEvery: z
    .number()
    .int()
    .positive()
    .default(100)
    .describe("save a checkpoint every N steps (and at the end)"),
  testEvery: z.number().int().positive().default(100).describe("score the validation file every N steps"),
  checkpointDir: z
    .string()
    .optional()
    .describe("checkpoints and model on the cluster (default: <out>/checkpoints)"),
  logger: z
    .array(z.enum(["console", "wandb", "tensorboard"]))
    .default(["console"])
    .describe("metric loggers"),
  experimentName: z
    .string()
    .default("swerl-grpo")
    .describe("run name (verl experiment_name, checkpoint folder)"),
  seed: z.number().int().nonnegative().default(0).describe("seed of data order and held-out split"),
});
export type EngineLaunchConfig = z.infer<typeof EngineLaunchConfig>;
export type EngineLaunchConfigInput = z.input<typeof EngineLaunchConfig>;
