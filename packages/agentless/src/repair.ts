import { isValidPython, normalizePython } from "@swerl/data";
import { applySearchReplace, extractThoughtSolution, FormatError, parseSearchReplace } from "@swerl/reward";
import { z } from "zod";
import { gitPatch } from "./git-patch.js";
import { lenientEdits } from "./lenient-edits.js";

/** What became of one repair sample, in pipeline order; only `ok` yields a non-empty patch. */
export const RepairStatus = z.enum([
  /** No SEARCH/REPLACE block in the answer. */
  "no-edits",
  /** An edit names a repository file the prompt did not show (its content is unknown to the model). */
  "unshown-file",
  /** A search block is not in the file, or search equals replace. */
  "apply-failed",
  /** A Python file no longer parses after the edits. */
  "syntax-error",
  /** The edits leave every file as it was. */
  "no-change",
  "ok",
]);
export type RepairStatus = z.infer<typeof RepairStatus>;

export interface RepairOutcome {
  status: RepairStatus;
  /** Why, for the trace (the apply error, the file that broke). */
  detail?: string;
  /** Git-style diff; "" unless `status` is ok. */
  patch: string;
  /** Changed files' normalized new contents (comments, docstrings, layout removed), "" unless ok. */
  normalizedKey: string;
  /** path -> new content of every changed file ({} unless ok). */
  newContent: Record<string, string>;
}

const empty = (status: RepairStatus, detail?: string): RepairOutcome => ({
  status,
  detail,
  patch: "",
  normalizedKey: "",
  newContent: {},
});

/** The answer part of a response: the `<solution>` when the tags are well formed, else the whole text. */
export function answerOf(response: string): string {
  try {
    return extractThoughtSolution(response).answer;
  } catch (error) {
    if (error instanceof FormatError) return response;
    throw error;
  }
}

/** A file reduced to its meaning: Python without comments, docstrings and layout; other text with whitespace folded. */
export async function normalizeFile(path: string, content: string): Promise<string> {
  return path.endsWith(".py") ? normalizePython(content) : content.replace(/\s+/g, " ").trim();
}

/**
 * Turns one repair response into a candidate: SEARCH/REPLACE edits parsed and applied to the shown files
 * (`codeContext`). `lenient` (the official tools' behaviour): the commands that match are applied, the
 * others dropped (see `lenientEdits`). `strict`: @swerl/reward's parser, the reward's: a candidate that
 * does not parse or apply, or edits a repository file that was not shown (`repositoryFiles`), is empty; a
 * path in neither is a new file. Either way a candidate that breaks a Python file's syntax or changes
 * nothing is empty.
 */
export async function repairCandidate(
  response: string,
  codeContext: Readonly<Record<string, string>>,
  repositoryFiles: ReadonlySet<string>,
  parse: "lenient" | "strict" = "lenient",
): Promise<RepairOutcome> {
  if (parse === "lenient") {
    const edits = lenientEdits(answerOf(response), codeContext);
    if (edits.commands === 0) return empty("no-edits");
    if (edits.applied === 0) return empty("apply-failed", "no SEARCH block matched its file");
    return finish(codeContext, edits.newContent);
  }
  const edits = parseSearchReplace(answerOf(response));
  const paths = Object.keys(edits);
  if (paths.length === 0) return empty("no-edits");
  const unshown = paths.find((p) => !Object.hasOwn(codeContext, p) && repositoryFiles.has(p));
  if (unshown) return empty("unshown-file", unshown);
  let applied: Record<string, string>;
  try {
    applied = applySearchReplace(codeContext, edits);
  } catch (error) {
    if (error instanceof FormatError) return empty("apply-failed", error.message.slice(0, 300));
    throw error;
  }
  return finish(codeContext, applied);
}

/** Applied edits as a candidate: unchanged files left out, Python syntax checked, the patch and its key. */
async function finish(
  codeContext: Readonly<Record<string, string>>,
  applied: Readonly<Record<string, string>>,
): Promise<RepairOutcome> {
  const newContent = Object.fromEntries(Object.entries(applied).filter(([p, c]) => codeContext[p] !== c));
  if (Object.keys(newContent).length === 0) return empty("no-change");
  for (const [path, content] of Object.entries(newContent))
    if (path.endsWith(".py") && !(await isValidPython(content))) return empty("syntax-error", path);
  const patch = gitPatch(
    Object.fromEntries(Object.keys(newContent).map((p) => [p, codeContext[p]])),
    newContent,
  );
  const normalized: Array<[string, string]> = [];
  for (const path of Object.keys(newContent).sort())
    normalized.push([path, await normalizeFile(path, newContent[path]!)]);
  return { status: "ok", patch, normalizedKey: JSON.stringify(normalized), newContent };
}
