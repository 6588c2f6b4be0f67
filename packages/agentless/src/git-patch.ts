import { unifiedDiff } from "@swerl/reward";

/** Lines with their line endings kept (`"a\nb"` -> `["a\n", "b"]`), as Python's `splitlines(True)` for `\n`. */
function linesWithEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function body(line: string): string {
  return line.endsWith("\n") ? line : `${line}\n\\ No newline at end of file\n`;
}

/**
 * A git-style unified diff (`diff --git a/… b/…`, 3 lines of context) from whole-file contents before and
 * after; files whose content did not change are left out. `before[path] === undefined` marks an added
 * file. The result applies with `git apply` and `patch -p1`.
 */
export function gitPatch(
  before: Readonly<Record<string, string | undefined>>,
  after: Readonly<Record<string, string>>,
): string {
  let patch = "";
  for (const path of Object.keys(after).sort()) {
    const old = before[path];
    const next = after[path]!;
    if (old === next) continue;
    const a = linesWithEnds(old ?? "");
    const b = linesWithEnds(next);
    const lines = unifiedDiff(a, b, {
      fromfile: old === undefined ? "/dev/null" : `a/${path}`,
      tofile: `b/${path}`,
      lineterm: "\n",
    });
    if (lines.length === 0) continue;
    patch += `diff --git a/${path} b/${path}\n`;
    if (old === undefined) patch += "new file mode 100644\n";
    patch += lines[0]! + lines[1]!;
    for (const line of lines.slice(2)) patch += line.startsWith("@@") ? line : body(line);
  }
  return patch;
}
