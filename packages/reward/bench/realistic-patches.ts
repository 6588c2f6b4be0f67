import { seededRandom } from "../src/testing/python-oracle.js";

export interface RewardCase {
  context: Record<string, string>;
  oracle: Record<string, string>;
  output: string;
  changedLines: number;
}

const WORDS = [
  "value",
  "result",
  "config",
  "items",
  "index",
  "total",
  "name",
  "path",
  "data",
  "node",
  "self",
  "other",
];

/**
 * Realistic reward inputs: 1–5 Python-like files, an oracle that rewrites `changed` lines spread over
 * them, and a prediction that gets most hunks right, some slightly different, and some missing.
 * `sample` > 0 draws another prediction for the same instance (the G samples of one prompt);
 * sample 0 is the original case.
 */
export function realisticCase(seed: number, files: number, changed: number, sample = 0): RewardCase {
  const rand = seededRandom(seed);
  const predRand = sample === 0 ? rand : seededRandom(seed * 7919 + sample);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  const predWord = () => WORDS[Math.floor(predRand() * WORDS.length)]!;
  const line = (i: number) => {
    const indent = "    ".repeat(Math.floor(rand() * 3));
    const kind = rand();
    if (kind < 0.1) return `${indent}def ${word()}_${i}(${word()}, ${word()}):`;
    if (kind < 0.2) return `${indent}# ${word()} ${word()} ${word()}`;
    if (kind < 0.25) return "";
    return `${indent}${word()}_${i} = ${word()}.${word()}(${word()}, ${Math.floor(rand() * 100)})`;
  };
  const context: Record<string, string> = {};
  const oracle: Record<string, string> = {};
  const blocks: string[] = [];
  const perFile = Math.max(1, Math.round(changed / files));
  for (let f = 0; f < files; f++) {
    const path = `pkg/module_${f}.py`;
    const length = Math.max(perFile * 3, 120);
    const lines = Array.from({ length }, (_, i) => line(i + f * 10_000));
    context[path] = `${lines.join("\n")}\n`;
    const next = [...lines];
    // Hunks of 1–8 changed lines, spread through the file.
    let done = 0;
    let at = Math.floor(rand() * 10);
    while (done < perFile && at < lines.length) {
      const size = Math.min(1 + Math.floor(rand() * 8), perFile - done);
      const oldLines = lines.slice(at, at + size);
      const newLines = oldLines.map((l) => `${l} or ${word()}`);
      for (let k = 0; k < size; k++) next[at + k] = newLines[k]!;
      const r = predRand();
      const predLines = r < 0.7 ? newLines : r < 0.9 ? oldLines.map((l) => `${l} and ${predWord()}`) : null;
      if (predLines && oldLines.join("\n") !== predLines.join("\n")) {
        blocks.push(
          `\`\`\`python\n### ${path}\n<<<<<<< SEARCH\n${oldLines.join("\n")}\n=======\n${predLines.join("\n")}\n>>>>>>> REPLACE\n\`\`\``,
        );
      }
      done += size;
      at += size + 2 + Math.floor(rand() * 6);
    }
    oracle[path] = `${next.join("\n")}\n`;
  }
  const output = `<think>\nThe bug is in the handling of values; update each call.\n</think>\n<solution>\n${blocks.join("\n")}\n</solution>`;
  return { context, oracle, output, changedLines: changed };
}
