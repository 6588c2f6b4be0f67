import { RewardServerConfig, startRewardServer } from "@swerl/reward";
import type { Command } from "commander";
import { configCommand } from "../cli/config-options.js";

export function registerServeReward(program: Command): void {
  const { command, flags } = configCommand(program, "serve-reward", RewardServerConfig, {
    description:
      "serve the SWE-RL reward over HTTP (OpenRLHF --reward.remote_url / --remote_rm_url, swerl's verl glue)",
    flags: {
      port: { short: "-p" },
      workers: { short: "-w" },
      // the old name of the per-response limit (already in seconds)
      timeoutSeconds: { name: "timeout", aliases: ["timeout-seconds"] },
      requestTimeoutSeconds: { name: "request-timeout" },
      slowAfterSeconds: { name: "slow-after" },
    },
  });
  command
    .addHelpText(
      "after",
      `
Endpoints:
  GET  /health       {"status": "ok", "workers": N, "pending": N, "queued": N, "slow": N}
  POST /score        one {code_context, oracle_new_content, output} record, or {"items": [...]}
  POST /get_reward   {"query": [...], "prompts": [...], "labels": [json instance, ...]}
                     -> {"rewards": [...], "scores": [...], "extra_logs": {format_error, timed_out, prompt_truncated, ...}}
  A query whose prompt was left-truncated (or sent without prompts) is scored on the response after the
  prompt's end or the last assistant turn; "prompts": [""] says the query is the response alone.

Examples:
  $ swerl serve-reward --port 8000                      # 127.0.0.1 only
  $ swerl serve-reward --host 0.0.0.0 --port 8000       # reachable from the Ray workers
  $ openrlhf ... --reward.remote_url http://head:8000/get_reward`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const config = flags.read(raw);
      const running = await startRewardServer(config);
      await running.pool.ready();
      process.stdout.write(
        `reward server on ${running.url} with ${running.pool.size} workers (Ctrl-C to stop)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await running.close();
    });
}
