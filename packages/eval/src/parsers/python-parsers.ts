import {
  type HarnessVersion,
  type LogParser,
  type StatusMap,
  splitWhitespace,
  startsWithStatus,
  TEST_STATUSES,
  type TestStatus,
} from "./test-status.js";

/**
 * A status-first summary line (`PASSED path::test`, `FAILED path::test - msg`) as the SWE-bench 4.x
 * parsers read it: " - " becomes a space on FAILED lines and the second whitespace field is the name.
 */
function statusFirst(line: string, harness: HarnessVersion = "v4.0.4"): [string, TestStatus] | undefined {
  if (!startsWithStatus(line)) return undefined;
  const text = line.startsWith("FAILED") ? line.replaceAll(" - ", " ") : line;
  const fields = splitWhitespace(text);
  if (fields.length <= 1) return undefined;
  const status = fields[0] as TestStatus;
  const name = fields[1] as string;
  // 5.x no longer reads `SKIPPED [N] file:line: reason` skip summaries as a test named `[N]`
  if (harness !== "v4.0.4" && status === "SKIPPED" && /^\[\d+\]/.test(name)) return undefined;
  return [name, status];
}

/** `pytest -rA` short summary lines. */
export const parsePytest: LogParser = (log, harness) => {
  const map: StatusMap = {};
  for (const line of log.split("\n")) {
    const parsed = statusFirst(line, harness);
    if (parsed) map[parsed[0]] = parsed[1];
  }
  return map;
};

/** Parametrized ids whose option is an absolute path keep only the last path component. */
function normalizeOptionTestName(name: string): string {
  const match = /(.*?)\[(.*)\]/s.exec(name);
  if (!match) return name;
  const main = match[1] as string;
  let option = match[2] as string;
  if (option.startsWith("/") && !option.startsWith("//") && !option.includes("*")) {
    option = `/${option.split("/").at(-1)}`;
  }
  return `${main}[${option}]`;
}

/** pytest with path-valued parameters (requests, pylint, pydicom). */
export const parsePytestOptions: LogParser = (log, harness) => {
  const map: StatusMap = {};
  for (const line of log.split("\n")) {
    const parsed = statusFirst(line, harness);
    if (parsed) map[normalizeOptionTestName(parsed[0])] = parsed[1];
  }
  return map;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: the official parser strips these bytes
const CONTROL_CHARACTERS = /[\u0001-\u001f]/g;

/** pytest with colour codes, and the older `name STATUS` line shape (astropy, scikit-learn, sphinx). */
export const parsePytestV2: LogParser = (log, harness = "v4.0.4") => {
  const map: StatusMap = {};
  for (const raw of log.split("\n")) {
    const line = raw.replace(/\[(\d+)m/g, "").replace(CONTROL_CHARACTERS, "");
    const status = startsWithStatus(line);
    if (status && harness !== "v4.0.4") {
      // 5.x keeps names with spaces: everything after the status up to pytest's " - " message separator
      const name = line.slice(status.length).split(" - ")[0]?.trim() ?? "";
      if (name && !(status === "SKIPPED" && /^\[\d+\]/.test(name))) map[name] = status;
    } else if (status) {
      const text = line.startsWith("FAILED") ? line.replaceAll(" - ", " ") : line;
      const fields = splitWhitespace(text);
      if (fields.length >= 2) map[fields[1] as string] = fields[0] as TestStatus;
    } else if (TEST_STATUSES.some((status) => line.endsWith(status))) {
      const fields = splitWhitespace(line);
      if (fields.length >= 2) map[fields[0] as string] = fields[1] as TestStatus;
    }
  }
  return map;
};

const DJANGO_PASS_SUFFIXES = [" ... ok", " ... OK", " ...  OK"];
const DJANGO_INTERRUPTED_PASSES = [
  /^(.*?)\s\.\.\.\sTesting against Django installed in ([\s\S]*?) silenced\)\.\nok$/gm,
  /^(.*?)\s\.\.\.\sInternal Server Error: \/(.*)\/\nok$/gm,
  /^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$/gm,
];

/** Django's verbose runner: `name (module.Class) ... ok|FAIL|ERROR|skipped`, `FAIL:`/`ERROR:` headers. */
export const parseDjango: LogParser = (log) => {
  const map: StatusMap = {};
  let previous: string | undefined;
  for (const raw of log.split("\n")) {
    let line = raw.trim();
    if (line.includes("--version is equivalent to version"))
      map["--version is equivalent to version"] = "PASSED";
    if (line.includes(" ... ")) previous = line.split(" ... ")[0];
    for (const suffix of DJANGO_PASS_SUFFIXES) {
      if (line.endsWith(suffix)) {
        if (line.startsWith("Applying sites.0002_alter_domain_unique...test_no_migrations")) {
          line = line.slice(line.indexOf("...") + 3).trim();
        }
        map[line.slice(0, line.lastIndexOf(suffix))] = "PASSED";
        break;
      }
    }
    if (line.includes(" ... skipped")) map[line.split(" ... skipped")[0] as string] = "SKIPPED";
    if (line.endsWith(" ... FAIL")) map[line.split(" ... FAIL")[0] as string] = "FAILED";
    if (line.startsWith("FAIL:")) map[splitWhitespace(line)[1] ?? ""] = "FAILED";
    if (line.endsWith(" ... ERROR")) map[line.split(" ... ERROR")[0] as string] = "ERROR";
    if (line.startsWith("ERROR:")) map[splitWhitespace(line)[1] ?? ""] = "ERROR";
    if (line.startsWith("ok") && previous !== undefined) map[previous] = "PASSED";
  }
  for (const pattern of DJANGO_INTERRUPTED_PASSES) {
    for (const match of log.matchAll(pattern)) map[match[1] as string] = "PASSED";
  }
  return map;
};

/** seaborn: `FAILED name`, `name PASSED ...`, `PASSED name`. */
export const parseSeaborn: LogParser = (log) => {
  const map: StatusMap = {};
  for (const line of log.split("\n")) {
    if (line.startsWith("FAILED")) {
      const name = splitWhitespace(line)[1];
      if (name !== undefined) map[name] = "FAILED";
    } else if (line.includes(" PASSED ")) {
      const fields = splitWhitespace(line);
      if (fields[1] === "PASSED") map[fields[0] as string] = "PASSED";
    } else if (line.startsWith("PASSED")) {
      const name = splitWhitespace(line)[1];
      if (name !== undefined) map[name] = "PASSED";
    }
  }
  return map;
};

/** sympy's bin/test: `test_name ok|F|E` lines and `___ path.py:test ___` failure headers. */
export const parseSympy: LogParser = (log) => {
  const map: StatusMap = {};
  for (const match of log.matchAll(/(_*) (.*)\.py:(.*) (_*)/g)) map[`${match[2]}.py:${match[3]}`] = "FAILED";
  for (const raw of log.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("test_")) continue;
    const name = splitWhitespace(line)[0] as string;
    if (line.endsWith(" E")) map[name] = "ERROR";
    if (line.endsWith(" F")) map[name] = "FAILED";
    if (line.endsWith(" ok")) map[name] = "PASSED";
  }
  return map;
};

/** matplotlib: pytest summary lines with MouseButton enum names written as numbers. */
export const parseMatplotlib: LogParser = (log, harness) =>
  parsePytest(
    log
      .split("\n")
      .map((line) => line.replaceAll("MouseButton.LEFT", "1").replaceAll("MouseButton.RIGHT", "3"))
      .join("\n"),
    harness,
  );
