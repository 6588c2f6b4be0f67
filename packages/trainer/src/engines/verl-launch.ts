import { EngineLaunchError, type VerlSurface, validateVerlOverrides } from "./engine-surface.js";
import { type LaunchInput, num, type UnsupportedOption } from "./launch-plan.js";

/** verl's custom reward function: posts each response to swerl's reward server (standard library only). */
export function verlRewardGlue(rewardUrl: string): string {
  return `"""swerl reward for verl: custom_reward_function.path=swerl_reward.py, name=compute_score."""
import json
import os
import urllib.request

SWERL_REWARD_URL = os.environ.get("SWERL_REWARD_URL", ${JSON.stringify(rewardUrl)})


def compute_score(data_source, solution_str, ground_truth, extra_info=None):
    # verl decodes only the response tokens, so the prompt is empty: the whole text is the response.
    body = json.dumps({"query": [solution_str], "prompts": [""], "labels": [ground_truth]}).encode("utf-8")
    request = urllib.request.Request(
        SWERL_REWARD_URL.rstrip("/") + "/get_reward", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return float(json.loads(response.read().decode("utf-8"))["rewards"][0])
`;
}

const aggregation = {
  "token-mean": "token-mean",
  "sequence-mean": "seq-mean-token-mean",
  constant: "seq-mean-token-sum-norm",
} as const;

const py = (b: boolean) => (b ? "True" : "False");

