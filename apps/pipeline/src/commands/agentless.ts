import { join } from "node:path";
import {
  AgentlessConfig,
  type AgentlessRun,
  type AgentlessStage,
  readSpecsFile,
  runAgentless,
} from "@swerl/agentless";
import { LocalExecutor, registerRepositorySpec, runEvaluation } from "@swerl/eval";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { readEnvironmentsFile } from "../cli/read-environments.js";
import { evaluationProgress } from "../evaluation-progress.js";
import { openPolicy, PolicySpec } from "../policy-spec.js";
import { type Progress, startProgress } from "../progress.js";
import { formatAgentlessSummary, percent } from "./agentless-summary.js";

export { formatAgentlessSummary } from "./agentless-summary.js";

/** `swerl agentless`: AgentlessConfig, plus the policy to open and the optional evaluation after. */
const AgentlessCommandConfig = AgentlessConfig.extend({
  policy: PolicySpec.describe("onnx:<model directory> or openai:<server URL>"),
  model: z
    .string()
    .min(1)
    .optional()
    .describe("the served model (openai; default: the first it lists) or the name recorded (onnx)"),
  tokenizer: z
    .string()
    .min(1)
    .optional()
    .describe("openai only: the model directory whose chat template and tokenizer to use"),
  threads: z.number().int().positive().optional().describe("onnx only: ONNX Runtime intra-op threads"),
  maxConcurrentRequests: z
    .number()
    .int()
    .positive()
    .default(64)
    .describe("openai only: requests in flight at once"),
  environmentsFile: z
    .string()
    .min(1)
    .optional()
    .describe("JSON object: repository -> { interpreter, path, env }"),
  eval: z
    .boolean()
    .default(false)
    .describe("then grade all_preds.jsonl with the SWE-bench harness into <output_folder>/eval"),
  runId: z
    .string()
    .regex(/^[\w.-]+$/, "letters, digits, _ . - only")
    .default("agentless")
    .describe("run id of the evaluation"),
  timeoutSeconds: z
    .number()
    .positive()
    .default(1800)
    .describe("evaluation: time limit of each instance's tests, in seconds"),
  harness: z.enum(["v4.0.4", "v5.0.2"]).default("v4.0.4").describe("official harness release to match"),
});

