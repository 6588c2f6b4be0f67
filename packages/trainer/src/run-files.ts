import { appendFile, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelDirectoryError } from "@swerl/rollout";
import { readSafetensors, type TrainingMetricsRow, writeSafetensors } from "@swerl/schema";
import { z } from "zod";
import { AdamOptimizer } from "./adam.js";
import type { AdamConfig } from "./config.js";
import type { LlamaWeights } from "./jit-llama.js";
import { readModelDir, writeModelDir } from "./model-dir.js";

/** One line of `heldout.jsonl`: the policy's held-out reward after `step` optimisation steps. */
export const HeldoutRow = z.object({
  phase: z.enum(["sft", "grpo"]),
  step: z.number().int().nonnegative(),
  time: z.string(),
  instances: z.number().int().nonnegative(),
  rewardMean: z.number(),
  formatErrorRate: z.number().min(0).max(1),
  responseLengthMean: z.number(),
});
export type HeldoutRow = z.infer<typeof HeldoutRow>;

/** A metrics row plus the local engine's own figures (extra keys; readers of TrainingMetricsRow ignore them). */
export type LocalMetricsRow = TrainingMetricsRow & {
  gradNorm?: number;
  logprobMismatch?: number;
  logprobMismatchMax?: number;
  sampleSeconds?: number;
  droppedGroups?: number;
};

const TrainerState = z.object({
  phase: z.enum(["sft", "grpo"]),
  step: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
});
type TrainerState = z.infer<typeof TrainerState>;

const STATE_FILE = "trainer-state.json";
const OPTIMIZER_FILE = "optimizer.safetensors";

/** `checkpoints/step-N/`: a full model dir, the optimizer state and `trainer-state.json` (written last). */
export async function saveCheckpoint(
  outDir: string,
  sourceModelDir: string,
  weights: LlamaWeights,
  optimizer: AdamOptimizer,
  state: TrainerState,
): Promise<string> {
  const dir = join(outDir, "checkpoints", `step-${state.step}`);
  await writeModelDir(sourceModelDir, dir, weights);
  const { tensors, metadata } = optimizer.toSafetensors(weights.shapes);
  await writeSafetensors(join(dir, OPTIMIZER_FILE), tensors, metadata);
  const temp = join(dir, `${STATE_FILE}.partial`);
  await writeFile(temp, `${JSON.stringify(state)}\n`);
  await rename(temp, join(dir, STATE_FILE));
  return dir;
}

/** The latest complete checkpoint of `outDir` for `phase`, or null. */
export async function loadLatestCheckpoint(
  outDir: string,
  phase: TrainerState["phase"],
  optimizerConfig: AdamConfig,
): Promise<{ state: TrainerState; weights: LlamaWeights; optimizer: AdamOptimizer; dir: string } | null> {
  const root = join(outDir, "checkpoints");
  const steps = (await readdir(root).catch(() => [] as string[]))
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const step of steps) {
    const dir = join(root, `step-${step}`);
    const raw = await readFile(join(dir, STATE_FILE), "utf8").catch(() => null);
    if (raw === null) continue;
    const parsed = TrainerState.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new ModelDirectoryError(join(dir, STATE_FILE), parsed.error.message);
    if (parsed.data.phase !== phase) continue;
    const { weights } = await readModelDir(dir);
    const { tensors, metadata } = await readSafetensors(join(dir, OPTIMIZER_FILE));
    return {
      state: parsed.data,
      weights,
      optimizer: AdamOptimizer.fromSafetensors(optimizerConfig, tensors, metadata),
      dir,
    };
  }
  return null;
}

/** An append-only JSONL file that, on resume, first drops rows written after the checkpoint's step. */
export class RunLog<Row extends { step: number }> {
  readonly file: string;

  private constructor(file: string) {
    this.file = file;
  }

  static async open<Row extends { step: number }>(
    file: string,
    keepThroughStep: number,
  ): Promise<RunLog<Row>> {
    const raw = await readFile(file, "utf8").catch(() => "");
    const kept = raw
      .split("\n")
      .filter((line) => line.trim() !== "")
      .filter((line) => (JSON.parse(line) as { step: number }).step <= keepThroughStep);
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, kept.map((line) => `${line}\n`).join(""));
    return new RunLog<Row>(file);
  }

  async append(row: Row): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(row)}\n`);
  }

  /** Every row in the file (those an earlier run wrote, then this run's). */
  async rows(): Promise<Row[]> {
    const raw = await readFile(this.file, "utf8");
    return raw
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Row);
  }
}

/** Deterministic data order: the instance indices of `step`, walking seeded permutations epoch by epoch. */
export function batchIndices(count: number, batchSize: number, step: number, seed: number): number[] {
  const permutation = (epoch: number) => {
    let state = (Math.imul(seed + 1, 2654435761) ^ Math.imul(epoch + 1, 40503)) >>> 0 || 1;
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const j = (state >>> 0) % (i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    return order;
  };
  const out: number[] = [];
  let cachedEpoch = -1;
  let order: number[] = [];
  for (let k = 0; k < batchSize; k++) {
    const global = step * batchSize + k;
    const epoch = Math.floor(global / count);
    if (epoch !== cachedEpoch) {
      order = permutation(epoch);
      cachedEpoch = epoch;
    }
    out.push(order[global % count] as number);
  }
  return out;
}
