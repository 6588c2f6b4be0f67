import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, RunConfig } from "@swerl/schema";
import { z } from "zod";

/**
 * A stage's own options. Each stage validates its section with its own schema when it runs; here
 * they are open objects so a config file can carry options for stages as they land.
 */
const StageOptions = z.record(z.string(), z.unknown()).default({});

/** The whole `swerl pipeline` configuration: the run's identity plus one section per stage. */
export const PipelineConfig = RunConfig.extend({
  /** Options per stage name; `loadPipelineConfig` rejects names that are not stages. */
  stages: z.record(z.string(), StageOptions).default({}),
});
export type PipelineConfig = z.infer<typeof PipelineConfig>;
export type PipelineConfigInput = z.input<typeof PipelineConfig>;

/** Named starting points; a config file's values override the preset's. */
export const presets: Record<RunConfig["preset"], PipelineConfigInput> = {
  // Everything embedded: demo world, small model trained on the CPU, local executor. <= 15 min on 2 cores.
  // The budget is measured in docs/benchmarks.md ("pipeline: demo preset").
  demo: {
    preset: "demo",
    runId: "demo",
    seed: 0,
    stages: {
      // Curated contexts hold the changed files only (the source and its test file): no unmodified file of
      // another module, which could be a held-out task's file after its fix, enters a training prompt.
      curate: { config: { relevantFiles: { maxRelevantFiles: 0 } } },
      // The SFT baseline is trained on other data than RL's reward signal (as the paper's): Agentless
      // Mini's own prompts built from the training instances, localization (issue + file list -> the file)
      // in two layouts and repair over the localized source file alone, never the RL instances' oracle
      // responses. GRPO then trains on the RL instances (source and test file in context, reward over both).
      // 2000 steps: on the ONNX Runtime engine a step of the default model takes 0.2-0.3 s on 2 loaded
      // cores; at 300 steps every held-out answer was a format error and 0 / 12 tasks resolved, at 2000
      // the policy localizes 10 / 12 tasks and 8 / 12 resolve (docs/benchmarks.md, "demo preset on ORT").
      sft: {
        agentlessExamples: { views: 2, maxFiles: 3 },
        sft: {
          steps: 2000,
          batchSize: 4,
          oracleResponses: false,
          checkpointEvery: 250,
          heldout: { every: 500, maxTokens: 192 },
        },
      },
      // GRPO at temperature 1 and lr 3e-4 for 40 steps of 4 prompts x G=8: SFT leaves the policy nearly
      // deterministic (entropy ~0.03 nats/token), so at the trainer's 0.7 most groups score equal and carry no
      // gradient, and at 1e-4 GRPO moved nothing. Eight samples a prompt leave fewer groups all-equal than
      // four: from the same SFT checkpoint (held-out -0.252) G=8 for 40 steps reached -0.073 and held it,
      // G=4 for 60 steps swung between -0.073 and -0.262 and ended at -0.262 (docs/benchmarks.md, "Whole
      // demo pipeline on a clean clone").
      grpo: {
        grpo: {
          steps: 40,
          checkpointEvery: 20,
          grpo: { rolloutsPerPrompt: 8, optimizer: { learningRate: 3e-4 } },
          sampling: { temperature: 1 },
          heldout: { every: 10, maxTokens: 192 },
        },
      },
      // Real Agentless localization: the policy names the files from the issue and the repository's file
      // list (SFT taught it that prompt); the report labels the mode. Two repairs and one test per
      // instance, sampled in one request each; the demo keeps Agentless's selection order and the strict
      // parser it was measured with (the library defaults are the paper's).
      agentless: {
        localization: "policy",
        numSamples: 2,
        numTests: 1,
        maxFiles: 3,
        maxTokens: 192,
        samplesPerRequest: 2,
        selection: "agentless",
        parse: "strict",
      },
      // the demo world's tests take well under a second: two at once, short limits
      tasks: { workers: 2, timeoutSeconds: 120 },
      eval: { workers: 2, timeoutSeconds: 300 },
    },
  },
  // The paper's settings, for a cluster: real GitHub sources (list the repositories in
  // stages.mine.repositories; GITHUB_TOKEN), GRPO prepared for verl with the paper preset (32 prompts x 16
  // rollouts), Agentless Mini with 500 samples from an OpenAI-compatible server serving the trained model.
  paper: {
    preset: "paper",
    runId: "paper",
    seed: 0,
    stages: {
      mine: { source: "graphql", graphqlUrl: "https://api.github.com" },
      grpo: { engine: "verl" },
      agentless: { policy: "openai:http://127.0.0.1:8001", numSamples: 500, numTests: 30 },
    },
  },
};

/** A config file could not be read or does not validate (the one config error of every package). */
export { ConfigError };

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (
    base &&
    over &&
    typeof base === "object" &&
    typeof over === "object" &&
    !Array.isArray(base) &&
    !Array.isArray(over)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return over;
}

async function readConfigFile(file: string): Promise<unknown> {
  const ext = extname(file);
  if (ext === ".json") {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new ConfigError(file, `cannot read: ${(err as Error).message}`, { cause: err });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConfigError(file, `invalid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  if ([".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
    if (mod.default === undefined)
      throw new ConfigError(file, "a TypeScript/JavaScript config must `export default` the config");
    return mod.default;
  }
  throw new ConfigError(file, "use a .json, .ts or .js config file");
}

/**
 * Resolves the run's config: the preset (from the file or `preset`), the file's values over it, then
 * command-line overrides; validated as a whole, with the offending field named on failure.
 */
export async function loadPipelineConfig(
  file: string | undefined,
  overrides: Partial<Pick<PipelineConfig, "runId" | "preset" | "seed" | "outDir">> = {},
  stageNames?: readonly string[],
): Promise<PipelineConfig> {
  const fromFile = file ? await readConfigFile(file) : {};
  const presetName =
    overrides.preset ??
    (fromFile && typeof fromFile === "object" && "preset" in fromFile
      ? (fromFile as { preset: unknown }).preset
      : "demo");
  const preset = RunConfig.shape.preset.safeParse(presetName);
  if (!preset.success)
    throw new ConfigError(file ?? "<command line>", `preset: ${preset.error.issues[0]!.message}`);
  const merged = deepMerge(deepMerge(presets[preset.data], fromFile), overrides);
  const result = PipelineConfig.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(file ?? "<command line>", `${issue.path.join(".") || "config"}: ${issue.message}`);
  }
  const unknown = stageNames
    ? Object.keys(result.data.stages).filter((name) => !stageNames.includes(name))
    : [];
  if (unknown.length) {
    throw new ConfigError(
      file ?? "<command line>",
      `stages.${unknown[0]}: no such stage; stages are ${stageNames!.join(", ")}`,
    );
  }
  return result.data;
}
