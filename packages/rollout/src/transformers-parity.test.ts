import { rm } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnnxPolicy } from "./onnx-policy.js";
import { tinyModel } from "./testing/tiny-model.js";

// The proof that our directories are the real layout: Hugging Face's own JS runtime loads one from
// local files only, as a Llama model, and computes what OnnxPolicy computes.
let dir = "";
let policy: OnnxPolicy;
beforeAll(async () => {
  dir = (await tinyModel()).dir;
  policy = await OnnxPolicy.fromDirectory(dir, { threads: 1 });
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(dir)}/`;
});
afterAll(async () => {
  await policy?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const messages = [
  { role: "system" as const, content: "Fix it." },
  { role: "user" as const, content: "def add(a, b):\n    return a - b" },
];

describe("a createModel directory in @huggingface/transformers", () => {
  it("loads as LlamaForCausalLM and gives OnnxPolicy's next-token logits within 1e-4, and its greedy tokens", async () => {
    const model = await AutoModelForCausalLM.from_pretrained(basename(dir), { dtype: "fp32", device: "cpu" });
    const tokenizer = await AutoTokenizer.from_pretrained(basename(dir));
    expect(model.config.model_type).toBe("llama");
    expect(model.constructor.name).toBe("LlamaForCausalLM");

    const prompt = policy.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true })).toBe(
      prompt,
    );
    const ids = policy.tokenizer.encode(prompt);
    const encoded = tokenizer(prompt, { add_special_tokens: false });
    expect((encoded.input_ids as Tensor).tolist()[0]?.map(Number)).toEqual(ids);

    const theirs = (await model(encoded)).logits as Tensor;
    const vocab = theirs.dims[2] as number;
    const last = (theirs.data as Float32Array).subarray((ids.length - 1) * vocab, ids.length * vocab);
    const ours = (await policy.logits(ids)).at(-1) as Float32Array;
    let diff = 0;
    for (let v = 0; v < vocab; v++)
      diff = Math.max(diff, Math.abs((last[v] as number) - (ours[v] as number)));
    expect(vocab).toBe(320);
    expect(diff).toBeLessThan(1e-4);

    // transformers feeds past_key_values back step by step: greedy decoding must agree token for token
    const generated = (await model.generate({ ...encoded, max_new_tokens: 10, do_sample: false })) as Tensor;
    const theirTokens = (generated.tolist()[0] as bigint[]).slice(ids.length).map(Number);
    const [group] = await policy.sample([prompt], { n: 1, temperature: 0, maxTokens: 10 });
    const eos = new Set(policy.tokenizer.eosTokenIds);
    const ourTokens = group?.samples[0]?.tokenIds ?? [];
    expect(theirTokens.slice(0, ourTokens.length)).toEqual(ourTokens);
    expect(ourTokens.length === 10 || eos.has(ourTokens.at(-1) as number)).toBe(true);
    await model.dispose();
  });
});
