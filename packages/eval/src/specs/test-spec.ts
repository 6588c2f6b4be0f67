import { SwerlError } from "@swerl/schema";
import { z } from "zod";
import { LOG_PARSERS } from "../parsers/registry.js";

/**
 * How one repository's tests are run and named, as data. `testCommand` is followed by the test
 * directives taken from the instance's test patch; `versionCommands` override it per dataset version.
 */
export const RepositoryTestSpec = z.object({
  testCommand: z.string().min(1),
  versionCommands: z.record(z.string(), z.string()).default({}),
  /** Name in LOG_PARSERS. */
  parser: z.string().refine((name) => name in LOG_PARSERS, "unknown log parser"),
  /** `paths`: files as written in the patch; `django-modules`: `tests/a/b.py` -> `a.b`. */
  directives: z.enum(["paths", "django-modules"]).default("paths"),
  evalType: z.enum(["pass_and_fail", "fail_only"]).default("pass_and_fail"),
});
export type RepositoryTestSpec = z.infer<typeof RepositoryTestSpec>;

const PYTEST = "pytest -rA";
const ASTROPY_OLD = "pytest -rA -vv -o console_output_style=classic --tb=no";

/** The official harness's commands for the Python repositories of SWE-bench Verified and Lite. */
const OFFICIAL: Record<string, z.input<typeof RepositoryTestSpec>> = {
  "astropy/astropy": {
    testCommand: PYTEST,
    versionCommands: Object.fromEntries(
      ["0.1", "0.2", "0.3", "0.4", "1.1", "1.2", "1.3", "2.0"].map((v) => [v, ASTROPY_OLD]),
    ),
    parser: "parse_log_pytest_v2",
  },
  "django/django": {
    testCommand: "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1",
    parser: "parse_log_django",
    directives: "django-modules",
  },
  "matplotlib/matplotlib": { testCommand: PYTEST, parser: "parse_log_matplotlib" },
  "mwaskom/seaborn": { testCommand: "pytest --no-header -rA", parser: "parse_log_seaborn" },
  "pallets/flask": { testCommand: PYTEST, parser: "parse_log_pytest" },
  "psf/requests": { testCommand: PYTEST, parser: "parse_log_pytest_options" },
  "pydata/xarray": { testCommand: PYTEST, parser: "parse_log_pytest" },
  "pylint-dev/pylint": { testCommand: PYTEST, parser: "parse_log_pytest_options" },
  "pytest-dev/pytest": { testCommand: PYTEST, parser: "parse_log_pytest" },
  "scikit-learn/scikit-learn": { testCommand: PYTEST, parser: "parse_log_pytest_v2" },
  "sphinx-doc/sphinx": { testCommand: "tox --current-env -epy39 -v --", parser: "parse_log_pytest_v2" },
  "sympy/sympy": {
    testCommand: "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose",
    parser: "parse_log_sympy",
  },
};

const specs = new Map<string, RepositoryTestSpec>(
  Object.entries(OFFICIAL).map(([repo, spec]) => [repo, RepositoryTestSpec.parse(spec)]),
);

export class UnknownRepositoryError extends SwerlError {
  constructor(message: string) {
    super("E_UNKNOWN_REPOSITORY", message);
  }
}

/** Adds (or replaces) the spec of a repository, e.g. a demo-world one; validated like the official ones. */
export function registerRepositorySpec(
  repo: string,
  spec: z.input<typeof RepositoryTestSpec>,
): RepositoryTestSpec {
  const parsed = RepositoryTestSpec.safeParse(spec);
  if (!parsed.success) {
    throw new UnknownRepositoryError(
      `invalid test spec for ${repo}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  specs.set(repo, parsed.data);
  return parsed.data;
}

export function repositorySpec(repo: string): RepositoryTestSpec {
  const spec = specs.get(repo);
  if (!spec) {
    throw new UnknownRepositoryError(
      `no test spec for repository ${repo}; known: ${[...specs.keys()].join(", ")} (add one with registerRepositorySpec)`,
    );
  }
  return spec;
}

/** Files a unified diff touches, by their post-image path, in diff order. */
export function diffFiles(diff: string): string[] {
  return [...diff.matchAll(/^diff --git a\/.* b\/(.*)$/gm)].map((match) => match[1] as string);
}

const NON_TEST_EXTENSIONS = [
  ".json",
  ".png",
  "csv",
  ".txt",
  ".md",
  ".jpg",
  ".jpeg",
  ".pkl",
  ".yml",
  ".yaml",
  ".toml",
];

/** What the test command is given: the test patch's files (minus data files), in the repository's style. */
export function testDirectives(spec: RepositoryTestSpec, testPatch: string): string[] {
  const files = diffFiles(testPatch).filter((file) => !NON_TEST_EXTENSIONS.some((ext) => file.endsWith(ext)));
  if (spec.directives === "paths") return files;
  return files.map((file) => {
    const module = file.endsWith(".py") ? file.slice(0, -3) : file;
    return (module.startsWith("tests/") ? module.slice("tests/".length) : module).replaceAll("/", ".");
  });
}

/** The full command line that runs an instance's tests. */
export function testCommandFor(instance: { repo: string; version: string; test_patch: string }): string {
  const spec = repositorySpec(instance.repo);
  const command = spec.versionCommands[instance.version] ?? spec.testCommand;
  return [command, ...testDirectives(spec, instance.test_patch)].join(" ");
}
