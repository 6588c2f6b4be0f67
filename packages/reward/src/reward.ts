import type { RewardResult } from "@swerl/schema";
import { FormatError } from "./format-error.js";
import { checkInterrupt } from "./interrupt.js";
import { splitLines } from "./python-text.js";
import { applySearchReplace, extractThoughtSolution, parseSearchReplace } from "./search-replace.js";
import { SequenceMatcher } from "./sequence-matcher.js";
import { unifiedDiff } from "./unified-diff.js";

export type FileMap = Readonly<Record<string, string>>;

/** One file's contribution to the reward (the element type of `RewardResult.similarities`). */
export type ChangeSimilarity = NonNullable<RewardResult["similarities"]>[number];

/**
 * A file's change as the reward sees it: difflib's unified diff of the old and new lines (Python
 * `splitlines`), `fromfile="old"`, `tofile="new"`, `lineterm=""`, 3 lines of context, without its two
 * header lines, joined by "\n". Empty when nothing changed.
 */
export function fileChange(oldContent: string, newContent: string, context = 3): string {
  // Each step over a large file takes milliseconds: the reward pool may stop the response between them.
  const oldLines = splitLines(oldContent);
  checkInterrupt();
  const newLines = splitLines(newContent);
  checkInterrupt();
  const lines = unifiedDiff(oldLines, newLines, { fromfile: "old", tofile: "new", lineterm: "", n: context });
  checkInterrupt();
  return lines.slice(2).join("\n");
}

/** The non-empty change of every file of `newContent` against `codeContext` (missing files are empty). */
export function normalizedPatch(codeContext: FileMap, newContent: FileMap): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const [path, content] of Object.entries(newContent)) {
    const change = fileChange(Object.hasOwn(codeContext, path) ? codeContext[path]! : "", content);
    if (change) patch[path] = change;
  }
  return patch;
}

/** Character-level similarity of two changes, prediction first, without autojunk. */
export function changeSimilarity(predChange: string, oracleChange: string): number {
  if (predChange === "" || oracleChange === "") return 0.0;
  return new SequenceMatcher(predChange, oracleChange, { autojunk: false }).ratio();
}

/**
 * Per-file similarities over the union of changed paths: oracle paths in their order, then paths only
 * the prediction changed. (The reference iterates a Python set, whose order varies between processes;
 * a fixed order makes the floating-point mean reproducible.)
 */
export function computeChangeSimilarities(
  predPatch: Readonly<Record<string, string>>,
  oraclePatch: Readonly<Record<string, string>>,
): ChangeSimilarity[] {
  const paths = [
    ...Object.keys(oraclePatch),
    ...Object.keys(predPatch).filter((p) => !Object.hasOwn(oraclePatch, p)),
  ];
  return paths.map((path) => {
    const predChange = predPatch[path] ?? "";
    const oracleChange = oraclePatch[path] ?? "";
    return { path, predChange, oracleChange, similarity: changeSimilarity(predChange, oracleChange) };
  });
}

function mean(similarities: readonly ChangeSimilarity[]): number {
  if (similarities.length === 0) return 1.0;
  let sum = 0;
  for (const s of similarities) sum += s.similarity;
  return sum / similarities.length;
}

/**
 * The result of {@link calculateSearchReplaceReward}: `@swerl/schema`'s `RewardResult` record (the
 * type is written once, as that zod schema).
 */
export type SearchReplaceReward = RewardResult;

/**
 * The oracle's patch of recent instances, by oracle object, with the exact inputs it was derived
 * from: a hit is used only when every oracle path, its new content and its old content are still
 * the same strings, so a mutated map is recomputed, never answered from a stale entry.
 */
const oraclePatches = new WeakMap<FileMap, { inputs: string[]; patch: Record<string, string> }>();

function oraclePatchOf(codeContext: FileMap, oracleNewContent: FileMap): Record<string, string> {
  const inputs: string[] = [];
  for (const [path, content] of Object.entries(oracleNewContent)) {
    inputs.push(path, content, Object.hasOwn(codeContext, path) ? codeContext[path]! : "");
  }
  const hit = oraclePatches.get(oracleNewContent);
  if (hit && hit.inputs.length === inputs.length && hit.inputs.every((x, i) => x === inputs[i])) {
    return { ...hit.patch };
  }
  const patch = normalizedPatch(codeContext, oracleNewContent);
  oraclePatches.set(oracleNewContent, { inputs, patch: { ...patch } });
  return patch;
}

/** The reward for predicted new contents (any editing format): mean per-file change similarity. */
export function calculateReward(
  codeContext: FileMap,
  oracleNewContent: FileMap,
  predNewContent: FileMap,
): {
  reward: number;
  predPatch: Record<string, string>;
  oraclePatch: Record<string, string>;
  similarities: ChangeSimilarity[];
} {
  const oraclePatch = oraclePatchOf(codeContext, oracleNewContent);
  const predPatch = normalizedPatch(codeContext, predNewContent);
  const similarities = computeChangeSimilarities(predPatch, oraclePatch);
  return { reward: mean(similarities), predPatch, oraclePatch, similarities };
}

/**
 * The SWE-RL reward of one response: -1 with the reference's error message when the format is wrong
 * (tags, no SEARCH/REPLACE block, an edit that does not apply), otherwise the mean similarity between
 * the predicted and the oracle change of each file.
 */
export function calculateSearchReplaceReward(
  codeContext: FileMap,
  oracleNewContent: FileMap,
  output: string,
): SearchReplaceReward {
  try {
    const { thought, answer } = extractThoughtSolution(output);
    const parsedEdits = parseSearchReplace(answer);
    if (Object.keys(parsedEdits).length === 0) throw new FormatError("No valid search blocks found");
    const predNewContent = applySearchReplace(codeContext, parsedEdits);
    const scored = calculateReward(codeContext, oracleNewContent, predNewContent);
    return { ...scored, error: null, thought, answer, parsedEdits, predNewContent };
  } catch (err) {
    if (err instanceof FormatError) return { reward: -1.0, error: err.message };
    throw err;
  }
}
