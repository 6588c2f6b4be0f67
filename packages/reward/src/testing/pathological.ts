import type { RewardRequest } from "../reward-pool.js";

/**
 * A pair whose character-level comparison takes seconds: long changes over a two-letter alphabet, plus
 * over 256 distinct characters so the matcher must use difflib's quadratic row scan. `lines` sets the size;
 * `instance` picks other file contents and `response` another edit (distinct requests, equally slow).
 */
export function pathologicalRequest(lines = 30_000, instance = 0, response = 0): RewardRequest {
  let s = 1 + instance;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const text = (n: number) => Array.from({ length: n }, () => (rnd() < 0.5 ? "ab" : "ba")).join("\n");
  const manyCharacters = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join("");
  const old = `${manyCharacters}\n${text(lines)}`;
  return {
    codeContext: { "p.py": old },
    oracleNewContent: { "p.py": `${manyCharacters}\n${text(lines)}` },
    output: `<think>t</think><solution>\`\`\`python\n### p.py\n<<<<<<< SEARCH\n${old.split("\n")[0]}\n=======\nzz${response || ""}\n>>>>>>> REPLACE\n\`\`\`</solution>`,
  };
}
