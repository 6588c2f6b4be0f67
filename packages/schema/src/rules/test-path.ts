/**
 * Whether a repository path is a test file: under a `tests`/`test`/`testing`/`__tests__` directory,
 * `test_*.py`, `*_test.py`/`*_tests.py`, `*.test.ts`/`*.spec.js` (any JS/TS extension), or `conftest.py`.
 * The one rule that splits a pull request's patch into `patch` and `test_patch` and that keeps tests out
 * of Agentless localization.
 */
export function isTestPath(path: string): boolean {
  const parts = path.split("/");
  const file = parts.at(-1) ?? "";
  return (
    parts.some((p) => p === "tests" || p === "test" || p === "testing" || p === "__tests__") ||
    /^test_.*\.py$/.test(file) ||
    /_tests?\.py$/.test(file) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(file) ||
    file === "conftest.py"
  );
}
