import { SwerlError } from "@swerl/schema";

/** GPT-2's pre-tokenisation pattern (contractions, letter runs, digit runs, punctuation, whitespace). */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's byte-to-character table: printable bytes map to themselves, the others to code points from
 * 256 up, so every byte sequence is a string of visible characters (a space becomes "Ġ").
 */
export function byteToCharTable(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCodePoint(printable ? byte : 256 + extra++);
  }
  return table;
}

/** The vocabulary is too small for the special tokens plus the 256 byte tokens. */
export class TokenizerTrainingError extends SwerlError {
  constructor(detail: string) {
    super("E_TOKENIZER_TRAINING", detail);
  }
}

export interface TrainedBpe {
  /** Token string -> id: special tokens first, then the 256 byte characters in byte order, then merges. */
  vocab: Map<string, number>;
  /** Merges in rank order, as pairs of token strings. */
  merges: Array<[string, string]>;
}

const pairKey = (left: number, right: number) => left * 2 ** 21 + right;

/**
 * Trains a byte-level BPE on `corpus` until the vocabulary (special tokens included) has `vocabSize`
 * entries or no pair occurs twice. Deterministic: the most frequent pair wins, ties go to the pair whose
 * (left, right) token strings sort first by code point.
 */
export function trainByteLevelBpe(
  corpus: readonly string[],
  vocabSize: number,
  specialTokens: readonly string[],
): TrainedBpe {
  if (vocabSize < specialTokens.length + 256)
    throw new TokenizerTrainingError(
      `vocab_size ${vocabSize} is below the ${specialTokens.length} special tokens + 256 byte tokens a byte-level BPE needs`,
    );
  const tokens: string[] = [...specialTokens, ...byteToCharTable()];
  const vocab = new Map(tokens.map((token, id) => [token, id]));
  const byteIds = Array.from({ length: 256 }, (_, byte) => specialTokens.length + byte);
  // Distinct pre-tokenised words with their counts, as arrays of token ids.
  const wordCounts = new Map<string, number>();
  const encoder = new TextEncoder();
  for (const text of corpus)
    for (const match of text.matchAll(PRE_TOKENIZE))
      wordCounts.set(match[0], (wordCounts.get(match[0]) ?? 0) + 1);
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push([...encoder.encode(word)].map((byte) => byteIds[byte] as number));
    counts.push(count);
  }
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (index: number, sign: 1 | -1) => {
    const word = words[index] as number[];
    const count = (counts[index] as number) * sign;
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i] as number, word[i + 1] as number);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      if (sign === 1) {
        const where = pairWords.get(key);
        if (where) where.add(index);
        else pairWords.set(key, new Set([index]));
      }
    }
  };
  for (let index = 0; index < words.length; index++) addPairs(index, 1);
  const merges: Array<[string, string]> = [];
  while (tokens.length < vocabSize) {
    let bestKey = -1;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count < 2) continue; // a pair must occur at least twice to be merged
      if (
        bestKey === -1 ||
        count > bestCount ||
        (count === bestCount && pairSortsFirst(key, bestKey, tokens))
      ) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey === -1) break;
    const left = Math.floor(bestKey / 2 ** 21);
    const right = bestKey % 2 ** 21;
    const merged = tokens.length;
    const text = `${tokens[left]}${tokens[right]}`;
    tokens.push(text);
    vocab.set(text, merged);
    merges.push([tokens[left] as string, tokens[right] as string]);
    for (const index of [...(pairWords.get(bestKey) ?? [])].sort((a, b) => a - b)) {
      addPairs(index, -1);
      const word = words[index] as number[];
      const next: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === left && word[i + 1] === right) {
          next.push(merged);
          i++;
        } else next.push(word[i] as number);
      }
      words[index] = next;
      addPairs(index, 1);
    }
    pairCounts.delete(bestKey);
    pairWords.delete(bestKey);
    for (const [key, count] of pairCounts) if (count <= 0) pairCounts.delete(key);
  }
  return { vocab, merges };
}

function pairSortsFirst(candidate: number, best: number, tokens: readonly string[]): boolean {
  const a = [tokens[Math.floor(candidate / 2 ** 21)], tokens[candidate % 2 ** 21]] as [string, string];
  const b = [tokens[Math.floor(best / 2 ** 21)], tokens[best % 2 ** 21]] as [string, string];
  const first = compareCodePoints(a[0], b[0]);
  return first < 0 || (first === 0 && compareCodePoints(a[1], b[1]) < 0);
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) as number) - (y[i]?.codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * A Hugging Face `tokenizer.json` (GPT-2 style byte-level BPE) for a trained vocabulary; `useRegex: false`
 * pre-tokenizes without GPT-2's split, for merges learnt across spaces and lines.
 */
export function tokenizerJson(
  bpe: TrainedBpe,
  specialTokens: readonly string[],
  options: { useRegex?: boolean } = {},
): Record<string, unknown> {
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content) => ({
      id: bpe.vocab.get(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { ...byteLevel, use_regex: options.useRegex ?? true },
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(bpe.vocab),
      merges: bpe.merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}
