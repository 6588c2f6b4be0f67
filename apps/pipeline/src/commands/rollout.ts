import { RolloutConfig, runRollouts } from "@swerl/rollout";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { openPolicy, PolicySpec } from "../policy-spec.js";
import { type Progress, startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";

/** `swerl rollout`: RolloutConfig with the policy named by a spec instead of a model directory. */
const RolloutCommandConfig = RolloutConfig.omit({ modelDir: true }).extend({
  policy: PolicySpec.describe("onnx:<model directory> or openai:<server URL>"),
  model: z
    .string()
    .min(1)
    .optional()
    .describe("model name: the served model (openai, required) or the name recorded (onnx)"),
  tokenizer: z
    .string()
    .min(1)
    .optional()
    .describe("model directory whose tokenizer templates and counts prompts (openai)"),
  apiKey: z.string().min(1).optional().describe("bearer token for the server"),
});
type Options = z.output<typeof RolloutCommandConfig>;

/** The policy a `--policy` spec names; an OpenAI server needs its model name and tokenizer here. */
async function openRolloutPolicy(options: Options) {
  const onnx = options.policy.startsWith("onnx:");
  if (!onnx && !options.model)
    throw new UsageError("--model: the served model name is required with --policy openai:URL");
  if (!onnx && !options.tokenizer)
    throw new UsageError(
      "--tokenizer: openai:URL needs the served model's directory (tokenizer.json, tokenizer_config.json) to template and budget prompts",
    );
  const concurrency = options.workers ?? (onnx ? 1 : 4);
  const opened = await openPolicy({
    spec: options.policy,
    batchSize: options.n,
    concurrency,
    ...(options.model ? { model: options.model } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return { ...opened, tokenizer: opened.tokenizer!, concurrency };
}

export function registerRollout(program: Command): void {
  const { command, flags } = configCommand(program, "rollout", RolloutCommandConfig, {
    flags: {
      instances: { placeholder: "<file>" },
      out: { placeholder: "<file>" },
      policy: { placeholder: "<onnx:DIR|openai:URL>" },
      model: { placeholder: "<name>" },
      tokenizer: { placeholder: "<dir>" },
      n: { short: "-n", placeholder: "<G>" },
      apiKey: { placeholder: "<key>" },
      workers: { aliases: ["concurrency"] },
    },
    env: { apiKey: "OPENAI_API_KEY" },
  });
  command
    .description(
      "sample G scored patches per RL instance from a local ONNX model or an OpenAI-compatible server",
    )
    .addHelpText(
      "after",
      `
Output: one RolloutGroup per instance (prompt, token ids, samples with token ids, logprobs and finish
reasons, SWE-RL rewards), written in input order as each group finishes; instances whose prompt does not
fit even with every unmodified file dropped are skipped and listed.

Examples:
  $ swerl rollout --instances runs/demo/data/rl.jsonl --policy onnx:runs/demo/model -n 4 --out rollouts.jsonl
  $ swerl rollout --instances rl.jsonl --policy openai:http://127.0.0.1:8001 --model swerl-demo \\
      --tokenizer runs/demo/model -n 16 --temperature 1 --out rollouts.jsonl`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      const opened = await openRolloutPolicy(options);
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once("SIGINT", interrupt);
      let progress: Progress | undefined;
      try {
        const summary = await runRollouts({
          instances: options.instances,
          out: options.out,
          policy: opened.policy,
          tokenizer: opened.tokenizer,
          ...(opened.maxPositions ? { maxPositions: opened.maxPositions } : {}),
          ...(options.maxPromptTokens ? { maxPromptTokens: options.maxPromptTokens } : {}),
          n: options.n,
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          topP: options.topP,
          topK: options.topK,
          seed: options.seed,
          workers: opened.concurrency,
          signal: controller.signal,
          onProgress: (p) => {
            progress ??= startProgress({ label: "rollout", total: p.total, unit: "instances" });
            progress.tick(1, {
              groups: p.groups,
              "tok/s": Math.round(p.tokensPerSecond),
              reward: p.meanReward.toFixed(3),
              resumed: p.resumed,
              skipped: p.overBudget,
            });
          },
        });
        progress?.stop();
        progress = undefined;
        for (const skip of summary.skipped)
          process.stderr.write(`skipped ${skip.instanceId}: ${skip.reason}\n`);
        process.stdout.write(
          `${summary.groups} groups of ${options.n} (${summary.resumed} resumed, ${summary.overBudget} over budget), ${summary.tokens} tokens at ${summary.tokensPerSecond.toFixed(1)} tok/s, mean reward ${summary.meanReward.toFixed(4)}\nout: ${summary.out}\n`,
        );
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        process.stderr.write(`swerl: rollout interrupted; rerun the same command to resume ${options.out}\n`);
        process.exitCode = 130;
      } finally {
        progress?.stop();
        process.off("SIGINT", interrupt);
        await opened.close();
      }
    });
}
