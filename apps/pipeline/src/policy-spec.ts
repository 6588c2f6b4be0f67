import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadTokenizer, type ModelTokenizer, OnnxPolicy, OpenAIPolicy, type Policy } from "@swerl/rollout";
import { z } from "zod";

/** `onnx:DIR` (a model directory run on ONNX Runtime) or `openai:URL` (an OpenAI-compatible server). */
export const PolicySpec = z.string().regex(/^(onnx|openai):.+/, "expected onnx:DIR or openai:URL");

export interface OpenPolicyOptions {
  spec: string;
  /** onnx: the name recorded; openai: the served model (default: the first the server lists). */
  model?: string;
  /** A model directory whose tokenizer and chat template to use (default for onnx: the model's own). */
  tokenizer?: string;
  /** onnx: ONNX Runtime intra-op threads. */
  threads?: number;
  /** onnx: sequences decoded together. */
  batchSize?: number;
  /** openai: requests in flight. */
  concurrency?: number;
  apiKey?: string;
}

export interface OpenedPolicy {
  policy: Policy;
  /** Templates prompts and counts their tokens; absent for a server given no tokenizer directory. */
  tokenizer: ModelTokenizer | undefined;
  /** The model's context, when known. */
  maxPositions: number | undefined;
  close(): Promise<void>;
}

/** `max_position_embeddings` of a model directory's config.json, when it has one. */
async function contextLength(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, "config.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = z
    .object({ max_position_embeddings: z.number().int().positive() })
    .safeParse(JSON.parse(text));
  return parsed.success ? parsed.data.max_position_embeddings : undefined;
}

/** Opens the policy a spec names, with the tokenizer and context length that go with it. */
export async function openPolicy(options: OpenPolicyOptions): Promise<OpenedPolicy> {
  const [kind, ...rest] = PolicySpec.parse(options.spec).split(":");
  const target = rest.join(":");
  if (kind === "onnx") {
    const policy = await OnnxPolicy.fromDirectory(target, {
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.model ? { model: options.model } : {}),
    });
    const tokenizer = options.tokenizer ? await loadTokenizer(options.tokenizer) : policy.tokenizer;
    return { policy, tokenizer, maxPositions: policy.maxPositions, close: () => policy.close() };
  }
  const server = {
    baseUrl: target,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  };
  const policy = options.model
    ? new OpenAIPolicy({ ...server, model: options.model })
    : await OpenAIPolicy.connect(server);
  return {
    policy,
    tokenizer: options.tokenizer ? await loadTokenizer(options.tokenizer) : undefined,
    maxPositions: options.tokenizer ? await contextLength(options.tokenizer) : undefined,
    close: async () => {},
  };
}
