import type { SnapshotChangedFile } from "@swerl/data";

/**
 * Per-file additions, deletions and change type of a `git diff` (what `git diff --numstat` and
 * `--name-status` report for text files), read from the patch itself instead of two more git runs.
 */
export function patchFileStats(patch: string): SnapshotChangedFile[] {
  const files: SnapshotChangedFile[] = [];
  let current: SnapshotChangedFile | undefined;
  let inHunk = false;
  for (const line of patch.split("\n")) {
    const header = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (header) {
      current = { path: header[2] as string, additions: 0, deletions: 0, changeType: "MODIFIED" };
      files.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (!inHunk) {
      if (line.startsWith("new file mode")) current.changeType = "ADDED";
      else if (line.startsWith("deleted file mode")) current.changeType = "DELETED";
      else if (line.startsWith("@@")) inHunk = true;
      continue;
    }
    if (line.startsWith("+")) current.additions++;
    else if (line.startsWith("-")) current.deletions++;
  }
  return files;
}
