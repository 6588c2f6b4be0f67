import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  byteToCharTable,
  TokenizerTrainingError,
  tokenizerJson,
  trainByteLevelBpe,
} from "./byte-level-bpe.js";
import { loadTokenizer } from "./model-tokenizer.js";

const specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const corpus = [
  "def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n",
  "The repository fixes the issue; the issue is fixed in the repository.",
  "for i in range(10):\n    print(i)\n",
];

describe("byteToCharTable", () => {
  it("is GPT-2's table: 256 distinct visible characters, printable ASCII kept, space as Ġ", () => {
    const table = byteToCharTable();
    expect(new Set(table).size).toBe(256);
    expect(table[65]).toBe("A");
    expect(table[32]).toBe("Ġ");
    expect(table[10]).toBe("Ċ");
  });
});

describe("trainByteLevelBpe", () => {
  it("is deterministic and puts special tokens first, bytes next, merges last", () => {
    const one = trainByteLevelBpe(corpus, 290, specials);
    const two = trainByteLevelBpe([...corpus], 290, specials);
    expect(two).toEqual(one);
    expect(one.vocab.get("<|im_end|>")).toBe(2);
    expect(one.vocab.get("A")).toBe(3 + 65);
    expect(one.vocab.size).toBe(290);
    expect(one.merges.length).toBe(290 - 259);
    // (Ġ, i) and (Ġ, Ġ) both occur 6 times (" issue" x2, " is", " i", " in" x2; three "\n   ");
    // the tie goes to the pair whose second token sorts first by code point ("i" < "Ġ").
    expect(one.merges[0]).toEqual(["Ġ", "i"]);
    expect(one.merges[1]).toEqual(["Ġ", "Ġ"]);
  });

  it("stops early when no pair occurs twice, and rejects a vocabulary without room for the bytes", () => {
    expect(trainByteLevelBpe(["ab"], 400, specials).vocab.size).toBe(259);
    expect(() => trainByteLevelBpe(corpus, 200, specials)).toThrow(TokenizerTrainingError);
  });
});

describe("tokenizer.json from a trained BPE, loaded by @huggingface/tokenizers", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("round-trips any text and keeps special tokens whole", async () => {
    dir = await mkdtemp(join(tmpdir(), "swerl-bpe-"));
    const bpe = trainByteLevelBpe(corpus, 400, specials);
    await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(bpe, specials)));
    await writeFile(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ eos_token: "<|im_end|>", chat_template: "{{ messages[0]['content'] }}" }),
    );
    const tokenizer = await loadTokenizer(dir);
    expect(tokenizer.eosTokenIds).toEqual([2]);
    for (const text of [
      "def add(a, b):\n    return a + b\n",
      "naïve café — 日本語 🤖 \t\r\n  trailing  ",
      "<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE",
      "",
    ])
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    const ids = tokenizer.encode("<|im_start|>user\nhi<|im_end|>");
    expect(ids[0]).toBe(1);
    expect(ids.at(-1)).toBe(2);
    // merges apply: a frequent word becomes one token
    expect(tokenizer.encode(" return")).toEqual([bpe.vocab.get("Ġreturn")]);
    expect(tokenizer.encode("return a + b").length).toBeLessThan("return a + b".length);
  });
});
