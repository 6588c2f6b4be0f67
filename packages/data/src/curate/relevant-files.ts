import { z } from "zod";

/** How relevant-but-unmodified files are chosen for an instance's code context. */
export const RelevantFilesConfig = z.object({
  /** `lexical` (default): imports of the changed files, then word overlap with the issue; `none`: only changed files. */
  ranker: z.enum(["lexical", "none"]).default("lexical"),
  /** At most this many unmodified files join the changed ones. */
  maxRelevantFiles: z.number().int().nonnegative().default(3),
  /** Unmodified files larger than this (characters) are never added. */
  maxFileChars: z.number().int().positive().default(100_000),
  /** File name endings considered as context (source code only). */
  extensions: z
    .array(z.string())
    .default([".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".rb", ".c", ".h"]),
});
export type RelevantFilesConfig = z.infer<typeof RelevantFilesConfig>;

export interface RelevantFilesInput {
  /** Files the pull request changes, with their contents at the base commit (absent for added files). */
  changed: ReadonlyMap<string, string>;
  /** Every file path at the base commit. */
  allFiles: readonly string[];
  /** The issue text the model will see. */
  problemStatement: string;
  /** Reads files at the base commit (used to score candidates by content). */
  readFiles: (paths: readonly string[]) => Promise<Map<string, string>>;
}

/** A ranked unmodified file with the reason it was chosen. */
export interface RelevantFile {
  path: string;
  score: number;
  /** `import` (imported by / importing a changed file) or `lexical` (shares words with the issue). */
  via: "import" | "lexical";
}

const WORD = /[A-Za-z_][A-Za-z0-9_]{2,}/g;
const STOP = new Set(
  "the and for that this with from not are was but have has can should when what which into will been def return self none true false import class function const let var".split(
    " ",
  ),
);

/** Lower-cased identifier-like words, with snake/camel parts split out too. */
export function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(WORD)) {
    const w = m[0];
    const parts = [w, ...w.split("_"), ...w.split(/(?=[A-Z])/)];
    for (const p of parts) {
      const l = p.toLowerCase();
      if (l.length >= 3 && !STOP.has(l)) out.add(l);
    }
  }
  return out;
}

/** Module specifiers a source file imports (Python `import`/`from`, JS `import`/`require`). */
export function importSpecifiers(path: string, source: string): string[] {
  const found: string[] = [];
  if (path.endsWith(".py")) {
    for (const m of source.matchAll(/^\s*from\s+([.\w]+)\s+import\s+([\w., ()]+)/gm)) {
      const mod = m[1] as string;
      found.push(mod);
      for (const name of (m[2] as string).replace(/[()]/g, "").split(",")) {
        const n = name.trim().split(/\s+/)[0];
        if (n) found.push(mod.endsWith(".") ? `${mod}${n}` : `${mod}.${n}`);
      }
    }
    for (const m of source.matchAll(/^\s*import\s+([\w., ]+)/gm)) {
      for (const name of (m[1] as string).split(",")) {
        const n = name.trim().split(/\s+/)[0];
        if (n) found.push(n);
      }
    }
  } else {
    for (const m of source.matchAll(
      /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\s*\(?\s*['"]([^'"]+)['"]/g,
    )) {
      found.push((m[1] ?? m[2] ?? m[3]) as string);
    }
  }
  return found;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function joinPath(dir: string, rel: string): string {
  const parts = dir === "" ? [] : dir.split("/");
  for (const p of rel.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}

/** The repository files an import specifier of `from` may refer to. */
export function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string[] {
  const hits: string[] = [];
  const tryPath = (p: string) => {
    if (files.has(p)) hits.push(p);
  };
  if (from.endsWith(".py")) {
    const leading = /^\.*/.exec(specifier)?.[0].length ?? 0;
    const rest = specifier.slice(leading).replaceAll(".", "/");
    const bases: string[] = [];
    if (leading > 0) {
      let dir = dirOf(from);
      for (let i = 1; i < leading; i++) dir = dirOf(dir);
      bases.push(joinPath(dir, rest));
    } else {
      // Absolute imports: from the repository root, from a `src/` layout, or relative to any ancestor.
      bases.push(rest, `src/${rest}`);
      let dir = dirOf(from);
      while (dir !== "") {
        bases.push(joinPath(dir, rest));
        dir = dirOf(dir);
      }
    }
    for (const b of bases) {
      if (b === "") continue;
      tryPath(`${b}.py`);
      tryPath(`${b}/__init__.py`);
    }
  } else if (specifier.startsWith(".")) {
    const b = joinPath(dirOf(from), specifier);
    for (const ext of ["", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", "/index.js", "/index.ts"])
      tryPath(`${b}${ext}`);
  }
  return [...new Set(hits)];
}

const isTest = (path: string) =>
  /(^|\/)(tests?|__tests__)\/|(^|\/)test_[^/]*$|_test\.\w+$|\.test\.\w+$|\.spec\.\w+$/.test(path);

/**
 * Chooses unmodified files worth showing beside the changed ones, best first: files the changed files
 * import (and files importing a changed file), then files whose path and content share the most words
 * with the issue. Deterministic: ties break by path.
 */
export async function rankRelevantFiles(
  input: RelevantFilesInput,
  config: RelevantFilesConfig = RelevantFilesConfig.parse({}),
): Promise<RelevantFile[]> {
  if (config.ranker === "none" || config.maxRelevantFiles === 0) return [];
  const fileSet = new Set(input.allFiles);
  const candidates = input.allFiles.filter(
    (p) => !input.changed.has(p) && config.extensions.some((e) => p.endsWith(e)),
  );
  if (candidates.length === 0) return [];
  const scores = new Map<string, { score: number; via: RelevantFile["via"] }>();
  const bump = (path: string, score: number, via: RelevantFile["via"]) => {
    const prev = scores.get(path);
    if (!prev || score > prev.score) scores.set(path, { score, via });
  };
  // Imports of the changed (non-test) files point at the code they build on.
  for (const [path, source] of input.changed) {
    for (const spec of importSpecifiers(path, source)) {
      for (const target of resolveImport(path, spec, fileSet)) {
        if (!input.changed.has(target) && candidates.includes(target))
          bump(target, 1000 + (isTest(path) ? 0 : 10), "import");
      }
    }
  }
  // Candidate contents, for the reverse-import and lexical scores.
  const contents = await input.readFiles(candidates);
  const issueWords = words(input.problemStatement);
  const changedWords = new Set<string>();
  for (const [path, source] of input.changed)
    if (!isTest(path)) for (const w of words(`${path} ${source}`)) changedWords.add(w);
  for (const path of candidates) {
    const source = contents.get(path);
    if (source === undefined || source.length > config.maxFileChars) {
      scores.delete(path);
      continue;
    }
    const imports = importSpecifiers(path, source).flatMap((s) => resolveImport(path, s, fileSet));
    if (imports.some((t) => input.changed.has(t) && !isTest(t)))
      bump(path, 500 + (isTest(path) ? 0 : 5), "import");
    const fileWords = words(`${path} ${source}`);
    let overlap = 0;
    for (const w of issueWords) if (fileWords.has(w)) overlap += 2;
    for (const w of changedWords) if (fileWords.has(w)) overlap += 0.1;
    if (overlap >= 2) bump(path, overlap, "lexical");
  }
  return [...scores]
    .map(([path, s]) => ({ path, score: Math.round(s.score * 1000) / 1000, via: s.via }))
    .sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, config.maxRelevantFiles);
}
