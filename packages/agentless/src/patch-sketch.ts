/** What a set of unified diffs reveals about the base commit, without a clone of the repository. */
export interface PatchSketch {
  /** Paths that exist at the base commit (modified or deleted by a patch; added files left out), sorted. */
  files: string[];
  /**
   * Per base file, the lines the hunks show of it (context and removed lines) in file order, with each
   * stretch the patches do not show replaced by one marker line (`GAP_MARKER` and the line numbers).
   */
  contents: Record<string, string>;
}

/** Starts the line standing for lines a patch does not show. */
export const GAP_MARKER = "# ... lines not shown in the patch:";

/**
 * Reconstructs what the diffs say of the base commit: the paths they touch and the base-side lines of
 * their hunks. Hunks of several diffs on one file (a patch and a test patch) are merged by line number.
 * This is all that can be known of a repository that is not cloned: the tree holds only the touched
 * files, and their contents have gaps.
 */
export function sketchFromPatches(patches: readonly string[]): PatchSketch {
  const hunks = new Map<string, Map<number, string>>();
  for (const patch of patches) {
    let file: string | null = null;
    let line = 0;
    // base and new lines the current hunk still has to show
    let oldLeft = 0;
    let newLeft = 0;
    for (const text of patch.split("\n")) {
      if (oldLeft > 0 || newLeft > 0) {
        if (text.startsWith("\\")) continue;
        // a context line whose leading space was stripped shows as ""
        const kind = text === "" ? " " : text[0];
        if (kind === "+") newLeft -= 1;
        else if (kind === " " || kind === "-") {
          if (file !== null) hunks.get(file)!.set(line, text.slice(1));
          line += 1;
          oldLeft -= 1;
          if (kind === " ") newLeft -= 1;
        } else {
          oldLeft = 0;
          newLeft = 0;
        }
        continue;
      }
      if (text.startsWith("diff --git ")) file = null;
      else if (text.startsWith("--- ")) {
        const source = text.slice(4).trim();
        file = source === "/dev/null" ? null : source.replace(/^a\//, "");
        if (file !== null && !hunks.has(file)) hunks.set(file, new Map());
      } else {
        const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(text);
        if (header) {
          oldLeft = header[2] === undefined ? 1 : Number(header[2]);
          newLeft = header[3] === undefined ? 1 : Number(header[3]);
          line = Math.max(1, Number(header[1]));
        }
      }
    }
  }
  const contents: Record<string, string> = {};
  for (const [file, lines] of hunks) {
    const numbers = [...lines.keys()].sort((a, b) => a - b);
    const out: string[] = [];
    let next = 1;
    for (const n of numbers) {
      if (n > next) out.push(`${GAP_MARKER} ${next}-${n - 1}`);
      out.push(lines.get(n)!);
      next = n + 1;
    }
    out.push(`${GAP_MARKER} ${next}-end`);
    contents[file] = `${out.join("\n")}\n`;
  }
  return { files: [...hunks.keys()].sort(), contents };
}
