import { OnnxPolicy, startPolicyServer } from "@swerl/rollout";
import type { Command } from "commander";
import { z } from "zod";
import { parseOptions } from "../usage-error.js";

const Options = z.object({
  model: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  host: z.string().min(1).default("127.0.0.1"),
  name: z.string().min(1).optional(),
  threads: z.coerce.number().int().positive().optional(),
  batchSize: z.coerce.number().int().positive().default(16),
});

/** Resolves on the first SIGINT or SIGTERM, and stops listening for the other. */
function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function registerServePolicy(program: Command): void {
  program
    .command("serve-policy")
    .description("serve an ONNX model directory over the OpenAI API (completions, chat, streaming)")
    .requiredOption("--model <dir>", "model directory: config.json, tokenizer files, onnx/model.onnx")
    .option("-p, --port <n>", "port to listen on (0 picks a free one)", "8000")
    .option("--host <addr>", "address to bind", "127.0.0.1")
    .option("--name <name>", "the served model name clients send (default: the directory's name)")
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)")
    .option("--batch-size <n>", "most samples of a request decoded in one batch", "16")
    .addHelpText(
      "after",
      `
Endpoints (under /v1):
  GET  /v1/models             the one served model
  POST /v1/completions        prompt text -> n choices, logprobs as token_id:N, token_ids (vLLM style)
  POST /v1/chat/completions   messages rendered with the model's chat template; stream: true for SSE

Examples:
  $ swerl serve-policy --model runs/demo/model --port 8001 --name swerl-demo
  $ curl http://127.0.0.1:8001/v1/completions -d '{"model":"swerl-demo","prompt":"def add(","n":4}'
  $ swerl rollout --policy openai:http://127.0.0.1:8001 --model swerl-demo --tokenizer runs/demo/model ...`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      const policy = await OnnxPolicy.fromDirectory(options.model, {
        batchSize: options.batchSize,
        ...(options.threads ? { threads: options.threads } : {}),
        ...(options.name ? { model: options.name } : {}),
      });
      let running: Awaited<ReturnType<typeof startPolicyServer>>;
      try {
        running = await startPolicyServer({
          policy,
          host: options.host,
          port: options.port,
          chatTemplate: policy.tokenizer.chatTemplate,
        });
      } catch (error) {
        await policy.close();
        throw error;
      }
      const interrupted = untilInterrupted();
      process.stdout.write(`policy server for ${policy.model} on ${running.url}/v1 (Ctrl-C to stop)\n`);
      const signal = await interrupted;
      await running.close();
      await policy.close();
      process.stdout.write(`policy server closed (${signal})\n`);
    });
}
