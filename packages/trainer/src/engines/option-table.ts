/**
 * How each GRPO preset option reaches each engine (the trainer README's table is this, rendered by
 * `renderOptionTable`; a test keeps them equal and checks every GrpoConfig key is here). "unsupported"
 * entries are reported by the launch when the preset's value differs from what the engine does.
 */
export const PRESET_OPTION_TABLE: ReadonlyArray<{ option: string; verl: string; openrlhf: string }> = [
  {
    option: "promptsPerBatch",
    verl: "`data.train_batch_size`",
    openrlhf: "`--rollout.batch_size` (`--rollout_batch_size`)",
  },
  {
    option: "rolloutsPerPrompt",
    verl: "`actor_rollout_ref.rollout.n`",
    openrlhf: "`--rollout.n_samples_per_prompt` (`--n_samples_per_prompt`)",
  },
  {
    option: "optimizerStepsPerBatch",
    verl: "`actor.ppo_mini_batch_size` = prompts / steps, `ppo_epochs=1`",
    openrlhf: "`--train.batch_size` = prompts x G / steps, `--train.max_epochs 1`",
  },
  {
    option: "advantage",
    verl: "`algorithm.adv_estimator=grpo`, `norm_adv_by_std_in_grpo` (False for dr-grpo)",
    openrlhf: "`--algo.advantage.estimator group_norm` or `dr_grpo`",
  },
  { option: "stdEstimator", verl: "unbiased only (torch.std)", openrlhf: "unbiased only (torch.std)" },
  {
    option: "advantageEpsilon",
    verl: "fixed 1e-6 (other values: unsupported)",
    openrlhf: "fixed 1e-9 (other values: unsupported)",
  },
  { option: "epsLow", verl: "`actor.clip_ratio_low`", openrlhf: "`--actor.eps_clip_low_high` (first)" },
  { option: "epsHigh", verl: "`actor.clip_ratio_high`", openrlhf: "`--actor.eps_clip_low_high` (second)" },
  {
    option: "klBeta",
    verl: "`actor.use_kl_loss`, `kl_loss_coef`, `kl_loss_type=low_var_kl` (k3)",
    openrlhf: "`--algo.kl.use_loss`, `--algo.kl.estimator k3`, `--algo.kl.init_coef`",
  },
  {
    option: "aggregation",
    verl: "`actor.loss_agg_mode`: token-mean, seq-mean-token-mean, seq-mean-token-sum-norm",
    openrlhf: "token-mean only (others: unsupported)",
  },
  {
    option: "constantNormalizer",
    verl: "`actor.loss_scale_factor` (with constant aggregation)",
    openrlhf: "unsupported",
  },
  {
    option: "equalRewardGroups",
    verl: "keep only (drop: unsupported; DAPO's filter_groups is in verl's recipe, not main_ppo)",
    openrlhf: "keep only (drop: unsupported; dynamic filtering is by mean-reward range)",
  },
  {
    option: "truncatedIsCap",
    verl: "`algorithm.rollout_correction.rollout_is=token`, `rollout_is_threshold`",
    openrlhf: "`--algo.advantage.is_correction_enable`, `_type tis`, `_threshold 0 C`",
  },
  {
    option: "optimizer.name",
    verl: "`actor.optim.optimizer=AdamW` (Adam when weight decay is 0)",
    openrlhf: "DeepSpeed Adam",
  },
  {
    option: "optimizer.learningRate",
    verl: "`actor.optim.lr`",
    openrlhf: "`--actor.adam.lr` (`--actor_learning_rate`)",
  },
  {
    option: "optimizer.beta1, beta2",
    verl: "`actor.optim.betas`",
    openrlhf: "`--actor.adam.betas` (`--adam_betas`)",
  },
  {
    option: "optimizer.epsilon",
    verl: "fixed 1e-8 (other values: unsupported)",
    openrlhf: "`--actor.adam.eps` (0.10.1: fixed 1e-8)",
  },
  {
    option: "optimizer.weightDecay",
    verl: "`actor.optim.weight_decay`",
    openrlhf: "`--actor.adam.weight_decay` (`--l2`)",
  },
  {
    option: "optimizer.maxGradNorm",
    verl: "`actor.grad_clip`",
    openrlhf: "`--actor.max_norm` (`--max_norm`)",
  },
  {
    option: "(constant LR, no warm-up)",
    verl: "`actor.optim.lr_scheduler_type=constant`, `lr_warmup_steps_ratio=0`",
    openrlhf:
      "`--actor.lr_scheduler constant`, `--actor.lr_warmup_ratio 0` (0.10.1: unsupported, cosine to 0.1x)",
  },
  {
    option: "steps",
    verl: "`trainer.total_training_steps` (+ `total_epochs` to cover them)",
    openrlhf: "`--train.num_episodes` (whole episodes: may exceed)",
  },
];

/** The table as Markdown (the trainer README holds this text). */
export function renderOptionTable(): string {
  const rows = PRESET_OPTION_TABLE.map((r) => `| \`${r.option}\` | ${r.verl} | ${r.openrlhf} |`);
  return [
    "| option | verl 0.7.0 key | OpenRLHF 0.11 flag (0.10.1 name) |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}