/** verl's Hydra overrides for the run, and the preset options verl cannot express. */
export function verlOverrides(input: LaunchInput): { overrides: string[]; unsupported: UnsupportedOption[] } {
  const { config: c, data, checkpointDir } = input;
  const g = c.grpo;
  const surface = input.target.surface as VerlSurface;
  const unsupported: UnsupportedOption[] = [];
  const gpus = c.nodes * c.gpusPerNode;
  const samples = g.promptsPerBatch * g.rolloutsPerPrompt;
  if (g.promptsPerBatch % g.optimizerStepsPerBatch !== 0)
    throw new EngineLaunchError(
      "grpo.optimizerStepsPerBatch",
      `verl splits the batch into mini-batches of whole prompts: ${g.promptsPerBatch} prompts do not divide into ${g.optimizerStepsPerBatch}`,
    );
  const miniBatch = g.promptsPerBatch / g.optimizerStepsPerBatch;
  if (samples % gpus !== 0)
    throw new EngineLaunchError(
      "data.train_batch_size",
      `verl needs prompts x rollouts (${samples}) divisible by the GPUs (${gpus})`,
    );
  if (
    ((miniBatch * g.rolloutsPerPrompt) / gpus) % c.microBatchPerGpu !== 0 ||
    (miniBatch * g.rolloutsPerPrompt) % gpus !== 0
  )
    throw new EngineLaunchError(
      "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu",
      `a mini-batch of ${miniBatch * g.rolloutsPerPrompt} sequences over ${gpus} GPUs is not a multiple of ${c.microBatchPerGpu} per GPU`,
    );
  if (g.stdEstimator !== "unbiased")
    unsupported.push({
      option: "grpo.stdEstimator",
      value: g.stdEstimator,
      reason: "verl's GRPO uses torch.std (unbiased)",
    });
  if (g.advantageEpsilon !== 1e-6)
    unsupported.push({
      option: "grpo.advantageEpsilon",
      value: g.advantageEpsilon,
      reason: "verl's GRPO epsilon is fixed at 1e-6",
    });
  if (g.equalRewardGroups === "drop")
    unsupported.push({
      option: "grpo.equalRewardGroups",
      value: "drop",
      reason:
        "verl's main_ppo has no group filtering (DAPO's filter_groups lives in its recipe/dapo trainer); groups are kept",
    });
  if (g.optimizer.epsilon !== 1e-8)
    unsupported.push({
      option: "grpo.optimizer.epsilon",
      value: g.optimizer.epsilon,
      reason: "verl's optim config has no eps (torch AdamW: 1e-8)",
    });
  const epochs = Math.max(
    1,
    Math.ceil(c.steps / Math.max(1, Math.floor(data.trainPrompts / g.promptsPerBatch))),
  );
  const overrides = [
    "algorithm.adv_estimator=grpo",
    `algorithm.norm_adv_by_std_in_grpo=${py(g.advantage === "grpo")}`,
    "algorithm.use_kl_in_reward=False",
    `data.train_files=${data.trainFile}`,
    ...(data.validationFile ? [`data.val_files=${data.validationFile}`] : []),
    "data.prompt_key=prompt",
    `data.train_batch_size=${g.promptsPerBatch}`,
    `data.max_prompt_length=${data.maxPromptLength}`,
    `data.max_response_length=${c.maxResponseTokens}`,
    "data.filter_overlong_prompts=True",
    "data.truncation=error",
    `data.seed=${c.seed}`,
    `actor_rollout_ref.model.path=${c.modelPath}`,
    `actor_rollout_ref.rollout.name=${c.rolloutBackend}`,
    // MISSING (???) in 0.7.0 even with the reward model off; set so nothing reading it aborts.
    `reward_model.rollout.name=${c.rolloutBackend}`,
    `actor_rollout_ref.rollout.n=${g.rolloutsPerPrompt}`,
    "actor_rollout_ref.rollout.temperature=1.0",
    `actor_rollout_ref.rollout.tensor_model_parallel_size=${c.tensorParallelSize}`,
    `actor_rollout_ref.rollout.gpu_memory_utilization=${num(c.gpuMemoryUtilization)}`,
    `actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=${c.logProbMicroBatchPerGpu}`,
    `actor_rollout_ref.actor.ppo_mini_batch_size=${miniBatch}`,
    `actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=${c.microBatchPerGpu}`,
    "actor_rollout_ref.actor.use_dynamic_bsz=False",
    "actor_rollout_ref.actor.ppo_epochs=1",
    "actor_rollout_ref.actor.optim.optimizer=AdamW",
    `actor_rollout_ref.actor.optim.lr=${num(g.optimizer.learningRate)}`,
    `actor_rollout_ref.actor.optim.betas=[${num(g.optimizer.beta1)},${num(g.optimizer.beta2)}]`,
    `actor_rollout_ref.actor.optim.weight_decay=${num(g.optimizer.weightDecay)}`,
    "actor_rollout_ref.actor.optim.lr_scheduler_type=constant",
    "actor_rollout_ref.actor.optim.lr_warmup_steps_ratio=0.0",
    `actor_rollout_ref.actor.grad_clip=${num(g.optimizer.maxGradNorm)}`,
    `actor_rollout_ref.actor.clip_ratio_low=${num(g.epsLow)}`,
    `actor_rollout_ref.actor.clip_ratio_high=${num(g.epsHigh)}`,
    `actor_rollout_ref.actor.use_kl_loss=${py(g.klBeta > 0)}`,
    `actor_rollout_ref.actor.kl_loss_coef=${num(g.klBeta)}`,
    "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
    `actor_rollout_ref.actor.loss_agg_mode=${aggregation[g.aggregation]}`,
    ...(g.aggregation === "constant"
      ? [`actor_rollout_ref.actor.loss_scale_factor=${g.constantNormalizer}`]
      : []),
    ...(g.klBeta > 0
      ? [`actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=${c.logProbMicroBatchPerGpu}`]
      : []),
    ...(g.truncatedIsCap !== undefined
      ? [
          "algorithm.rollout_correction.rollout_is=token",
          `algorithm.rollout_correction.rollout_is_threshold=${num(g.truncatedIsCap)}`,
        ]
      : []),
    "custom_reward_function.path=swerl_reward.py",
    "custom_reward_function.name=compute_score",
    `trainer.nnodes=${c.nodes}`,
    `trainer.n_gpus_per_node=${c.gpusPerNode}`,
    `trainer.total_training_steps=${c.steps}`,
    `trainer.total_epochs=${epochs}`,
    `trainer.save_freq=${c.saveEvery}`,
    `trainer.test_freq=${data.validationFile ? c.testEvery : -1}`,
    `trainer.val_before_train=${py(data.validationFile !== null)}`,
    `trainer.default_local_dir=${checkpointDir}`,
    `trainer.logger=[${c.logger.join(",")}]`,
    "trainer.project_name=swerl",
    `trainer.experiment_name=${c.experimentName}`,
  ];
  validateVerlOverrides(surface, overrides);
  return { overrides, unsupported };
}
