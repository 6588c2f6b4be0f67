import { cp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyInputError } from "./errors.js";
import { generateGroups } from "./generate.js";
import { llamaReferenceForward } from "./llama-reference.js";
import { readModelWeights } from "./model-directory.js";
import { OnnxDecoder, selectCacheRows } from "./onnx-decoder.js";
import { OnnxPolicy } from "./onnx-policy.js";
import { tinyModel } from "./testing/tiny-model.js";

let dir = "";
let other = "";
const prompts = ["<|im_start|>user\ndef add(a, b):<|im_end|>\n<|im_start|>assistant\n", "We are solving"];
const policies: OnnxPolicy[] = [];
async function open(modelDir: string, batchSize?: number, sharedPrefix = true): Promise<OnnxPolicy> {
  const policy = await OnnxPolicy.fromDirectory(modelDir, {
    threads: 1,
    sharedPrefix,
    ...(batchSize ? { batchSize } : {}),
  });
  policies.push(policy);
  return policy;
}

beforeAll(async () => {
  dir = (await tinyModel()).dir;
  other = (await tinyModel(undefined, 8)).dir;
});
afterAll(async () => {
  for (const policy of policies) await policy.close();
  for (const path of [dir, other]) if (path) await rm(path, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe("OnnxDecoder with a KV cache", () => {
  it("gives the logits of a full forward pass without cache within 1e-4, row by row and in chunks", async () => {
    const policy = await open(dir);
    const ids = policy.tokenizer.encode(prompts[0] as string).slice(0, 20);
    const full = await policy.logits(ids);
    const { config } = await readModelWeights(dir);
    const decoder = await OnnxDecoder.create(join(dir, "onnx", "model.onnx"), {
      layers: config.num_hidden_layers,
      kvHeads: config.num_key_value_heads,
      headDim: config.hidden_size / config.num_attention_heads,
      vocabSize: config.vocab_size,
    });
    const vocab = config.vocab_size;
    let step = await decoder.run([ids.slice(0, 6)], decoder.emptyCache(1));
    expect(maxAbsDiff(step.logits.subarray(5 * vocab), full[5] as Float32Array)).toBeLessThan(1e-4);
    // three copies of the cache (prefix sharing) decode one token at a time
    let cache = selectCacheRows(step.cache, [0, 0, 0]);
    for (let t = 6; t < 15; t++) {
      step = await decoder.run([[ids[t] as number], [ids[t] as number], [ids[t] as number]], cache);
      cache = step.cache;
      for (let row = 0; row < 3; row++)
        expect(
          maxAbsDiff(step.logits.subarray(row * vocab, (row + 1) * vocab), full[t] as Float32Array),
        ).toBeLessThan(1e-4);
    }
    // then a chunk of five tokens at once after the cached fifteen
    step = await decoder.run([ids.slice(15, 20)], selectCacheRows(cache, [1]));
    for (let s = 0; s < 5; s++)
      expect(
        maxAbsDiff(step.logits.subarray(s * vocab, (s + 1) * vocab), full[15 + s] as Float32Array),
      ).toBeLessThan(1e-4);
    expect(step.cache.length).toBe(20);
    await decoder.release();
  });
});

describe("OnnxPolicy.sample", () => {
  const options = { n: 5, temperature: 1, maxTokens: 12, seed: 3 };

  it("gives identical samples for a seed across runs and batch sizes, and others for another seed", async () => {
    const reference = await (await open(dir, 16)).sample(prompts, options);
    const again = await (await open(dir, 16)).sample(prompts, options);
    const byOne = await (await open(dir, 1)).sample(prompts, options);
    const byTwo = await (await open(dir, 2)).sample(prompts, options);
    expect(again).toEqual(reference);
    expect(byOne).toEqual(reference);
    expect(byTwo).toEqual(reference);
    expect(reference.map((group) => group.samples.length)).toEqual([5, 5]);
    const texts = new Set(reference.flatMap((group) => group.samples.map((sample) => sample.text)));
    expect(texts.size).toBeGreaterThan(5);
    const otherSeed = await (await open(dir, 16)).sample(prompts, { ...options, seed: 4 });
    expect(otherSeed).not.toEqual(reference);
  });

  it("samples what the shared decode loop samples on the float64 reference forward, with its logprobs", async () => {
    const policy = await open(dir, 4);
    const { config, weights } = await readModelWeights(dir);
    const promptIds = prompts.map((prompt) => policy.tokenizer.encode(prompt));
    const expected = await generateGroups(
      promptIds,
      { ...options, topK: 50, topP: 0.9, temperature: 0.8 },
      async (sequences) => sequences.map((ids) => llamaReferenceForward(config, weights, ids).at(-1) ?? []),
      { decode: (ids) => policy.tokenizer.decode(ids), eosTokenIds: policy.tokenizer.eosTokenIds },
    );
    const actual = await policy.sample(prompts, { ...options, topK: 50, topP: 0.9, temperature: 0.8 });
    expect(actual.map((group) => group.promptTokenIds)).toEqual(promptIds);
    actual.forEach((group, g) => {
      group.samples.forEach((sample, s) => {
        const want = expected[g]?.samples[s];
        expect(sample.tokenIds).toEqual(want?.tokenIds);
        expect(sample.text).toBe(want?.text);
        expect(sample.finishReason).toBe(want?.finishReason);
        expect(maxAbsDiff(sample.tokenLogprobs, want?.tokenLogprobs ?? [])).toBeLessThan(1e-4);
      });
    });
  });

  it("stops before a stop string, on an end token (kept in tokenIds, not in text), else at maxTokens", async () => {
    const policy = await open(dir);
    const [free] = await policy.sample([prompts[1] as string], { ...options, n: 1 });
    const sample = free?.samples[0];
    expect(sample?.finishReason).toBe("length");
    expect(sample?.tokenIds.length).toBe(12);
    const text = sample?.text ?? "";
    const stop = text.slice(4, 6);
    const [stopped] = await policy.sample([prompts[1] as string], { ...options, n: 1, stop: [stop] });
    expect(stopped?.samples[0]?.finishReason).toBe("stop");
    expect(stopped?.samples[0]?.text).toBe(text.slice(0, text.indexOf(stop)));

    // make the fourth sampled token an end token of the model
    const eos = sample?.tokenIds[3] as number;
    const endDir = (await tinyModel()).dir;
    await writeFile(join(endDir, "generation_config.json"), JSON.stringify({ eos_token_id: [eos] }));
    const ending = await open(endDir);
    const [ended] = await ending.sample([prompts[1] as string], { ...options, n: 1 });
    const first = sample?.tokenIds.indexOf(eos) as number;
    expect(ended?.samples[0]?.finishReason).toBe("stop");
    expect(ended?.samples[0]?.tokenIds).toEqual(sample?.tokenIds.slice(0, first + 1));
    expect(ended?.samples[0]?.text).toBe(ending.tokenizer.decode(sample?.tokenIds.slice(0, first) ?? []));
    await rm(endDir, { recursive: true, force: true });
  });

  it("refuses an empty prompt or one the model has no positions left for", async () => {
    const policy = await open(dir);
    await expect(policy.sample([""], options)).rejects.toThrow(PolicyInputError);
    await expect(policy.sample(["x".repeat(200)], options)).rejects.toThrow(/at most 95/);
  });
});

describe("OnnxPolicy with a shared-prefix decode graph", () => {
  const options = { n: 5, temperature: 1, maxTokens: 12, seed: 3 };
  it("is used for our model family and samples what the Optimum graph alone samples", async () => {
    const shared = await open(dir, 3);
    const plain = await open(dir, 3, false);
    expect(shared.sharedPrefix).toBe(true);
    expect(plain.sharedPrefix).toBe(false);
    const sampling = { ...options, topP: 0.95, maxTokens: 20 };
    const a = await shared.sample(prompts, sampling);
    const b = await plain.sample(prompts, sampling);
    a.forEach((group, g) => {
      group.samples.forEach((sample, s) => {
        const want = b[g]?.samples[s];
        expect(sample.tokenIds).toEqual(want?.tokenIds);
        expect(sample.finishReason).toBe(want?.finishReason);
        expect(maxAbsDiff(sample.tokenLogprobs, want?.tokenLogprobs ?? [])).toBeLessThan(1e-5);
      });
    });
  });

  it("is not used for a directory without model.safetensors (an Optimum export), which still samples", async () => {
    const exported = `${dir}-exported`;
    await cp(dir, exported, { recursive: true });
    await rm(join(exported, "model.safetensors"));
    try {
      const policy = await open(exported, 3);
      expect(policy.sharedPrefix).toBe(false);
      expect(await policy.sample(prompts, options)).toEqual(
        await (await open(dir, 3, false)).sample(prompts, options),
      );
    } finally {
      await rm(exported, { recursive: true, force: true });
    }
  });

  it("is not used when model.safetensors does not hold the ONNX file's weights", async () => {
    const mixed = `${dir}-mixed`;
    await cp(dir, mixed, { recursive: true });
    await cp(join(other, "model.safetensors"), join(mixed, "model.safetensors"));
    try {
      expect((await open(mixed, 3)).sharedPrefix).toBe(false);
    } finally {
      await rm(mixed, { recursive: true, force: true });
    }
  });
});

describe("OnnxPolicy.updateWeights", () => {
  it("samples with the new weights, as a policy loaded from them does", async () => {
    const policy = await open(dir);
    const before = await policy.sample(prompts, { n: 2, maxTokens: 8, seed: 1 });
    await policy.updateWeights(other);
    const after = await policy.sample(prompts, { n: 2, maxTokens: 8, seed: 1 });
    const fresh = await (await open(other)).sample(prompts, { n: 2, maxTokens: 8, seed: 1 });
    expect(after).toEqual(fresh);
    expect(after).not.toEqual(before);
  });
});
