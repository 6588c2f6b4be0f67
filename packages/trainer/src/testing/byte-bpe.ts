/** GPT-2's byte -> printable character table (the ByteLevel alphabet of Hugging Face tokenizers). */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return table;
}

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * Learns byte-level BPE merges on `corpus` (GPT-2 pre-split) until the vocabulary holds `mergeCount`
 * merges beyond the 256 bytes (without the split when `useRegex` is false, so merges may span spaces and
 * lines, as the ByteLevel pre-tokenizer does with `use_regex: false`); ties go to the lexicographically smaller pair, so it is deterministic.
 * A test and demo fixture: real models bring their own tokenizer.json.
 */
export function learnByteBpe(
  corpus: readonly string[],
  mergeCount: number,
  useRegex = true,
): { vocab: string[]; merges: string[] } {
  const byteChars = bytesToUnicode();
  const encoder = new TextEncoder();
  const counts = new Map<string, number>();
  for (const text of corpus)
    for (const word of useRegex ? (text.match(GPT2_SPLIT) ?? []) : [text])
      counts.set(word, (counts.get(word) ?? 0) + 1);
  const words = [...counts].map(([word, count]) => ({
    symbols: Array.from(encoder.encode(word), (b) => byteChars[b] as string),
    count,
  }));
  const vocab = [...byteChars];
  const merges: string[] = [];
  for (let m = 0; m < mergeCount; m++) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words)
      for (let i = 0; i + 1 < symbols.length; i++) {
        const pair = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + count);
      }
    let best = "";
    let bestCount = 0;
    for (const [pair, count] of pairs)
      if (count > bestCount || (count === bestCount && pair < best)) {
        best = pair;
        bestCount = count;
      }
    if (bestCount < 2) break;
    const [a, b] = best.split(" ") as [string, string];
    merges.push(best);
    vocab.push(a + b);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === a && word.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(word.symbols[i] as string);
      }
      word.symbols = out;
    }
  }
  return { vocab, merges };
}
