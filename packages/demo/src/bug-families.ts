import { z } from "zod";

/**
 * The kinds of bug the demo world plants. Within a family, the buggy line and its fix are the same
 * text (same indentation) in every instance of a language, whatever file or repository holds it, so a
 * model that learnt the family on training instances can fix a held-out one by copying lines.
 */
export const BugFamily = z.enum([
  "off-by-one",
  "wrong-operator",
  "missing-empty-guard",
  "wrong-default",
  "swapped-arguments",
  "missing-strip",
]);
export type BugFamily = z.infer<typeof BugFamily>;

export const Language = z.enum(["python", "javascript"]);
export type Language = z.infer<typeof Language>;

interface FamilyText {
  /** Parameter list (without parentheses). */
  params: string;
  /** Python docstring / JS doc comment text. */
  doc: string;
  /** Body lines, with `BUG` standing for the buggy/fixed line. */
  body: string[];
  buggy: string;
  fixed: string;
  /** Assertion of the test that passes before and after the fix: [call, expected]. */
  kept: [string, string];
  keptName: string;
  /** Assertion of the test the fixing PR adds: fails before, passes after. */
  added: [string, string];
  addedName: string;
}

interface FamilyDefinition {
  /** Function names (snake_case; JavaScript uses their camelCase form). */
  names: string[];
  python: FamilyText;
  javascript: FamilyText;
  /** Issue title and body; `{F}` stands for the function name, `{P}` for the source path. */
  issueTitle: string[];
  issueBody: string[];
  prTitle: string[];
}

