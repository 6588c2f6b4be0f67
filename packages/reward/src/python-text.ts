import { checkInterrupt } from "./interrupt.js";

/**
 * Python's `str.splitlines()`: splits on \n, \r\n, \r, \v, \f, \x1c, \x1d, \x1e, \x85, U+2028 and
 * U+2029, drops the separators, and yields no empty last line for a trailing separator.
 */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if ((i & 0xffff) === 0) checkInterrupt();
    const c = text.charCodeAt(i);
    if (
      c === 0x0a ||
      c === 0x0b ||
      c === 0x0c ||
      c === 0x1c ||
      c === 0x1d ||
      c === 0x1e ||
      c === 0x85 ||
      c === 0x2028 ||
      c === 0x2029
    ) {
      lines.push(text.slice(start, i));
      start = i + 1;
    } else if (c === 0x0d) {
      lines.push(text.slice(start, i));
      if (i + 1 < n && text.charCodeAt(i + 1) === 0x0a) i++;
      start = i + 1;
    }
  }
  if (start < n) lines.push(text.slice(start));
  return lines;
}

// Python's str.isspace() set: JavaScript's trim() set plus U+001C..U+001F and U+0085, minus U+FEFF.
const PY_SPACE =
  "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const LEADING = new RegExp(`^${PY_SPACE}+`);
const TRAILING = new RegExp(`${PY_SPACE}+$`);

/** Python's `str.strip()` with no argument (not JavaScript's `trim()`: see the reward spec). */
export function pyStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

/** Python's `str.count(sub)` for a non-empty `sub`: non-overlapping occurrences. */
export function countOccurrences(text: string, sub: string): number {
  let count = 0;
  for (let at = text.indexOf(sub); at !== -1; at = text.indexOf(sub, at + sub.length)) count++;
  return count;
}
