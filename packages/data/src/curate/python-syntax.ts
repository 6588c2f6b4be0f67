import type { Node } from "web-tree-sitter";
import { pythonParser } from "../python/python-parser.js";

/** What the relevant-file ranker reads from a Python module. */
export interface PythonOutline {
  /**
   * Imported module paths, dotted, with relative imports keeping their leading dots
   * (`from ..a import b` gives `..a` and `..a.b`; `import x.y` gives `x.y`).
   */
  imports: string[];
  /** Names of the classes and functions it defines (any depth). */
  definitions: string[];
  /** Every identifier it mentions. */
  identifiers: Set<string>;
  /** False when the source has syntax errors (the outline is then best effort). */
  parsed: boolean;
}

function dotted(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === "aliased_import") return dotted(node.childForFieldName("name"));
  return node.text.replace(/\s+/g, "");
}

/** Imports, definitions and identifiers of a Python source, from its tree-sitter syntax tree. */
export async function pythonOutline(source: string): Promise<PythonOutline> {
  const tree = (await pythonParser()).parse(source);
  const outline: PythonOutline = { imports: [], definitions: [], identifiers: new Set(), parsed: false };
  if (!tree) return outline;
  try {
    outline.parsed = !tree.rootNode.hasError;
    const stack: Node[] = [tree.rootNode];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      switch (node.type) {
        case "import_statement":
          for (const name of node.childrenForFieldName("name")) {
            const d = dotted(name);
            if (d) outline.imports.push(d);
          }
          break;
        case "import_from_statement": {
          const module = dotted(node.childForFieldName("module_name"));
          if (!module) break;
          outline.imports.push(module);
          for (const name of node.childrenForFieldName("name")) {
            const d = dotted(name);
            if (d) outline.imports.push(module.endsWith(".") ? `${module}${d}` : `${module}.${d}`);
          }
          break;
        }
        case "function_definition":
        case "class_definition": {
          const name = node.childForFieldName("name");
          if (name) outline.definitions.push(name.text);
          break;
        }
        case "identifier":
          outline.identifiers.add(node.text);
          break;
      }
      for (const child of node.namedChildren) if (child) stack.push(child);
    }
  } finally {
    tree.delete();
  }
  return outline;
}