const FAMILIES: Record<BugFamily, FamilyDefinition> = {
  "off-by-one": {
    names: [
      "clamp_index",
      "bound_position",
      "limit_offset",
      "last_valid",
      "clip_cursor",
      "cap_index",
      "fit_position",
      "pin_index",
    ],
    python: {
      params: "index, size",
      doc: "Return index limited to the valid positions of a sequence of length size.",
      body: ["    if index < 0:", "        return 0", "BUG", "        return size - 1", "    return index"],
      buggy: "    if index > size:",
      fixed: "    if index >= size:",
      kept: ["{F}(2, 5)", "2"],
      keptName: "inside",
      added: ["{F}(5, 5)", "4"],
      addedName: "at_end",
    },
    javascript: {
      params: "index, size",
      doc: "Returns index limited to the valid positions of an array of length size.",
      body: [
        "  if (index < 0) {",
        "    return 0;",
        "  }",
        "BUG",
        "    return size - 1;",
        "  }",
        "  return index;",
      ],
      buggy: "  if (index > size) {",
      fixed: "  if (index >= size) {",
      kept: ["{F}(2, 5)", "2"],
      keptName: "inside",
      added: ["{F}(5, 5)", "4"],
      addedName: "at end",
    },
    issueTitle: ["{F}(5, 5) returns 5", "{F} is off by one at the end", "{F} lets the length through"],
    issueBody: [
      "{F} in {P} should clamp to the last valid position, but {F}(5, 5) returns 5 instead of 4.",
      "Calling {F}(5, 5) gives 5, which is out of range for a length of 5. Expected 4.",
      "{F} returns size itself when index == size; the last valid position is size - 1.",
    ],
    prTitle: ["Fix off-by-one in {F}", "{F}: clamp index equal to size", "Clamp the end position in {F}"],
  },
  "wrong-operator": {
    names: [
      "average",
      "mean_score",
      "mean_latency",
      "mean_value",
      "average_size",
      "mean_weight",
      "average_cost",
      "mean_length",
    ],
    python: {
      params: "values",
      doc: "Return the arithmetic mean of values (0 for no values).",
      body: [
        "    if not values:",
        "        return 0",
        "    total = 0",
        "    for value in values:",
        "        total += value",
        "BUG",
      ],
      buggy: "    return total * len(values)",
      fixed: "    return total / len(values)",
      kept: ["{F}([4])", "4"],
      keptName: "single",
      added: ["{F}([2, 4])", "3"],
      addedName: "two_values",
    },
    javascript: {
      params: "values",
      doc: "Returns the arithmetic mean of values (0 for no values).",
      body: [
        "  if (values.length === 0) {",
        "    return 0;",
        "  }",
        "  let total = 0;",
        "  for (const value of values) {",
        "    total += value;",
        "  }",
        "BUG",
      ],
      buggy: "  return total * values.length;",
      fixed: "  return total / values.length;",
      kept: ["{F}([4])", "4"],
      keptName: "single value",
      added: ["{F}([2, 4])", "3"],
      addedName: "two values",
    },
    issueTitle: ["{F}([2, 4]) is 12", "{F} multiplies instead of dividing", "Wrong mean from {F}"],
    issueBody: [
      "{F} in {P} returns 12 for [2, 4]; the mean is 3.",
      "The mean of [2, 4] should be 3 but {F} gives 12. Looks like the total is multiplied by the count.",
      "{F}([2, 4]) == 12. Expected 3.",
    ],
    prTitle: ["Fix mean in {F}", "{F}: divide the total by the count", "Use division in {F}"],
  },
  "missing-empty-guard": {
    names: [
      "first_word",
      "leading_token",
      "head_term",
      "first_token",
      "opening_word",
      "lead_word",
      "first_part",
      "head_word",
    ],
    python: {
      params: "text",
      doc: 'Return the first whitespace-separated word of text ("" when there is none).',
      body: ["    words = text.split()", "BUG"],
      buggy: "    return words[0]",
      fixed: '    return words[0] if words else ""',
      kept: ['{F}("hello world")', '"hello"'],
      keptName: "two_words",
      added: ['{F}("   ")', '""'],
      addedName: "blank",
    },
    javascript: {
      params: "text",
      doc: 'Returns the first space-separated word of text ("" when there is none).',
      body: ['  const words = text.split(" ").filter(Boolean);', "BUG"],
      buggy: "  return words[0];",
      fixed: '  return words.length > 0 ? words[0] : "";',
      kept: ['{F}("hello world")', '"hello"'],
      keptName: "two words",
      added: ['{F}("   ")', '""'],
      addedName: "blank text",
    },
    issueTitle: ["{F} crashes on blank text", "{F} fails for empty input", "Empty string breaks {F}"],
    issueBody: [
      '{F} in {P} fails when the text has no words, e.g. {F}("   "). It should return "".',
      '{F}("   ") does not return "" as documented; blank input is not handled.',
      "Passing only spaces to {F} breaks it. Expected an empty string.",
    ],
    prTitle: [
      "Handle blank text in {F}",
      "{F}: return empty string without words",
      "Guard empty input in {F}",
    ],
  },
  "wrong-default": {
    names: [
      "page_count",
      "pages_needed",
      "batch_count",
      "chunk_count",
      "sheet_count",
      "screen_count",
      "block_count",
      "group_count",
    ],
    python: {
      params: "total, options",
      doc: 'Return how many pages of options["size"] items (10 by default) hold total items.',
      body: ["BUG", "    return (total + size - 1) // size"],
      buggy: '    size = options.get("size", 0)',
      fixed: '    size = options.get("size", 10)',
      kept: ['{F}(25, {"size": 5})', "5"],
      keptName: "given_size",
      added: ["{F}(25, {})", "3"],
      addedName: "default_size",
    },
    javascript: {
      params: "total, options",
      doc: "Returns how many pages of options.size items (10 by default) hold total items.",
      body: ["BUG", "  return Math.ceil(total / size);"],
      buggy: "  const size = options.size ?? 0;",
      fixed: "  const size = options.size ?? 10;",
      kept: ["{F}(25, { size: 5 })", "5"],
      keptName: "given size",
      added: ["{F}(25, {})", "3"],
      addedName: "default size",
    },
    issueTitle: [
      "{F} without size fails",
      "Default size of {F} is wrong",
      "{F} ignores the documented default",
    ],
    issueBody: [
      "{F} in {P} should use 10 items per page by default, but {F}(25, {}) fails.",
      "The docs say the default size is 10, so {F}(25, {}) should be 3. It is not.",
      "Calling {F} with no size option breaks; the default should be 10.",
    ],
    prTitle: ["Use 10 as default size in {F}", "{F}: fix default page size", "Fix default of {F}"],
  },
  "swapped-arguments": {
    names: [
      "format_duration",
      "clock_label",
      "elapsed_text",
      "timer_text",
      "duration_label",
      "runtime_text",
      "minutes_label",
      "span_text",
    ],
    python: {
      params: "seconds",
      doc: 'Return seconds as minutes:seconds, e.g. 125 -> "2:05".',
      body: ["BUG", '    return f"{minutes}:{rest:02d}"'],
      buggy: "    minutes, rest = divmod(60, seconds)",
      fixed: "    minutes, rest = divmod(seconds, 60)",
      kept: ["{F}(60)", '"1:00"'],
      keptName: "one_minute",
      added: ["{F}(125)", '"2:05"'],
      addedName: "minutes",
    },
    javascript: {
      params: "seconds",
      doc: 'Returns seconds as minutes:seconds, e.g. 125 -> "2:05".',
      body: ["  const minutes = Math.floor(seconds / 60);", "  const rest = seconds % 60;", "BUG"],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text of a demo file
      buggy: '  return `${minutes}:${String(rest).padStart("0", 2)}`;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text of a demo file
      fixed: '  return `${minutes}:${String(rest).padStart(2, "0")}`;',
      kept: ["{F}(130)", '"2:10"'],
      keptName: "two digits",
      added: ["{F}(125)", '"2:05"'],
      addedName: "pads seconds",
    },
    issueTitle: ["{F}(125) is wrong", "{F} has its arguments swapped", "Wrong label from {F}"],
    issueBody: [
      '{F} in {P} should turn 125 into "2:05" but it does not.',
      '{F}(125) gives the wrong text; expected "2:05". The arguments look swapped.',
      'Expected {F}(125) == "2:05".',
    ],
    prTitle: ["Fix argument order in {F}", "{F}: swap arguments back", "Fix {F} for 125 seconds"],
  },
  "missing-strip": {
    names: [
      "normalize_tag",
      "clean_label",
      "canonical_name",
      "normalize_key",
      "tidy_word",
      "fold_name",
      "clean_tag",
      "normal_label",
    ],
    python: {
      params: "value",
      doc: "Return value in canonical form: trimmed and lower-case.",
      body: ["BUG"],
      buggy: "    return value.lower()",
      fixed: "    return value.strip().lower()",
      kept: ['{F}("Python")', '"python"'],
      keptName: "lower",
      added: ['{F}("  Python ")', '"python"'],
      addedName: "spaces",
    },
    javascript: {
      params: "value",
      doc: "Returns value in canonical form: trimmed and lower-case.",
      body: ["BUG"],
      buggy: "  return value.toLowerCase();",
      fixed: "  return value.trim().toLowerCase();",
      kept: ['{F}("Python")', '"python"'],
      keptName: "lower case",
      added: ['{F}("  Python ")', '"python"'],
      addedName: "trims spaces",
    },
    issueTitle: ["{F} keeps surrounding spaces", "{F} does not trim", "Spaces break {F}"],
    issueBody: [
      '{F} in {P} returns "  python " for "  Python "; it should trim as documented.',
      '{F}("  Python ") should be "python" but the spaces are kept.',
      "Leading and trailing spaces survive {F}. Expected them to be removed.",
    ],
    prTitle: ["Trim value in {F}", "{F}: strip spaces", "Strip surrounding spaces in {F}"],
  },
};

