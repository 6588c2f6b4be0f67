import { EngineLaunchError, type OpenRlhfSurface, validateOpenRlhfArgs } from "./engine-surface.js";
import { type LaunchInput, num, rolloutEngines, type UnsupportedOption } from "./launch-plan.js";

/**
 * OpenRLHF 0.10.2 renamed its flags into dotted groups. swerl builds with the new names; for a release
 * before the rename each is written under its old name (absent: that release has no such flag).
 */
const FLAT_NAMES: Record<string, string | null> = {
  "--actor.model_name_or_path": "--pretrain",
  "--data.prompt_dataset": "--prompt_data",
  "--data.input_key": "--input_key",
  "--data.label_key": "--label_key",
  "--data.apply_chat_template": "--apply_chat_template",
  "--data.max_len": "--max_len",
  "--rollout.max_new_tokens": "--max_new_tokens",
  "--eval.dataset": "--eval_dataset",
  "--eval.steps": "--eval_steps",
  "--eval.n_samples_per_prompt": "--eval_n_samples_per_prompt",
  "--reward.remote_url": "--remote_rm_url",
  "--algo.advantage.estimator": "--advantage_estimator",
  "--rollout.n_samples_per_prompt": "--n_samples_per_prompt",
  "--rollout.batch_size": "--rollout_batch_size",
  "--rollout.temperature": "--temperature",
  "--rollout.micro_batch_size": "--micro_rollout_batch_size",
  "--train.batch_size": "--train_batch_size",
  "--train.micro_batch_size": "--micro_train_batch_size",
  "--train.max_epochs": "--max_epochs",
  "--train.num_episodes": "--num_episodes",
  "--train.seed": "--seed",
  "--train.colocate_all": "--colocate_all_models",
  "--data.max_samples": "--max_samples",
  "--actor.adam.lr": "--actor_learning_rate",
  "--actor.adam.betas": "--adam_betas",
  "--actor.adam.eps": null,
  "--actor.adam.weight_decay": "--l2",
  "--actor.max_norm": "--max_norm",
  "--actor.lr_scheduler": "--lr_scheduler",
  "--actor.lr_warmup_ratio": "--lr_warmup_ratio",
  "--actor.eps_clip_low_high": "--eps_clip_low_high",
  "--actor.num_nodes": "--actor_num_nodes",
  "--actor.num_gpus_per_node": "--actor_num_gpus_per_node",
  "--actor.gradient_checkpointing_enable": "--gradient_checkpointing",
  "--ref.num_nodes": "--ref_num_nodes",
  "--ref.num_gpus_per_node": "--ref_num_gpus_per_node",
  "--algo.kl.use_loss": "--use_kl_loss",
  "--algo.kl.estimator": "--kl_estimator",
  "--algo.kl.init_coef": "--init_kl_coef",
  "--algo.advantage.is_correction_enable": "--enable_vllm_is_correction",
  "--algo.advantage.is_correction_type": "--vllm_is_correction_type",
  "--algo.advantage.is_correction_threshold": "--vllm_is_truncated_threshold",
  "--vllm.num_engines": "--vllm_num_engines",
  "--vllm.tensor_parallel_size": "--vllm_tensor_parallel_size",
  "--vllm.gpu_memory_utilization": "--vllm_gpu_memory_utilization",
  "--vllm.enable_sleep": "--vllm_enable_sleep",
  "--ds.enable_sleep": "--deepspeed_enable_sleep",
  "--ds.zero_stage": "--zero_stage",
  "--ckpt.save_steps": "--save_steps",
  "--ckpt.path": "--ckpt_path",
  "--ckpt.output_dir": "--save_path",
  "--ckpt.save_hf": "--save_hf_ckpt",
  "--logger.logging_steps": "--logging_steps",
  "--logger.tensorboard_dir": "--use_tensorboard",
};

/** Flags a swerl run cannot start without (argparse requires none of them). */
const REQUIRED = [
  "--actor.model_name_or_path",
  "--data.prompt_dataset",
  "--reward.remote_url",
  "--vllm.num_engines",
  "--rollout.max_new_tokens",
  "--data.max_len",
];

const flatRelease = (surface: OpenRlhfSurface) => !("--actor.model_name_or_path" in surface.flags);

