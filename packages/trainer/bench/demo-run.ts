/**
 * The local engine's end-to-end result: SFT then GRPO on the toy repair world (a from-scratch Llama),
 * held-out reward and format-error rate before and after, wall time. Usage:
 *   node --conditions=@swerl/source --import tsx bench/demo-run.ts [outDir]
 * Sizes come from the DEMO_* environment variables below.
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init } from "@jax-js/jax";
import { runGrpo, runSft, type TrainingProgress } from "../src/index.js";
import { writeToyWorld } from "../src/testing/toy-world.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const outDir = process.argv[2] ?? join(tmpdir(), "swerl-demo-run");
await rm(outDir, { recursive: true, force: true });
await init("wasm");
const started = performance.now();
const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);
const world = await writeToyWorld({
  dir: join(outDir, "world"),
  train: env("DEMO_TRAIN", 200),
  heldout: env("DEMO_HELDOUT", 16),
  vocabSize: env("DEMO_VOCAB", 1024),
  useRegex: env("DEMO_USE_REGEX", 0) === 1,
  config: {
    hidden_size: env("DEMO_HIDDEN", 96),
    intermediate_size: env("DEMO_FFN", 256),
    num_hidden_layers: env("DEMO_LAYERS", 2),
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 1024,
  },
});
console.log(`[${elapsed()}s] world: vocab ${world.config.vocab_size}, hidden ${world.config.hidden_size}`);
const report = (event: TrainingProgress) => {
  if (event.kind === "step") {
    const m = event.metrics;
    console.log(
      `[${elapsed()}s] ${event.phase} ${event.step}/${event.totalSteps} loss ${m.loss.toFixed(4)}` +
        (m.rewardMean !== undefined
          ? ` reward ${m.rewardMean.toFixed(3)} fmt-err ${m.formatErrorRate?.toFixed(2)} kl ${m.kl?.toExponential(2)} mismatch ${m.logprobMismatch?.toExponential(2)}`
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
const sft = await runSft({
  instancesFile: world.instancesFile,
  heldoutFile: world.heldoutFile,
  modelDir: world.modelDir,
  outDir: join(outDir, "sft"),
  onProgress: report,
  config: {
    steps: env("DEMO_SFT_STEPS", 60),
    batchSize: env("DEMO_SFT_BATCH", 8),
    oracleContextLines: 0,
    checkpointEvery: 1000,
    optimizer: { learningRate: env("DEMO_SFT_LR", 3e-3) },
    heldout: { every: env("DEMO_SFT_EVAL_EVERY", 0), maxTokens: env("DEMO_MAX_TOKENS", 96) },
  },
});
const grpo = await runGrpo({
  instancesFile: world.instancesFile,
  heldoutFile: world.heldoutFile,
  modelDir: sft.modelDir,
  outDir: join(outDir, "grpo"),
  onProgress: report,
  config: {
    steps: env("DEMO_GRPO_STEPS", 10),
    checkpointEvery: 1000,
    grpo: {
      preset: "dr-grpo",
      promptsPerBatch: env("DEMO_GRPO_PROMPTS", 4),
      rolloutsPerPrompt: env("DEMO_GRPO_G", 4),
      constantNormalizer: env("DEMO_MAX_TOKENS", 96),
      optimizer: { learningRate: env("DEMO_GRPO_LR", 1e-3) },
    },
    sampling: { maxTokens: env("DEMO_MAX_TOKENS", 96) },
    heldout: { every: env("DEMO_GRPO_EVAL_EVERY", 0), maxTokens: env("DEMO_MAX_TOKENS", 96) },
  },
});
const first = sft.heldout[0];
const last = grpo.heldout.at(-1);
console.log(
  `RESULT held-out reward ${first?.rewardMean.toFixed(3)} -> ${sft.heldout.at(-1)?.rewardMean.toFixed(3)} (SFT) -> ${last?.rewardMean.toFixed(3)} (GRPO); format errors ${first?.formatErrorRate.toFixed(2)} -> ${sft.heldout.at(-1)?.formatErrorRate.toFixed(2)} -> ${last?.formatErrorRate.toFixed(2)}; total ${elapsed()}s`,
);
