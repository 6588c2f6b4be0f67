/**
 * The official Agentless / SWE-RL Agentless Mini repair parser, re-implemented from its documented
 * behaviour (facebookresearch/swe-rl `src/swerl/agentless_mini/utils/data.py`: `extract_python_blocks`,
 * `split_edit_multifile_commands`, `parse_diff_edit_commands`): every fenced block is split into
 * SEARCH/REPLACE commands per `### path`, and the commands whose search text occurs in the file are
 * applied in order (each replacing every occurrence, as Python's `str.replace`); the others are dropped.
 * One bad block does not discard the good ones. A block for a file that is not in the context is dropped.
 * As in the official parser, a command whose replacement is empty is not recognised (its `=======` line
 * is stripped with the trailing whitespace). One difference: the official parser reads only ```python
 * blocks; this one reads a block with any language tag or none (as the reward's parser), so that edits
 * of JavaScript files and untagged blocks count.
 */

const SEARCH = "<<<<<<< SEARCH";
const REPLACE = ">>>>>>> REPLACE";
const DIVIDER = "\n=======\n";

/** Python's `str.splitlines()` line boundaries (built from code points: \x1c-\x1e are separators there). */
const LINE_BREAK = new RegExp(`\r\n|[\n\r\v\f${String.fromCodePoint(0x1c, 0x1d, 0x1e)}\u0085\u2028\u2029]`);

/** The SEARCH/REPLACE commands of an answer, per file, deduplicated, in order. */
export function splitEditCommands(answer: string): Map<string, string[]> {
  const blocks = [...answer.matchAll(/```[\w+-]*\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
  const byFile = new Map<string, string[]>();
  for (const block of blocks) {
    let file: string | null = null;
    for (const raw of block.split(REPLACE).slice(0, -1)) {
      const sub = raw.trim();
      const parts = sub.split(SEARCH);
      if (sub.includes(SEARCH)) {
        const name = parts[0]!.replace(/^#+/, "").trim();
        if (name) file = name;
      }
      if (parts.length !== 2 || file === null) continue;
      const command = `${SEARCH}${parts[1]}\n${REPLACE}`;
      const list = byFile.get(file) ?? [];
      if (!list.includes(command)) list.push(command);
      byFile.set(file, list);
    }
  }
  return byFile;
}

/** Applies the commands whose search text is in `content`, in order; returns the new content and how many applied. */
export function applyMatchingCommands(
  commands: readonly string[],
  content: string,
): { content: string; applied: number } {
  const applicable: Array<[string, string]> = [];
  for (const command of commands) {
    const body = command.split(LINE_BREAK).slice(1, -1).join("\n");
    const halves = body.split(DIVIDER);
    if (halves.length !== 2) continue;
    if (content.includes(halves[0]!)) applicable.push([halves[0]!, halves[1]!]);
  }
  let next = content;
  for (const [search, replace] of applicable) next = next.split(search).join(replace);
  return { content: next, applied: applicable.length };
}

export interface LenientEdits {
  /** SEARCH/REPLACE commands found, over all files. */
  commands: number;
  /** Commands applied (their search text was in the file). */
  applied: number;
  /** Edited files' new contents (files of the context only; unchanged ones included). */
  newContent: Record<string, string>;
}

/** The official parser over an answer and the files the prompt showed. */
export function lenientEdits(answer: string, codeContext: Readonly<Record<string, string>>): LenientEdits {
  let commands = 0;
  let applied = 0;
  const newContent: Record<string, string> = {};
  for (const [file, list] of splitEditCommands(answer)) {
    commands += list.length;
    if (!Object.hasOwn(codeContext, file)) continue;
    const result = applyMatchingCommands(list, codeContext[file]!);
    applied += result.applied;
    if (result.content !== "") newContent[file] = result.content;
  }
  return { commands, applied, newContent };
}
