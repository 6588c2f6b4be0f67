import type { GrpoConfig } from "../config.js";

export const ExternalEngine = ["verl", "openrlhf"] as const;
export type ExternalEngine = (typeof ExternalEngine)[number];

export interface EngineLaunchOptions {
  engine: ExternalEngine;
  config: GrpoConfig;
  /** Hugging Face model directory or hub id the engine trains. */
  modelPath: string;
  /** Directory the dataset and glue are written to (the Ray job's working_dir). */
  workDir: string;
  /** Where swerl's reward server listens, as the engine's workers reach it. */
  rewardUrl: string;
  rayAddress?: string;
  maxResponseTokens?: number;
}

export interface EngineLaunchPlan {
  /** Files to write into `workDir`, relative name -> content (the dataset is written separately). */
  files: Record<string, string>;
  /** The dataset file name inside `workDir`. */
  datasetFile: string;
  /** The `ray job submit` command, as argv. */
  command: string[];
}

/** verl's custom reward function: posts each response to swerl's reward server (standard library only). */
export function verlRewardGlue(rewardUrl: string): string {
  return `"""swerl reward for verl: custom_reward_function.path=swerl_reward.py, name=compute_score."""
import json
import os
import urllib.request

SWERL_REWARD_URL = os.environ.get("SWERL_REWARD_URL", ${JSON.stringify(rewardUrl)})


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    body = json.dumps({"query": [solution_str], "prompts": [""], "labels": [ground_truth]}).encode("utf-8")
    request = urllib.request.Request(
        SWERL_REWARD_URL.rstrip("/") + "/get_reward", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return float(json.loads(response.read().decode("utf-8"))["rewards"][0])
`;
}

const verlAggregation = {
  "token-mean": "token-mean",
  "sequence-mean": "seq-mean-token-mean",
  constant: "seq-mean-token-sum-norm",
};

function verlArgs(o: EngineLaunchOptions, dataset: string): string[] {
  const c = o.config;
  const batch = c.promptsPerBatch;
  return [
    "python3",
    "-m",
    "verl.trainer.main_ppo",
    "algorithm.adv_estimator=grpo",
    `algorithm.norm_adv_by_std_in_grpo=${c.advantage === "grpo" ? "True" : "False"}`,
    "algorithm.use_kl_in_reward=False",
    `data.train_files=${dataset}`,
    `data.train_batch_size=${batch}`,
    `data.max_response_length=${o.maxResponseTokens ?? c.constantNormalizer}`,
    `actor_rollout_ref.model.path=${o.modelPath}`,
    `actor_rollout_ref.rollout.n=${c.rolloutsPerPrompt}`,
    // One optimizer step per batch = the mini-batch is the whole batch, one epoch.
    `actor_rollout_ref.actor.ppo_mini_batch_size=${Math.ceil(batch / c.optimizerStepsPerBatch)}`,
    "actor_rollout_ref.actor.ppo_epochs=1",
    `actor_rollout_ref.actor.optim.lr=${c.optimizer.learningRate}`,
    `actor_rollout_ref.actor.optim.weight_decay=${c.optimizer.weightDecay}`,
    `actor_rollout_ref.actor.grad_clip=${c.optimizer.maxGradNorm}`,
    `actor_rollout_ref.actor.clip_ratio_low=${c.epsLow}`,
    `actor_rollout_ref.actor.clip_ratio_high=${c.epsHigh}`,
    `actor_rollout_ref.actor.use_kl_loss=${c.klBeta > 0 ? "True" : "False"}`,
    `actor_rollout_ref.actor.kl_loss_coef=${c.klBeta}`,
    "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
    `actor_rollout_ref.actor.loss_agg_mode=${verlAggregation[c.aggregation]}`,
    "custom_reward_function.path=swerl_reward.py",
    "custom_reward_function.name=compute_score",
  ];
}

function openRlhfArgs(o: EngineLaunchOptions, dataset: string): string[] {
  const c = o.config;
  return [
    "python3",
    "-m",
    "openrlhf.cli.train_ppo_ray",
    "--pretrain",
    o.modelPath,
    "--prompt_data",
    dataset,
    "--input_key",
    "input",
    "--label_key",
    "label",
    "--apply_chat_template",
    "--remote_rm_url",
    `${o.rewardUrl.replace(/\/$/, "")}/get_reward`,
    "--advantage_estimator",
    c.advantage === "grpo" ? "group_norm" : "dr_grpo",
    "--n_samples_per_prompt",
    String(c.rolloutsPerPrompt),
    "--rollout_batch_size",
    String(c.promptsPerBatch),
    "--train_batch_size",
    String((c.promptsPerBatch * c.rolloutsPerPrompt) / c.optimizerStepsPerBatch),
    "--max_epochs",
    "1",
    "--actor_learning_rate",
    String(c.optimizer.learningRate),
    "--eps_clip_low_high",
    String(c.epsLow),
    String(c.epsHigh),
    ...(c.klBeta > 0
      ? ["--use_kl_loss", "--kl_estimator", "k3", "--init_kl_coef", String(c.klBeta)]
      : ["--init_kl_coef", "0"]),
    "--generate_max_len",
    String(o.maxResponseTokens ?? c.constantNormalizer),
  ];
}

/** Everything needed to run the configured GRPO on verl or OpenRLHF through Ray. */
export function planEngineRun(options: EngineLaunchOptions): EngineLaunchPlan {
  const datasetFile = options.engine === "verl" ? "swerl_train.parquet" : "swerl_prompts.jsonl";
  const files: Record<string, string> =
    options.engine === "verl" ? { "swerl_reward.py": verlRewardGlue(options.rewardUrl) } : {};
  const engineArgs =
    options.engine === "verl" ? verlArgs(options, datasetFile) : openRlhfArgs(options, datasetFile);
  const command = [
    "ray",
    "job",
    "submit",
    "--address",
    options.rayAddress ?? "http://127.0.0.1:8265",
    "--runtime-env-json",
    JSON.stringify({ working_dir: options.workDir, env_vars: { SWERL_REWARD_URL: options.rewardUrl } }),
    "--",
    ...engineArgs,
  ];
  return { files, datasetFile, command };
}

/** The command as one shell line (arguments single-quoted when they need it). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");
}