export function registerAgentless(program: Command): void {
  const { command, flags } = configCommand(program, "agentless", AgentlessCommandConfig, {
    flags: {
      dataset: { placeholder: "<file>" },
      reposDir: { name: "repos", placeholder: "<dir>" },
      outDir: { name: "output_folder", aliases: ["out"], placeholder: "<dir>" },
      specsFile: { name: "specs", placeholder: "<file>" },
      environmentsFile: { name: "environments", placeholder: "<file>" },
      policy: { placeholder: "<onnx:DIR|openai:URL>" },
      numSamples: { name: "num_samples", aliases: ["samples"] },
      numTests: { name: "num_tests", aliases: ["tests"] },
      maxInputTokens: { name: "max_input_tokens", aliases: ["max-prompt-tokens"] },
      maxTokens: { name: "max_tokens", aliases: ["max-tokens"] },
      locFile: { name: "loc_file", placeholder: "<file>" },
      patchFolder: { name: "patch_folder", placeholder: "<dir>" },
      numShards: { name: "num_shards" },
      modelNameOrPath: { name: "model_name_or_path", placeholder: "<name>" },
      maxConcurrentRequests: { name: "max_concurrent_requests" },
      timeoutSeconds: { aliases: ["timeout"] },
    },
    omit: {
      specs: "given as a --specs file",
      environments: "given as an --environments file",
    },
  });
  command
    // wide enough that every flag's help and default stay on one line
    .configureHelp({ helpWidth: 140 })
    .description(
      "Agentless Mini with one policy: localize files, sample repairs, generate and run tests, rerank, write all_preds.jsonl",
    )
    .addHelpText(
      "after",
      `
Writes to --output_folder the official Agentless / SWE-RL files (loc.jsonl, repair/output.jsonl,
repair/output_{i}_processed.jsonl, _normalized.jsonl, _regression_test_results.jsonl,
_reproduction_test_results.jsonl, regression_tests.jsonl, all_preds.jsonl) and swerl's own index:
localization.json, stages.json, summary.json, instances/<id>/<stage>.json.

Examples:
  $ swerl agentless --dataset demo.jsonl --repos demo/mirrors --specs demo/specs.json \\
      --policy onnx:runs/demo/model --num_samples 4 --num_tests 2 --max_tokens 256 --output_folder runs/agentless --eval
  $ swerl agentless --dataset verified.jsonl --repos mirrors --policy openai:http://127.0.0.1:8001 \\
      --model swerl-demo --tokenizer runs/demo/model --num_samples 500 --shard 0 --num_shards 125 \\
      --output_folder runs/verified`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      const environments = options.environmentsFile
        ? await readEnvironmentsFile(options.environmentsFile)
        : {};
      const opened = await openPolicy({
        spec: options.policy,
        batchSize: options.samplesPerRequest,
        concurrency: options.maxConcurrentRequests,
        ...(options.model ? { model: options.model } : {}),
        ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      });
      const bars = new Map<AgentlessStage, Progress>();
      let run: AgentlessRun;
      try {
        run = await runAgentless(
          { ...options, environments },
          {
            policy: opened.policy,
            ...(opened.maxPositions !== undefined ? { contextLength: opened.maxPositions } : {}),
            ...(opened.tokenizer
              ? { countTokens: opened.tokenizer.countTokens, chatTemplate: opened.tokenizer.chatTemplate }
              : {}),
            onProgress: (p) => {
              if (p.phase === "start")
                bars.set(
                  p.stage,
                  startProgress({ label: `agentless ${p.stage}`, total: p.total, unit: "instances" }),
                );
              else if (p.phase === "instance" && p.counts) bars.get(p.stage)?.tick(1, p.counts);
              else if (p.phase === "end") {
                bars.get(p.stage)?.stop();
                bars.delete(p.stage);
              }
            },
          },
        );
      } finally {
        for (const bar of bars.values()) bar.stop();
        await opened.close();
      }
      process.stdout.write(`${formatAgentlessSummary(run.localization, run.counts)}\n`);
      const resumedStages = Object.entries(run.stageStatus)
        .filter(([, s]) => s.resumed > 0)
        .map(([stage, s]) => `${stage} ${s.resumed}`);
      if (resumedStages.length)
        process.stdout.write(`resumed from ${options.outDir}: ${resumedStages.join(", ")}\n`);
      process.stdout.write(`predictions: ${run.predictionsPath}\n`);
      if (!options.eval) return;
      // the harness reads test specs from its registry
      if (options.specsFile)
        for (const [repo, spec] of Object.entries(await readSpecsFile(options.specsFile)))
          registerRepositorySpec(repo, spec);
      const executor = new LocalExecutor({ reposDir: options.reposDir, environments });
      const progress = evaluationProgress((total) =>
        startProgress({ label: "eval", total, unit: "instances" }),
      );
      try {
        const evaluation = await runEvaluation(
          {
            datasetName: options.dataset,
            predictionsPath: run.predictionsPath,
            runId: options.runId,
            logDir: join(options.outDir, "eval"),
            reportDir: join(options.outDir, "eval"),
            instanceIds: run.stages.map((s) => s.instanceId),
            timeoutSeconds: options.timeoutSeconds,
            harness: options.harness,
          },
          { executor, onProgress: progress.onProgress },
        );
        progress.stop();
        const r = evaluation.report;
        process.stdout.write(
          `eval: ${r.resolved_instances}/${r.total_instances} resolved (${percent(r.resolved_instances, r.total_instances)}), ${r.unresolved_instances} unresolved, ${r.empty_patch_instances} empty, ${r.error_instances} errors\nreport: ${evaluation.reportPath}\n`,
        );
      } finally {
        progress.stop();
        await executor.close();
      }
    });
}