/** The name of a (0.11-style) flag in this release, or null when it has none. */
function flagName(surface: OpenRlhfSurface, flag: string): string | null {
  if (!flatRelease(surface)) return flag;
  if (!(flag in FLAT_NAMES))
    throw new EngineLaunchError(flag, "swerl knows no pre-0.10.2 name for this flag");
  return FLAT_NAMES[flag] ?? null;
}

/** OpenRLHF's `train_ppo_ray` arguments for the run, and the preset options OpenRLHF cannot express. */
export function openRlhfArgs(input: LaunchInput): {
  args: string[];
  steps: number;
  unsupported: UnsupportedOption[];
} {
  const { config: c, data, checkpointDir } = input;
  const g = c.grpo;
  const surface = input.target.surface as OpenRlhfSurface;
  const unsupported: UnsupportedOption[] = [];
  const gpus = c.nodes * c.gpusPerNode;
  if (c.rolloutBackend !== "vllm")
    throw new EngineLaunchError(
      "rolloutBackend",
      `OpenRLHF samples through vLLM only, not ${c.rolloutBackend}`,
    );
  const samples = g.promptsPerBatch * g.rolloutsPerPrompt;
  if (samples % g.optimizerStepsPerBatch !== 0)
    throw new EngineLaunchError(
      "grpo.optimizerStepsPerBatch",
      `${samples} samples do not split into ${g.optimizerStepsPerBatch} steps`,
    );
  if (g.aggregation !== "token-mean")
    unsupported.push({
      option: "grpo.aggregation",
      value: g.aggregation,
      reason: "OpenRLHF's PolicyLoss is built with token_level_loss=True (token-mean) for PPO losses",
    });
  if (g.stdEstimator !== "unbiased")
    unsupported.push({
      option: "grpo.stdEstimator",
      value: g.stdEstimator,
      reason: "group_norm uses torch.std (unbiased)",
    });
  if (g.advantage === "grpo" && g.advantageEpsilon !== 1e-9)
    unsupported.push({
      option: "grpo.advantageEpsilon",
      value: g.advantageEpsilon,
      reason: "OpenRLHF's group_norm divides by std + 1e-9 (fixed)",
    });
  if (g.equalRewardGroups === "drop")
    unsupported.push({
      option: "grpo.equalRewardGroups",
      value: "drop",
      reason:
        "OpenRLHF's dynamic filtering keeps groups by mean reward range, not by equal rewards; groups are kept",
    });
  if (g.aggregation === "constant")
    unsupported.push({
      option: "grpo.constantNormalizer",
      value: g.constantNormalizer,
      reason: "no constant normalisation",
    });
  const flat = flatRelease(surface);
  if (flat && g.optimizer.epsilon !== 1e-8)
    unsupported.push({
      option: "grpo.optimizer.epsilon",
      value: g.optimizer.epsilon,
      reason: `${input.target.id} has no Adam eps flag (DeepSpeed: 1e-8)`,
    });
  if (flat)
    unsupported.push({
      option: "lr schedule (constant)",
      value: "constant",
      reason: `${input.target.id} passes min_lr to every scheduler, which only cosine_with_min_lr accepts: the LR decays by cosine to 0.1x with no warm-up`,
    });
  const perEpisode = Math.max(1, Math.floor(data.trainPrompts / g.promptsPerBatch));
  const episodes = Math.ceil(c.steps / perEpisode);
  const steps = episodes * perEpisode;
  const engines = rolloutEngines(c);
  const logger = c.logger.filter((l) => l !== "console");
  if (logger.includes("wandb"))
    unsupported.push({
      option: "logger",
      value: "wandb",
      reason: "OpenRLHF needs --logger.wandb.key; set it in the job's command yourself",
    });
  const pairs: Array<[string, ...string[]]> = [
    ["--actor.model_name_or_path", c.modelPath],
    ["--data.prompt_dataset", data.trainFile],
    ["--data.input_key", "input"],
    ["--data.label_key", "label"],
    ["--data.apply_chat_template"],
    ["--data.max_len", String(data.maxPromptLength + c.maxResponseTokens)],
    ["--rollout.max_new_tokens", String(c.maxResponseTokens)],
    ["--data.max_samples", String(data.trainPrompts)],
    ...(data.validationFile
      ? ([
          ["--eval.dataset", data.validationFile],
          ["--eval.steps", String(c.testEvery)],
          ["--eval.n_samples_per_prompt", "1"],
        ] as Array<[string, ...string[]]>)
      : []),
    ["--reward.remote_url", `${c.rewardUrl.replace(/\/$/, "")}/get_reward`],
    ["--algo.advantage.estimator", g.advantage === "grpo" ? "group_norm" : "dr_grpo"],
    ["--rollout.n_samples_per_prompt", String(g.rolloutsPerPrompt)],
    ["--rollout.batch_size", String(g.promptsPerBatch)],
    ["--rollout.temperature", "1.0"],
    ["--rollout.micro_batch_size", String(c.logProbMicroBatchPerGpu)],
    ["--train.batch_size", String(samples / g.optimizerStepsPerBatch)],
    ["--train.micro_batch_size", String(c.microBatchPerGpu)],
    ["--train.max_epochs", "1"],
    ["--train.num_episodes", String(episodes)],
    ["--train.seed", String(c.seed)],
    ["--actor.adam.lr", num(g.optimizer.learningRate)],
    ["--actor.adam.betas", num(g.optimizer.beta1), num(g.optimizer.beta2)],
    ["--actor.adam.eps", num(g.optimizer.epsilon)],
    ["--actor.adam.weight_decay", num(g.optimizer.weightDecay)],
    ["--actor.max_norm", num(g.optimizer.maxGradNorm)],
    ["--actor.lr_scheduler", flat ? "cosine_with_min_lr" : "constant"],
    ["--actor.lr_warmup_ratio", "0"],
    ["--actor.eps_clip_low_high", num(g.epsLow), num(g.epsHigh)],
    ...(g.klBeta > 0
      ? ([
          ["--algo.kl.use_loss"],
          ["--algo.kl.estimator", "k3"],
          ["--algo.kl.init_coef", num(g.klBeta)],
        ] as Array<[string, ...string[]]>)
      : ([["--algo.kl.init_coef", "0"]] as Array<[string, ...string[]]>)),
    ...(g.truncatedIsCap !== undefined
      ? ([
          ["--algo.advantage.is_correction_enable"],
          ["--algo.advantage.is_correction_type", "tis"],
          ["--algo.advantage.is_correction_threshold", "0", num(g.truncatedIsCap)],
        ] as Array<[string, ...string[]]>)
      : []),
    ["--actor.num_nodes", String(c.nodes)],
    ["--actor.num_gpus_per_node", String(c.gpusPerNode)],
    ["--ref.num_nodes", String(c.nodes)],
    ["--ref.num_gpus_per_node", String(c.gpusPerNode)],
    ["--vllm.num_engines", String(engines)],
    ["--vllm.tensor_parallel_size", String(c.tensorParallelSize)],
    ["--vllm.gpu_memory_utilization", num(c.gpuMemoryUtilization)],
    ["--train.colocate_all"],
    ["--vllm.enable_sleep"],
    ["--ds.enable_sleep"],
    ["--ds.zero_stage", "3"],
    ["--actor.gradient_checkpointing_enable"],
    ["--ckpt.save_steps", String(c.saveEvery)],
    ["--ckpt.path", `${checkpointDir}/ckpt`],
    ["--ckpt.output_dir", `${checkpointDir}/model`],
    ["--ckpt.save_hf"],
    ["--logger.logging_steps", "1"],
    ...(logger.includes("tensorboard")
      ? ([["--logger.tensorboard_dir", `${checkpointDir}/tensorboard`]] as Array<[string, ...string[]]>)
      : []),
  ];
  if (engines * c.tensorParallelSize > gpus)
    throw new EngineLaunchError(
      "rolloutEngines",
      `${engines} engines x TP ${c.tensorParallelSize} need more than the ${gpus} GPUs (colocated with training)`,
    );
  const args: string[] = [];
  for (const [flag, ...values] of pairs) {
    const name = flagName(surface, flag);
    if (name === null) continue;
    args.push(name, ...values);
  }
  validateOpenRlhfArgs(surface, args);
  for (const flag of REQUIRED) {
    const name = flagName(surface, flag);
    if (name && !args.includes(name))
      throw new EngineLaunchError(name, "a swerl run needs it but it is not set");
  }
  return { args, steps, unsupported };
}
