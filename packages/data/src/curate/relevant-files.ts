import { z } from "zod";
import { pythonOutline } from "./python-syntax.js";

/** How relevant-but-unmodified files are chosen for an instance's code context. */
export const RelevantFilesConfig = z.object({
  ranker: z
    .enum(["lexical", "llm", "none"])
    .default("lexical")
    .describe("lexical: imports, then words of the issue; llm: the policy picks from the shortlist; none"),
  llmShortlist: z
    .number()
    .int()
    .positive()
    .default(20)
    .describe("llm: how many lexical candidates the model chooses from"),
  llmMaxTokens: z.number().int().positive().default(256).describe("llm: the answer's token budget"),
  maxRelevantFiles: z
    .number()
    .int()
    .nonnegative()
    .default(3)
    .describe("at most this many unmodified files join the changed ones"),
  maxFileChars: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe("unmodified files larger than this (characters) are never added"),
  maxCandidates: z
    .number()
    .int()
    .positive()
    .default(5000)
    .describe("unmodified files looked at, at most (in path order), so huge repositories stay fast"),
  cacheEntries: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe("files whose facts are kept between pull requests (the cache is emptied when full)"),
  extensions: z
    .array(z.string())
    .default([".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".rs", ".java", ".rb", ".c", ".h"])
    .describe("file name endings considered as context (source code only)"),
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
  /** Blob id of each file at the base commit: with `cache`, files seen before are not read again. */
  blobs?: ReadonlyMap<string, string>;
  cache?: FileFactsCache;
}

/** A ranked unmodified file with the reason it was chosen. */
export interface RelevantFile {
  path: string;
  score: number;
  /** `import` (imported by / importing a changed file), `lexical` (shares words with the issue) or `llm` (the model chose it). */
  via: "import" | "lexical" | "llm";
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

/** `def name` / `class Name` / `function name` / `const name =` at the start of a line. */
const DEFINITION =
  /^\s*(?:async\s+)?(?:def|class)\s+(\w+)|^\s*(?:export\s+)?(?:async\s+)?(?:function\*?|class|const|let)\s+(\w+)/gm;

/** What the ranker keeps of one file; cached by blob id and path across pull requests. */
export interface FileFacts {
  /** Import specifiers as written (resolved against each commit's file list). */
  specifiers: string[];
  words: Set<string>;
  definitions: Set<string>;
}

/**
 * Facts of files already seen, keyed by `blob id:path` (a long history shows the same blob in many
 * pull requests' base commits); `null` marks an unreadable or oversized file.
 */
export type FileFactsCache = Map<string, FileFacts | null>;

/** Imports, words and defined names of one file: tree-sitter for Python when `parse`, patterns otherwise. */
async function factsOf(path: string, source: string, parse: boolean): Promise<FileFacts> {
  let specifiers: string[];
  let definitions: Set<string>;
  if (parse && path.endsWith(".py")) {
    const outline = await pythonOutline(source);
    specifiers = outline.parsed ? outline.imports : importSpecifiers(path, source);
    definitions = words(outline.definitions.join(" "));
  } else {
    specifiers = importSpecifiers(path, source);
    const names = [...source.matchAll(DEFINITION)].map((m) => m[1] ?? m[2] ?? "");
    definitions = words(names.join(" "));
  }
  return { specifiers, words: words(`${path.replaceAll("/", " ")} ${source}`), definitions };
}

const resolved = (path: string, facts: FileFacts, files: ReadonlySet<string>) => [
  ...new Set(facts.specifiers.flatMap((s) => resolveImport(path, s, files))),
];

/**
 * Chooses unmodified files worth showing beside the changed ones (the `llm` ranker's shortlist is
 * this ranking too; see {@link llmRankRelevantFiles}), best first:
 * 1. files a changed file imports (Python imports read from the tree-sitter syntax tree, so
 *    relative, parenthesised and aliased imports resolve; JS `import`/`require` by pattern);
 * 2. files that import a changed source file (its callers and tests);
 * 3. files sharing words with the issue (definitions named in the issue count most).
 * Deterministic: ties break by path.
 */
export async function rankRelevantFiles(
  input: RelevantFilesInput,
  config: RelevantFilesConfig = RelevantFilesConfig.parse({}),
): Promise<RelevantFile[]> {
  if (config.ranker === "none" || config.maxRelevantFiles === 0) return [];
  const fileSet = new Set(input.allFiles);
  const candidates = input.allFiles
    .filter((p) => !input.changed.has(p) && config.extensions.some((e) => p.endsWith(e)))
    .slice(0, config.maxCandidates);
  if (candidates.length === 0) return [];
  const candidateSet = new Set(candidates);
  const scores = new Map<string, { score: number; via: RelevantFile["via"] }>();
  const bump = (path: string, score: number, via: RelevantFile["via"]) => {
    const prev = scores.get(path);
    if (!prev || score > prev.score) scores.set(path, { score, via });
  };
  const changedSources = new Set([...input.changed.keys()].filter((p) => !isTest(p)));
  for (const [path, source] of input.changed) {
    for (const target of resolved(path, await factsOf(path, source, true), fileSet)) {
      if (candidateSet.has(target)) bump(target, isTest(path) ? 900 : 1000, "import");
    }
  }
  const cache = input.cache;
  const keyOf = (path: string) => {
    const blob = input.blobs?.get(path);
    return blob && cache ? `${blob}:${path}` : undefined;
  };
  const facts = new Map<string, FileFacts | null>();
  const unread: string[] = [];
  for (const path of candidates) {
    const key = keyOf(path);
    const hit = key === undefined ? undefined : cache?.get(key);
    if (hit !== undefined) facts.set(path, hit);
    else unread.push(path);
  }
  const contents = await input.readFiles(unread);
  for (const path of unread) {
    const source = contents.get(path);
    const f =
      source === undefined || source.length > config.maxFileChars ? null : await factsOf(path, source, false);
    facts.set(path, f);
    const key = keyOf(path);
    if (key !== undefined && cache) {
      if (cache.size >= config.cacheEntries) cache.clear();
      cache.set(key, f);
    }
  }
  const issueWords = words(input.problemStatement);
  for (const path of candidates) {
    const f = facts.get(path);
    if (!f) {
      scores.delete(path);
      continue;
    }
    if (resolved(path, f, fileSet).some((t) => changedSources.has(t)))
      bump(path, isTest(path) ? 500 : 600, "import");
    let overlap = 0;
    for (const w of issueWords) if (f.words.has(w)) overlap += f.definitions.has(w) ? 3 : 1;
    if (overlap >= 2) bump(path, overlap, "lexical");
  }
  return [...scores]
    .map(([path, s]) => ({ path, score: s.score, via: s.via }))
    .sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, config.maxRelevantFiles);
}
