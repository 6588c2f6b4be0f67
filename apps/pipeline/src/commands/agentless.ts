import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AgentlessCounts,
  type AgentlessRun,
  type AgentlessStage,
  LocalExecutor,
  type LocalizationRates,
  RepositoryEnvironment,
  runAgentless,
  runEvaluation,
} from "@swerl/eval";
import type { Command } from "commander";
import { z } from "zod";
import { evaluationProgress } from "../evaluation-progress.js";
import { openPolicy, PolicySpec } from "../policy-spec.js";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions, UsageError } from "../usage-error.js";

const Options = z.object({
  dataset: z.string().min(1),
  repos: z.string().min(1),
  specs: z.string().min(1).optional(),
  environments: z.string().min(1).optional(),
  policy: PolicySpec,
  model: z.string().min(1).optional(),
  tokenizer: z.string().min(1).optional(),
  samples: z.coerce.number().int().positive().default(4),
  tests: z.coerce.number().int().nonnegative().optional(),
  localizationSamples: z.coerce.number().int().positive().optional(),
  localization: z.enum(["policy", "oracle"]).default("policy"),
  maxFiles: z.coerce.number().int().positive().default(3),
  maxPromptTokens: z.coerce.number().int().positive().optional(),
  maxTokens: z.coerce.number().int().positive().default(1024),
  temperature: z.coerce.number().nonnegative().default(0.8),
  seed: z.coerce.number().int().nonnegative().default(0),
  regression: z.boolean().default(true),
  instanceIds: z.array(z.string()).optional(),
  threads: z.coerce.number().int().positive().optional(),
  out: z.string().min(1),
  eval: z.boolean().default(false),
  runId: z
    .string()
    .regex(/^[\w.-]+$/, "letters, digits, _ . - only")
    .default("agentless"),
  timeout: z.coerce.number().positive().default(1800),
  harness: z.enum(["v4.0.4", "v5.0.2"]).default("v4.0.4"),
});

async function readEnvironments(
  file: string,
): Promise<Record<string, z.input<typeof RepositoryEnvironment>>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--environments: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), RepositoryEnvironment).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--environments: ${file}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}

const percent = (part: number, whole: number) =>
  whole === 0 ? "0.0%" : `${((100 * part) / whole).toFixed(1)}%`;

/** One line per stage: localization rates, then what each later stage produced. */
export function formatAgentlessSummary(rates: LocalizationRates, counts: AgentlessCounts): string {
  const n = rates.instances;
  const rules = Object.entries(counts.rerank.decidedBy)
    .map(([rule, k]) => `${rule} ${k}`)
    .join(", ");
  return [
    `localize: ${n} instances, all gold files found ${rates.allFound} (${percent(rates.allFound, n)}), any ${rates.anyFound} (${percent(rates.anyFound, n)}), none ${rates.noneFound} (${percent(rates.noneFound, n)}); ${counts.localize.samples} samples`,
    `repair: ${counts.repair.samples} samples, ${counts.repair.nonEmpty} non-empty, ${counts.repair.unique} distinct, ${counts.repair.instancesWithCandidates} instances with a candidate; ${Object.entries(
      counts.repair.byStatus,
    )
      .filter(([, k]) => k > 0)
      .map(([status, k]) => `${status} ${k}`)
      .join(", ")}`,
    `reproduce: ${counts.reproduce.samples} tests sampled, ${counts.reproduce.extracted} extracted, ${counts.reproduce.reproducing} reproducing on the original code, ${counts.reproduce.instancesWithTest} instances with a selected test`,
    `regression: ${counts.regression.candidatesTested} candidates tested on ${counts.regression.instancesTested} instances, ${counts.regression.withoutRegressions} without regressions`,
    `rerank: ${counts.rerank.predictions} predictions, ${counts.rerank.nonEmpty} non-empty${rules ? ` (decided by ${rules})` : ""}`,
  ].join("\n");
}

