import { createRequire } from "node:module";
import { Language, type Node, Parser } from "web-tree-sitter";

let parserPromise: Promise<Parser> | null = null;

/** One shared tree-sitter parser for Python, loaded once from tree-sitter-python's shipped .wasm. */
export function pythonParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    const language = await Language.load(require.resolve("tree-sitter-python/tree-sitter-python.wasm"));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Does this Python source parse without syntax errors? */
export async function isValidPython(source: string): Promise<boolean> {
  const tree = (await pythonParser()).parse(source);
  try {
    return tree !== null && !tree.rootNode.hasError;
  } finally {
    tree?.delete();
  }
}

function isDocstring(node: Node): boolean {
  if (node.type !== "expression_statement" || node.namedChildCount !== 1) return false;
  const child = node.namedChild(0);
  return child !== null && (child.type === "string" || child.type === "concatenated_string");
}

/**
 * Python source reduced to what it means: comments, docstrings (any statement that is only a string)
 * and all layout removed, tokens joined by single spaces. Two sources differing only in formatting,
 * comments or docstrings normalize to the same text. Falls back to whitespace folding when the source
 * does not parse.
 */
export async function normalizePython(source: string): Promise<string> {
  const tree = (await pythonParser()).parse(source);
  if (!tree || tree.rootNode.hasError) {
    tree?.delete();
    return source.replace(/\s+/g, " ").trim();
  }
  const tokens: string[] = [];
  const walk = (node: Node): void => {
    if (node.type === "comment" || isDocstring(node)) return;
    if (node.childCount === 0 || node.type === "string") {
      tokens.push(node.text);
      return;
    }
    for (const child of node.children) if (child) walk(child);
  };
  try {
    walk(tree.rootNode);
  } finally {
    tree.delete();
  }
  return tokens.filter((t) => t.length > 0).join(" ");
}
