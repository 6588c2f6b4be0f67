/**
 * The local engine's end-to-end result: `trainLocal` (default model created from the instances, SFT then
 * GRPO with the tuned defaults) on toy repair instances, held-out reward and format-error rate before and
 * after, wall time. Usage:
 *   node --conditions=@swerl/source --import tsx bench/demo-run.ts [outDir]
 * DEMO_* environment variables override single settings (see `overrides` below).
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init } from "@jax-js/jax";
import { RlInstance, writeRecords } from "@swerl/schema";
import { type TrainingProgress, trainLocal } from "../src/index.js";
import { toyInstances } from "../src/testing/toy-instances.js";

const env = (name: string) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
const set = (target: Record<string, unknown>, path: string, name: string) => {
  const value = env(name);
  if (value === undefined) return;
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
};
const overrides: Record<string, unknown> = {};
for (const [path, name] of [
  ["model.config.hidden_size", "DEMO_HIDDEN"],
  ["model.config.intermediate_size", "DEMO_FFN"],
  ["model.config.num_hidden_layers", "DEMO_LAYERS"],
  ["model.config.vocab_size", "DEMO_VOCAB"],
  ["sft.steps", "DEMO_SFT_STEPS"],
  ["sft.batchSize", "DEMO_SFT_BATCH"],
  ["sft.optimizer.learningRate", "DEMO_SFT_LR"],
  ["sft.heldout.maxTokens", "DEMO_MAX_TOKENS"],
  ["grpo.steps", "DEMO_GRPO_STEPS"],
  ["grpo.grpo.promptsPerBatch", "DEMO_GRPO_PROMPTS"],
  ["grpo.grpo.rolloutsPerPrompt", "DEMO_GRPO_G"],
  ["grpo.grpo.klBeta", "DEMO_GRPO_KL"],
  ["grpo.grpo.optimizer.learningRate", "DEMO_GRPO_LR"],
  ["grpo.grpo.constantNormalizer", "DEMO_MAX_TOKENS"],
  ["grpo.sampling.maxTokens", "DEMO_MAX_TOKENS"],
  ["grpo.sampling.temperature", "DEMO_TEMPERATURE"],
  ["grpo.heldout.maxTokens", "DEMO_MAX_TOKENS"],
  ["grpo.heldout.every", "DEMO_GRPO_EVAL_EVERY"],
] as const)
  set(overrides, path, name);

const outDir = process.argv[2] ?? join(tmpdir(), "swerl-demo-run");
// DEMO_RESUME=1 keeps outDir: trainLocal resumes (e.g. GRPO variants from one finished SFT).
if (env("DEMO_RESUME") !== 1) await rm(outDir, { recursive: true, force: true });
await init("wasm");
const started = performance.now();
const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);
const instancesFile = join(outDir, "train.jsonl");
const heldoutFile = join(outDir, "heldout.jsonl");
// One file path, one argument pair, two operator families (as the demo world's bug families repeat their
// lines): the model must learn the format and which family the issue describes.
const variety = {
  paths: env("DEMO_TOY_PATHS") ?? 1,
  args: env("DEMO_TOY_ARGS") ?? 1,
  families: env("DEMO_TOY_FAMILIES") ?? 2,
};
await writeRecords(instancesFile, RlInstance, toyInstances(env("DEMO_TRAIN") ?? 200, 1, variety));
await writeRecords(heldoutFile, RlInstance, toyInstances(env("DEMO_HELDOUT") ?? 16, 2, variety));
console.log(`overrides ${JSON.stringify(overrides)} load ${(await import("node:os")).loadavg().join(" ")}`);
const report = (event: TrainingProgress | { kind: "model"; dir: string }) => {
  if (event.kind === "model") console.log(`[${elapsed()}s] model ${event.dir}`);
  else if (event.kind === "step") {
    const m = event.metrics;
    console.log(
      `[${elapsed()}s] ${event.phase} ${event.step}/${event.totalSteps} loss ${m.loss.toFixed(4)}` +
        (m.rewardMean !== undefined
          ? ` reward ${m.rewardMean.toFixed(3)} fmt-err ${m.formatErrorRate?.toFixed(2)} kl ${m.kl?.toExponential(2)} mismatch ${m.logprobMismatch?.toExponential(2)} sample ${m.sampleSeconds?.toFixed(1)}s`
          : "") +
        ` ${m.tokensPerSecond?.toFixed(0)} tok/s ${m.stepSeconds.toFixed(1)}s`,
    );
  } else if (event.kind === "heldout") {
    const h = event.heldout;
    console.log(
      `[${elapsed()}s] HELDOUT ${event.phase} step ${h.step}: reward ${h.rewardMean.toFixed(3)} format errors ${(100 * h.formatErrorRate).toFixed(0)}% length ${h.responseLengthMean.toFixed(0)}`,
    );
  }
};
const result = await trainLocal({
  instancesFile,
  heldoutFile,
  outDir,
  config: overrides,
  onProgress: report,
});
const { before, afterSft, after } = result.heldout;
const fmt = (row: typeof before, key: "rewardMean" | "formatErrorRate") => row?.[key].toFixed(3) ?? "-";
console.log(
  `RESULT held-out reward ${fmt(before, "rewardMean")} -> ${fmt(afterSft, "rewardMean")} (SFT) -> ${fmt(after, "rewardMean")} (GRPO); ` +
    `format errors ${fmt(before, "formatErrorRate")} -> ${fmt(afterSft, "formatErrorRate")} -> ${fmt(after, "formatErrorRate")}; ` +
    `skipped ${result.skippedInstances.length}; total ${elapsed()}s; load ${(await import("node:os")).loadavg().join(" ")}`,
);
