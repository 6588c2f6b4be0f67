// Decode throughput and time to first token of OnnxPolicy on the default model (DEMO_MODEL_CONFIG), against
// @huggingface/transformers generating from the SAME model directory in the same process (local files only).
// Usage: node --conditions=@swerl/source --import tsx bench/decode.ts [--threads N] [--tokens N] [--rounds N]
//          [--groups 1,4,16] [--config '{"hidden_size": 256, ...}']
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from "@huggingface/transformers";
import {
  buildRepairPrompt,
  createModel,
  DEMO_MODEL_CONFIG,
  llamaTensorShapes,
  OnnxPolicy,
} from "../src/index.js";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "1" },
    tokens: { type: "string", default: "128" },
    rounds: { type: "string", default: "3" },
    groups: { type: "string", default: "1,4,16" },
    /** JSON of Llama config keys over the default architecture, e.g. '{"hidden_size": 256}'. */
    config: { type: "string", default: "{}" },
  },
});
const threads = Number(values.threads);
const newTokens = Number(values.tokens);
const rounds = Number(values.rounds);
const groupSizes = String(values.groups).split(",").map(Number);

const corpus = [
  "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n",
  "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)\n",
  "We are currently solving the following issue within our repository. Here is the issue text:\n",
  "<think>the bug is in add</think>\n<solution>\n```python\n### src/util.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```\n</solution>",
  "import os\nimport sys\n\nfor index, value in enumerate(sys.argv):\n    print(index, value, os.getcwd())\n",
];

const instance = {
  instanceId: "bench__calc-1",
  problemStatement: "add() subtracts instead of adding; sub() is fine. Stack.push drops nothing.",
  codeContext: { "src/util.py": `${corpus[0]}${corpus[1]}${corpus[4]}` },
  oracleNewContent: { "src/util.py": `${corpus[0]}${corpus[1]}` },
};
// The pipeline's default model (the trainer's DEFAULT_MODEL_CONFIG): DEMO_MODEL_CONFIG with 2048
// positions, its tokenizer learnt on the prompts it will see.
const overrides = JSON.parse(String(values.config)) as Record<string, unknown>;
const modelConfig = { ...DEMO_MODEL_CONFIG, max_position_embeddings: 2048, ...overrides };