export function registerAgentless(program: Command): void {
  program
    .command("agentless")
    .description(
      "Agentless Mini with one policy: localize files, sample repairs, generate and run tests, rerank, write all_preds.jsonl",
    )
    .requiredOption("--dataset <file>", "SWE-bench instances (JSON, JSONL or Parquet)")
    .requiredOption("--repos <dir>", "directory of bare mirrors named owner__name.git")
    .option("--specs <file>", "JSON object: repository -> test spec, for repositories outside SWE-bench")
    .option("--environments <file>", "JSON object: repository -> { interpreter, path, env }")
    .requiredOption("--policy <onnx:DIR|openai:URL>", "onnx:<model directory> or openai:<server URL>")
    .option(
      "--model <name>",
      "the served model (openai; default: the first it lists) or the name recorded (onnx)",
    )
    .option("--tokenizer <dir>", "openai only: the model directory whose chat template and tokenizer to use")
    .option("--samples <K>", "repair samples per instance", "4")
    .option("--tests <T>", "reproduction-test samples per instance, 0 for none (default: K)")
    .option("--localization-samples <n>", "localization samples (views of the tree) (default: min(K, 4))")
    .option(
      "--localization <how>",
      "policy (Agentless), or oracle: the gold patch's files (an ablation that isolates repair)",
      "policy",
    )
    .option("--max-files <n>", "files kept by localization", "3")
    .option("--max-prompt-tokens <n>", "prompt budget (default: 16384, less when the context is shorter)")
    .option("--max-tokens <n>", "most tokens per sample", "1024")
    .option("--temperature <t>", "sampling temperature of repair and test samples", "0.8")
    .option("--seed <n>", "sampling seed", "0")
    .option("--no-regression", "do not run the repositories' tests for regressions")
    .option("--instance-ids <ids...>", "only these instances")
    .option("--threads <n>", "onnx only: ONNX Runtime intra-op threads")
    .requiredOption("--out <dir>", "output directory; a rerun resumes each instance at the stage it reached")
    .option("--eval", "then grade all_preds.jsonl with the SWE-bench harness (as swerl eval) into <out>/eval")
    .option("--run-id <id>", "run id of the evaluation", "agentless")
    .option("--timeout <seconds>", "time limit of each instance's tests in the evaluation", "1800")
    .option("--harness <version>", "official harness release to match: v4.0.4 or v5.0.2", "v4.0.4")
    .addHelpText(
      "after",
      `
Writes to --out: all_preds.jsonl (official predictions format), localization.json, stages.json,
summary.json, and instances/<id>/<stage>.json for every stage of every instance.

Examples:
  $ swerl agentless --dataset demo.jsonl --repos demo/mirrors --specs demo/specs.json \\
      --policy onnx:runs/demo/model --samples 4 --tests 2 --out runs/agentless --eval
  $ swerl agentless --dataset verified.jsonl --repos mirrors --policy openai:http://127.0.0.1:8001 \\
      --model swerl-demo --tokenizer runs/demo/model --samples 8 --out runs/verified`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      const environments = options.environments ? await readEnvironments(options.environments) : {};
      const opened = await openPolicy({
        spec: options.policy,
        batchSize: options.samples,
        ...(options.model ? { model: options.model } : {}),
        ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      });
      const bars = new Map<AgentlessStage, Progress>();
      let run: AgentlessRun;
      try {
        // the chat template's own tokens (and a few for merges at the seams) come out of the context too
        const templateTokens = opened.tokenizer
          ? opened.tokenizer.countTokens(
              opened.tokenizer.chatTemplate.render(
                [
                  { role: "system", content: "" },
                  { role: "user", content: "" },
                ],
                { addGenerationPrompt: true },
              ),
            ) + 8
          : 0;
        const contextBudget =
          opened.maxPositions !== undefined
            ? opened.maxPositions - options.maxTokens - templateTokens
            : undefined;
        if (contextBudget !== undefined && contextBudget <= 0)
          throw new UsageError(
            `--max-tokens: ${options.maxTokens} leaves no room for a prompt in the model's ${opened.maxPositions} positions`,
          );
        const maxPromptTokens =
          options.maxPromptTokens ?? Math.min(16_384, contextBudget ?? Number.POSITIVE_INFINITY);
        run = await runAgentless({
          dataset: options.dataset,
          reposDir: options.repos,
          specsFile: options.specs,
          environments,
          policy: opened.policy,
          outDir: options.out,
          samples: options.samples,
          tests: options.tests,
          regression: options.regression,
          localizationSamples: options.localizationSamples,
          localization: options.localization,
          maxFiles: options.maxFiles,
          maxPromptTokens,
          maxTokens: options.maxTokens,
          temperature: options.temperature,
          seed: options.seed,
          instanceIds: options.instanceIds,
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
        });
      } finally {
        for (const bar of bars.values()) bar.stop();
        await opened.close();
      }
      process.stdout.write(`${formatAgentlessSummary(run.localization, run.counts)}\n`);
      const resumedStages = Object.entries(run.stageStatus)
        .filter(([, s]) => s.resumed > 0)
        .map(([stage, s]) => `${stage} ${s.resumed}`);
      if (resumedStages.length)
        process.stdout.write(`resumed from ${options.out}: ${resumedStages.join(", ")}\n`);
      process.stdout.write(`predictions: ${run.predictionsPath}\n`);
      if (!options.eval) return;
      const executor = new LocalExecutor({ reposDir: options.repos, environments });
      const progress = evaluationProgress((total) =>
        startProgress({ label: "eval", total, unit: "instances" }),
      );
      try {
        const evaluation = await runEvaluation(
          {
            datasetName: options.dataset,
            predictionsPath: run.predictionsPath,
            runId: options.runId,
            logDir: join(options.out, "eval"),
            reportDir: join(options.out, "eval"),
            ...(options.instanceIds ? { instanceIds: options.instanceIds } : {}),
            timeoutSeconds: options.timeout,
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
