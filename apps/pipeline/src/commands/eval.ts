import { EvaluationConfig, EvaluationInputError, type EvaluationRun, runEvaluation } from "@swerl/eval";
import { type Command, Option } from "commander";
import { configCommand } from "../cli/config-options.js";
import { evaluationProgress } from "../evaluation-progress.js";
import { startProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";

/** The console summary: verdict counts, each errored instance with its cause, flaky instances. */
export function evaluationSummary(run: EvaluationRun): string {
  const lines: string[] = [];
  for (const model of run.runs) {
    const r = model.report;
    lines.push(
      `${run.runs.length > 1 ? `${model.model}: ` : ""}${r.resolved_instances}/${r.total_instances} resolved, ${r.unresolved_instances} unresolved, ${r.empty_patch_instances} empty, ${r.error_instances} errors`,
    );
    for (const outcome of model.outcomes) {
      if (outcome.status === "error" || outcome.report?.infra_failure)
        lines.push(`  error ${outcome.instanceId}: ${outcome.error ?? outcome.failureReason ?? "unknown"}`);
    }
    for (const flaky of model.flaky)
      lines.push(
        `  flaky ${flaky.instance_id}: verdicts ${flaky.verdicts.join(", ")}${flaky.tests.length ? `; tests ${flaky.tests.join(", ")}` : ""}`,
      );
    lines.push(`report: ${model.reportPath}`);
  }
  return `${lines.join("\n")}\n`;
}

export function registerEval(program: Command): void {
  const { command, flags } = configCommand(program, "eval", EvaluationConfig, {
    description:
      "run the SWE-bench harness (a drop-in for the official one): apply predictions, run the tests locally or in Docker, grade like the official harness",
    flags: {
      datasetName: { name: "dataset_name", aliases: ["dataset"], placeholder: "<file|owner/name>" },
      split: { name: "split" },
      predictionsPath: {
        name: "predictions_path",
        aliases: ["predictions"],
        placeholder: "<file>",
      },
      instanceIds: { name: "instance_ids", aliases: ["instance-ids"], placeholder: "<ids...>" },
      repo: { placeholder: "<owner/name>" },
      workers: { name: "max_workers", aliases: ["workers"] },
      runId: { name: "run_id", aliases: ["run-id"], placeholder: "<id>" },
      timeoutSeconds: { name: "timeout", placeholder: "<seconds>" },
      reportDir: { name: "report_dir", placeholder: "<dir>" },
      logDir: { placeholder: "<dir>" },
      specs: { placeholder: "<file>" },
      repos: { placeholder: "<dir>" },
      environments: { placeholder: "<file>" },
    },
  });
  command
    .addOption(new Option("--out <dir>", "deprecated: use --log-dir DIR --report_dir DIR").hideHelp())
    .addHelpText(
      "after",
      `
Logs: <log-dir>/<run_id>/<model>/<instance_id>/{patch.diff,eval.sh,test_output.txt,report.json,run_instance.log};
run report: <report_dir>/<model>.<run_id>.json. A rerun with the same run id resumes (a torn report or a
changed patch is evaluated again). --executor local runs patches on this host with your rights; --executor
docker isolates them (build the images first with \`swerl images build\`).

Examples:
  $ swerl eval --dataset_name verified.jsonl --predictions_path gold --repos mirrors --run_id gold --max_workers 2
  $ swerl eval --dataset_name runs/demo/world/bench.jsonl --predictions_path preds.jsonl --executor docker --run_id r1
  $ swerl eval --dataset_name tasks.jsonl --predictions_path gold --repeat 3 --run_id validate   # find flaky tasks`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const out = typeof raw.out === "string" ? raw.out : undefined;
      if (out) process.stderr.write("swerl: --out is deprecated: use --log-dir DIR --report_dir DIR\n");
      const config = flags.read(raw, out ? { logDir: out, reportDir: out } : {});
      const progress = evaluationProgress((total) =>
        startProgress({ label: "eval", total, unit: "instances" }),
      );
      const abort = new AbortController();
      const onSigint = () => {
        process.stderr.write("swerl: interrupted; removing the run's containers and worktrees\n");
        abort.abort();
      };
      process.once("SIGINT", onSigint);
      try {
        const run = await runEvaluation(config, {
          onProgress: progress.onProgress,
          onWarning: (message) => process.stderr.write(`swerl: ${message}\n`),
          signal: abort.signal,
        }).catch((error: unknown) => {
          // bad input named before any work: a usage error (exit 2)
          if (error instanceof EvaluationInputError) throw new UsageError(error.message);
          throw error;
        });
        progress.stop();
        process.stdout.write(evaluationSummary(run));
      } finally {
        process.off("SIGINT", onSigint);
        progress.stop();
      }
    });
}