const dir = await mkdtemp(join(tmpdir(), "swerl-bench-decode-"));
try {
  const config = await createModel({
    outDir: dir,
    config: modelConfig,
    seed: 0,
    corpus: [...corpus, ...buildRepairPrompt(instance).messages.map((m) => m.content)],
  });
  // Equal work on both sides: the end token is an id outside the vocabulary, so every sample decodes
  // exactly `newTokens` tokens.
  for (const name of ["config.json", "generation_config.json"]) {
    const json = JSON.parse(await readFile(join(dir, name), "utf8")) as Record<string, unknown>;
    json.eos_token_id = config.vocab_size;
    await writeFile(join(dir, name), JSON.stringify(json, null, 2));
  }
  const params = llamaTensorShapes(config).reduce(
    (sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1),
    0,
  );

  const policy = await OnnxPolicy.fromDirectory(dir, { threads, batchSize: 16 });
  // The same engine on the Optimum graph alone (what any exported model gets): every row copies the prompt's cache.
  const plain = await OnnxPolicy.fromDirectory(dir, { threads, batchSize: 16, sharedPrefix: false });
  if (!policy.sharedPrefix || plain.sharedPrefix)
    throw new Error("expected one shared-prefix policy and one plain");
  // The pipeline's rollout prompt: the SWE-RL system prompt and a repair request for one file.
  const repair = buildRepairPrompt(instance, {
    maxPromptTokens: 1800,
    countTokens: policy.tokenizer.countTokens,
  });
  const prompt = policy.tokenizer.applyChatTemplate(repair.messages, { addGenerationPrompt: true });
  const promptIds = policy.tokenizer.encode(prompt);

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(dir)}/`;
  const theirs = await AutoModelForCausalLM.from_pretrained(basename(dir), {
    dtype: "fp32",
    device: "cpu",
    local_files_only: true,
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential" },
  });

  const ours = async (g: number, tokens: number, engine = policy): Promise<number> => {
    const [group] = await engine.sample([prompt], { n: g, temperature: 1, maxTokens: tokens, seed: 1 });
    const made = group?.samples.reduce((sum, s) => sum + s.tokenIds.length, 0) ?? 0;
    if (made !== g * tokens) throw new Error(`OnnxPolicy made ${made} tokens, expected ${g * tokens}`);
    return made;
  };
  const theirTokenizer = await AutoTokenizer.from_pretrained(basename(dir), { local_files_only: true });
  // Like the text-generation pipeline: tokenise the prompt, generate G rows, decode them to text.
  const hf = async (g: number, tokens: number): Promise<number> => {
    const encoded = theirTokenizer(prompt, { add_special_tokens: false }).input_ids as Tensor;
    const length = encoded.dims[1] as number;
    if (length !== promptIds.length) throw new Error("the tokenizers disagree on the prompt");
    const row = encoded.data as BigInt64Array;
    const ids = new Tensor(
      "int64",
      BigInt64Array.from({ length: g * length }, (_, i) => row[i % length] as bigint),
      [g, length],
    );
    const mask = new Tensor("int64", new BigInt64Array(g * length).fill(1n), [g, length]);
    const out = (await theirs.generate({
      input_ids: ids,
      attention_mask: mask,
      max_new_tokens: tokens,
      do_sample: true,
      temperature: 1,
      top_k: 0,
    })) as Tensor;
    theirTokenizer.batch_decode(out.slice(null, [length, null]), { skip_special_tokens: true });
    const made = g * ((out.dims[1] as number) - length);
    if (made !== g * tokens) throw new Error(`transformers made ${made} tokens, expected ${g * tokens}`);
    return made;
  };
  /** Best time of each engine over `rounds`, the engines taking turns so that load hits both alike. */
  const race = async (
    run: Array<() => Promise<number>>,
    times = rounds,
  ): Promise<Array<{ ms: number; tokens: number }>> => {
    const best = run.map(() => ({ ms: Number.POSITIVE_INFINITY, tokens: 0 }));
    for (let round = 0; round < times; round++)
      for (const [i, fn] of run.entries()) {
        const start = performance.now();
        const tokens = await fn();
        const ms = performance.now() - start;
        if (ms < (best[i]?.ms as number)) best[i] = { ms, tokens };
      }
    return best;
  };
  const load = async () => (await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ");

  console.log(
    `model: DEMO_MODEL_CONFIG with 2048 positions${Object.keys(overrides).length ? ` and ${JSON.stringify(overrides)}` : ""}, ${(params / 1e6).toFixed(2)}M params (vocab ${config.vocab_size}, d ${config.hidden_size}, ${config.num_hidden_layers} layers); prompt ${promptIds.length} tokens; ${newTokens} new tokens per sample; ${threads} ORT thread(s); best of ${rounds}`,
  );
  await ours(2, 4);
  await hf(2, 4);
  // Time to first token: tokenise the prompt, prefill, sample one token (per row), decode it.
  for (const g of [1, 16]) {
    const [ttftOurs, ttftHf] = await race([() => ours(g, 1), () => hf(g, 1)], Math.max(rounds, 10));
    console.log(
      `time to first token, G=${g}: OnnxPolicy ${ttftOurs?.ms.toFixed(1)} ms, transformers ${ttftHf?.ms.toFixed(1)} ms (load ${await load()})`,
    );
  }
  for (const g of groupSizes) {
    const [a, b, c] = (await race([
      () => ours(g, newTokens),
      () => hf(g, newTokens),
      () => ours(g, newTokens, plain),
    ])) as Array<{ ms: number; tokens: number }>;
    const rate = (r?: { ms: number; tokens: number }) => (r?.tokens as number) / ((r?.ms as number) / 1000);
    console.log(
      `G=${g}: OnnxPolicy ${rate(a).toFixed(0)} tok/s, transformers ${rate(b).toFixed(0)} tok/s, ratio ${(rate(a) / rate(b)).toFixed(2)}x; OnnxPolicy on the Optimum graph alone ${rate(c).toFixed(0)} tok/s (${(rate(c) / rate(b)).toFixed(2)}x) (load ${await load()})`,
    );
  }
  await theirs.dispose();
  await policy.close();
  await plain.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
