import { SwerlError } from "@swerl/schema";
import { parseNodeTestTap, parseUnittest } from "./demo-parsers.js";
import {
  parseDjango,
  parseMatplotlib,
  parsePytest,
  parsePytestOptions,
  parsePytestV2,
  parseSeaborn,
  parseSympy,
} from "./python-parsers.js";
import type { LogParser } from "./test-status.js";

/** Parsers by name: the official ones by their SWE-bench function name, plus the demo-world ones. */
export const LOG_PARSERS: Readonly<Record<string, LogParser>> = {
  parse_log_pytest: parsePytest,
  parse_log_pytest_options: parsePytestOptions,
  parse_log_pytest_v2: parsePytestV2,
  parse_log_django: parseDjango,
  parse_log_seaborn: parseSeaborn,
  parse_log_sympy: parseSympy,
  parse_log_matplotlib: parseMatplotlib,
  unittest: parseUnittest,
  "node-test-tap": parseNodeTestTap,
};

/** Which parser the official harness uses for each Python repository of SWE-bench (full, Lite, Verified). */
export const REPOSITORY_PARSERS: Record<string, string> = {
  "astropy/astropy": "parse_log_pytest_v2",
  "django/django": "parse_log_django",
  "marshmallow-code/marshmallow": "parse_log_pytest",
  "matplotlib/matplotlib": "parse_log_matplotlib",
  "mwaskom/seaborn": "parse_log_seaborn",
  "pallets/flask": "parse_log_pytest",
  "psf/requests": "parse_log_pytest_options",
  "pvlib/pvlib-python": "parse_log_pytest",
  "pydata/xarray": "parse_log_pytest",
  "pydicom/pydicom": "parse_log_pytest_options",
  "pylint-dev/astroid": "parse_log_pytest",
  "pylint-dev/pylint": "parse_log_pytest_options",
  "pytest-dev/pytest": "parse_log_pytest",
  "pyvista/pyvista": "parse_log_pytest",
  "scikit-learn/scikit-learn": "parse_log_pytest_v2",
  "sqlfluff/sqlfluff": "parse_log_pytest",
  "sphinx-doc/sphinx": "parse_log_pytest_v2",
  "sympy/sympy": "parse_log_sympy",
};

export class UnknownParserError extends SwerlError {
  constructor(message: string) {
    super("E_UNKNOWN_PARSER", message);
  }
}

/** Registers the parser of a repository outside SWE-bench (the demo world), by parser name. */
export function registerRepositoryParser(repo: string, parserName: string): void {
  if (!(parserName in LOG_PARSERS)) {
    throw new UnknownParserError(
      `no log parser named ${parserName} (for ${repo}); known: ${Object.keys(LOG_PARSERS).join(", ")}`,
    );
  }
  REPOSITORY_PARSERS[repo] = parserName;
}

export function parserForRepository(repo: string): LogParser {
  const name = REPOSITORY_PARSERS[repo];
  const parser = name === undefined ? undefined : LOG_PARSERS[name];
  if (!parser) {
    throw new UnknownParserError(
      `no log parser for repository ${repo}; register one with registerRepositoryParser("${repo}", name)`,
    );
  }
  return parser;
}
