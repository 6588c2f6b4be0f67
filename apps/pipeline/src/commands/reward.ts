import { RewardBatchConfig, scoreRewardFile } from "@swerl/reward";
import type { Command } from "commander";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";

export function registerReward(program: Command): void {
  const { command, flags } = configCommand(program, "reward", RewardBatchConfig, {
    description: "score model responses with the SWE-RL reward (CPython-exact difflib), on all cores",
    flags: {
      inFile: { name: "in", short: "-i", placeholder: "<file>" },
      outFile: { name: "out", short: "-o", placeholder: "<file>" },
      workers: { short: "-w" },
      timeoutSeconds: { name: "timeout", placeholder: "<seconds>" },
    },
  });
  command
    .addHelpText(
      "after",
      `
A format error scores -1 with the reference's message in "error"; a response over the time limit gets
reward null and status "timeout" (never a silent 0).

Examples:
  $ swerl reward --in rollouts.jsonl --out rewards.jsonl
  $ swerl reward -i samples.parquet -o scored.jsonl --workers 2 --timeout 10`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const config = flags.read(raw);
      let progress: Progress | undefined;
      try {
        const summary = await scoreRewardFile(config, {
          onProgress: (p) => {
            progress ??= startProgress({ label: "reward", total: p.total, unit: "responses" });
            progress.tick(1, {
              mean: p.mean.toFixed(3),
              format_errors: p.formatErrors,
              timeouts: p.notScored,
            });
          },
        });
        progress?.stop();
        process.stdout.write(
          `${summary.outFile}: ${summary.total} responses, mean reward ${summary.mean.toFixed(4)}, ${summary.formatErrors} format errors, ${summary.notScored} not scored\n`,
        );
      } finally {
        progress?.stop();
      }
    });
}
