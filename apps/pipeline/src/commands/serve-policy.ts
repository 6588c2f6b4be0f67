import { OnnxPolicy, PolicyServerConfig, startPolicyServer } from "@swerl/rollout";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";

/**
 * The server's options plus the ONNX policy it serves (the model directory and OnnxPolicy's runtime knobs).
 * The command listens on 8000 by default where the library picks a free port.
 */
export const ServePolicyConfig = PolicyServerConfig.extend({
  port: PolicyServerConfig.shape.port.default(8000),
  model: z.string().min(1).describe("model directory: config.json, tokenizer files, onnx/model.onnx"),
  name: z
    .string()
    .min(1)
    .optional()
    .describe("the served model name clients send (default: the directory's name)"),
  threads: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("ONNX Runtime intra-op threads (default: all cores)"),
  batchSize: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe("most samples of a request decoded in one batch"),
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
  const { command, flags } = configCommand(program, "serve-policy", ServePolicyConfig, {
    description: "serve an ONNX model directory over the OpenAI API (completions, chat, streaming)",
    flags: { port: { short: "-p" }, requestTimeoutSeconds: { name: "request-timeout" } },
  });
  command
    .addHelpText(
      "after",
      `
Endpoints (under /v1):
  GET  /v1/models             the one served model
  POST /v1/completions        prompt text -> n choices, logprobs as token_id:N, token_ids (vLLM style)
  POST /v1/chat/completions   messages rendered with the model's chat template; stream: true for SSE
  n and max_tokens over the caps answer 400; a request over its time limit 504; a client that
  disconnects stops its generation.

Examples:
  $ swerl serve-policy --model runs/demo/model --port 8001 --name swerl-demo
  $ curl http://127.0.0.1:8001/v1/completions -d '{"model":"swerl-demo","prompt":"def add(","n":4}'
  $ swerl rollout --policy openai:http://127.0.0.1:8001 --model swerl-demo --tokenizer runs/demo/model ...`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const { model, name, threads, batchSize, ...server } = flags.read(raw);
      const policy = await OnnxPolicy.fromDirectory(model, {
        batchSize,
        ...(threads ? { threads } : {}),
        ...(name ? { model: name } : {}),
      });
      let running: Awaited<ReturnType<typeof startPolicyServer>>;
      try {
        running = await startPolicyServer({ ...server, policy, chatTemplate: policy.tokenizer.chatTemplate });
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
