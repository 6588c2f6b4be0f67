import { checkInterrupt } from "./interrupt.js";
import { SequenceMatcher } from "./sequence-matcher.js";

export interface UnifiedDiffOptions {
  fromfile?: string;
  tofile?: string;
  fromfiledate?: string;
  tofiledate?: string;
  /** Lines of context (default 3). */
  n?: number;
  /** Appended to the header lines (default "\n", as in difflib). */
  lineterm?: string;
}

function formatRangeUnified(start: number, stop: number): string {
  let beginning = start + 1;
  const length = stop - start;
  if (length === 1) return `${beginning}`;
  if (!length) beginning -= 1;
  return `${beginning},${length}`;
}

/** The lines of Python's `difflib.unified_diff(a, b, …)`, equal for any input. */
export function unifiedDiff(
  a: readonly string[],
  b: readonly string[],
  options: UnifiedDiffOptions = {},
): string[] {
  const { fromfile = "", tofile = "", fromfiledate = "", tofiledate = "", n = 3, lineterm = "\n" } = options;
  const out: string[] = [];
  let started = false;
  for (const group of new SequenceMatcher(a, b).getGroupedOpcodes(n)) {
    if (!started) {
      started = true;
      out.push(`--- ${fromfile}${fromfiledate ? `\t${fromfiledate}` : ""}${lineterm}`);
      out.push(`+++ ${tofile}${tofiledate ? `\t${tofiledate}` : ""}${lineterm}`);
    }
    const first = group[0]!;
    const last = group[group.length - 1]!;
    out.push(
      `@@ -${formatRangeUnified(first[1], last[2])} +${formatRangeUnified(first[3], last[4])} @@${lineterm}`,
    );
    for (const [tag, i1, i2, j1, j2] of group) {
      if (tag === "equal") {
        for (let i = i1; i < i2; i++) out.push(` ${a[i]}`);
        continue;
      }
      // A change of many lines takes milliseconds to write out: the reward pool may stop it meanwhile.
      if (tag === "replace" || tag === "delete")
        for (let i = i1; i < i2; i++) {
          if ((i & 1023) === 0) checkInterrupt();
          out.push(`-${a[i]}`);
        }
      if (tag === "replace" || tag === "insert")
        for (let j = j1; j < j2; j++) {
          if ((j & 1023) === 0) checkInterrupt();
          out.push(`+${b[j]}`);
        }
    }
  }
  return out;
}