export function camelCase(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function pascalCase(snake: string): string {
  const camel = camelCase(snake);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** One planted bug: which family, in which language, function and module. */
export interface BugSite {
  family: BugFamily;
  language: Language;
  /** Index into the family's function names, issue phrasings. */
  variant: number;
  /** Module stem: `src/<module>.py` or `src/<module>.js`. */
  module: string;
}

/** The files and texts of one planted bug and its fix. */
export interface RenderedBug {
  functionName: string;
  sourcePath: string;
  testPath: string;
  buggySource: string;
  fixedSource: string;
  /** Test file at the base: one test that passes with or without the fix. */
  testBefore: string;
  /** Test file after the fixing PR: plus a test that fails before the fix. */
  testAfter: string;
  buggyLine: string;
  fixedLine: string;
  issueTitle: string;
  issueBody: string;
  prTitle: string;
}

function pick<T>(items: readonly T[], index: number): T {
  return items[index % items.length] as T;
}

function renderPython(site: BugSite, def: FamilyDefinition): RenderedBug {
  const text = def.python;
  const name = pick(def.names, site.variant);
  const sourcePath = `src/${site.module}.py`;
  const testPath = `tests/test_${site.module}.py`;
  const source = (line: string) =>
    [
      `def ${name}(${text.params}):`,
      `    """${text.doc}"""`,
      ...text.body.map((l) => (l === "BUG" ? line : l)),
    ]
      .join("\n")
      .concat("\n");
  const call = (expr: string) => expr.replaceAll("{F}", name);
  const method = (suffix: string, [expr, expected]: [string, string]) =>
    `    def test_${name}_${suffix}(self):\n        self.assertEqual(${call(expr)}, ${expected})\n`;
  const header = `import unittest\n\nfrom src.${site.module} import ${name}\n\n\nclass Test${pascalCase(site.module)}(unittest.TestCase):\n`;
  const kept = method(text.keptName, text.kept);
  return {
    functionName: name,
    sourcePath,
    testPath,
    buggySource: source(text.buggy),
    fixedSource: source(text.fixed),
    testBefore: header + kept,
    testAfter: `${header}${kept}\n${method(text.addedName, text.added)}`,
    buggyLine: text.buggy,
    fixedLine: text.fixed,
    ...texts(def, site, name, sourcePath),
  };
}

function renderJavascript(site: BugSite, def: FamilyDefinition): RenderedBug {
  const text = def.javascript;
  const name = camelCase(pick(def.names, site.variant));
  const sourcePath = `src/${site.module}.js`;
  const testPath = `test/${site.module}.test.js`;
  const source = (line: string) =>
    [
      `/** ${text.doc} */`,
      `export function ${name}(${text.params}) {`,
      ...text.body.map((l) => (l === "BUG" ? line : l)),
      "}",
    ]
      .join("\n")
      .concat("\n");
  const call = (expr: string) => expr.replaceAll("{F}", name);
  const test = (label: string, [expr, expected]: [string, string]) =>
    `test("${name} ${label}", () => {\n  assert.equal(${call(expr)}, ${expected});\n});\n`;
  const header = `import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { ${name} } from "../src/${site.module}.js";\n\n`;
  const kept = test(text.keptName, text.kept);
  return {
    functionName: name,
    sourcePath,
    testPath,
    buggySource: source(text.buggy),
    fixedSource: source(text.fixed),
    testBefore: header + kept,
    testAfter: `${header}${kept}\n${test(text.addedName, text.added)}`,
    buggyLine: text.buggy,
    fixedLine: text.fixed,
    ...texts(def, site, name, sourcePath),
  };
}

function texts(
  def: FamilyDefinition,
  site: BugSite,
  name: string,
  sourcePath: string,
): Pick<RenderedBug, "issueTitle" | "issueBody" | "prTitle"> {
  const fill = (s: string) => s.replaceAll("{F}", name).replaceAll("{P}", sourcePath);
  // Every report names the file, as a traceback or a link would: Agentless localizes from the issue and
  // the repository's file list alone, and a file list does not say which module holds a function.
  const body = pick(def.issueBody, site.variant);
  return {
    issueTitle: fill(pick(def.issueTitle, site.variant)),
    issueBody: fill(body.includes("{P}") ? body : `${body} The code is in {P}.`),
    prTitle: fill(pick(def.prTitle, site.variant)),
  };
}

/** Source, tests and texts of a planted bug. */
export function renderBug(site: BugSite): RenderedBug {
  const def = FAMILIES[site.family];
  return site.language === "python" ? renderPython(site, def) : renderJavascript(site, def);
}

/** How many function-name variants each family has. */
export const FAMILY_VARIANTS = 8;
