import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { RunConfig } from "@swerl/schema";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { loadPipelineConfig } from "../pipeline/config.js";
import { planPipeline, runPipeline } from "../pipeline/runner.js";
import { pipelineStages } from "../pipeline/stages.js";

/** What one `swerl pipeline` invocation does: which config, which run, which stages. */
export const PipelineRunConfig = z.object({
  config: z
    .string()
    .min(1)
    .optional()
    .describe("pipeline config (.json or .ts); defaults to the demo preset"),
  preset: RunConfig.shape.preset
    .unwrap()
    .optional()
    .describe("start from a preset: demo (embedded, CPU) or paper (cluster)"),
  runId: RunConfig.shape.runId
    .unwrap()
    .optional()
    .describe("name of the run; artifacts go to <out>/<id>/ (default: the preset's)"),
  out: z.string().min(1).optional().describe("where run directories are created (default: runs)"),
  from: z.string().min(1).optional().describe("re-run this stage and every later one"),
  only: z.string().min(1).optional().describe("run only this stage (its inputs must have finished)"),
  dryRun: z
    .boolean()
    .default(false)
    .describe("print the plan (what each stage would do, and why) without running"),
});

export function registerPipeline(program: Command): void {
  const { command, flags } = configCommand(program, "pipeline", PipelineRunConfig, {
    flags: {
      config: { short: "-c", placeholder: "<file>" },
      runId: { placeholder: "<id>" },
      out: { placeholder: "<dir>" },
      from: { placeholder: "<stage>" },
      only: { placeholder: "<stage>" },
    },
  });
  command
    .description("run the whole SWE-RL loop: data, SFT, GRPO, Agentless Mini, SWE-bench evaluation, report")
    .addHelpText(
      "after",
      `
Each stage writes runs/<run-id>/<stage>/ with a manifest (config, input hashes, versions, timings).
Running the same run id again resumes at the first unfinished stage; a changed config re-runs the
stages it affects. Ctrl-C lets the current stage save what it can; run the command again to resume.

Examples:
  $ swerl pipeline                         the demo preset end to end (no network, CPU only)
  $ swerl pipeline --dry-run               show the plan
  $ swerl pipeline --run-id try2 --from grpo
  $ swerl pipeline --config my-run.json --only eval`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      const config = await loadPipelineConfig(
        options.config,
        {
          ...(options.runId ? { runId: options.runId } : {}),
          ...(options.preset ? { preset: options.preset } : {}),
          ...(options.out ? { outDir: options.out } : {}),
        },
        pipelineStages.map((s) => s.name),
      );
      const selection = { from: options.from, only: options.only };
      const out = process.stdout;
      if (options.dryRun) {
        const plan = await planPipeline(config, pipelineStages, selection);
        out.write(
          `swerl pipeline — run "${config.runId}" (preset ${config.preset}) in ${join(config.outDir, config.runId)}\n`,
        );
        for (const [i, { stage, action, reason }] of plan.entries()) {
          const inputs = [...stage.after, ...(stage.reads ?? []).map((r) => `${r}?`)].join(", ") || "—";
          out.write(
            `  ${String(i + 1).padStart(2)}. ${stage.name.padEnd(10)} ${action.padEnd(17)} ${reason.padEnd(48)} inputs: ${inputs}\n`,
          );
        }
        return;
      }
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write("\nstopping after the current unit of work (Ctrl-C again to quit at once)\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      try {
        const results = await runPipeline(config, pipelineStages, {
          ...selection,
          signal: controller.signal,
        });
        const runDir = join(config.outDir, config.runId);
        const report = results.find((r) => r.stage === "report");
        if (report && (report.outcome === "done" || report.outcome === "skipped")) {
          for (const file of ["report.html", "report.json"])
            await copyFile(join(runDir, "report", file), join(runDir, file));
          out.write(`report: ${join(runDir, "report.html")}\n`);
        }
        const notBuilt = results.filter((r) => r.outcome === "not-built").map((r) => r.stage);
        const blocked = results.filter((r) => r.outcome === "blocked").map((r) => r.stage);
        if (notBuilt.length) out.write(`not built yet: ${notBuilt.join(", ")}\n`);
        if (blocked.length) out.write(`waiting on unbuilt stages: ${blocked.join(", ")}\n`);
        if (results.some((r) => r.outcome === "interrupted")) {
          out.write("interrupted: run the same command again to resume\n");
          process.exitCode = 130;
        }
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
