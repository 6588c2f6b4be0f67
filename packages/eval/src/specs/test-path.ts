/** Whether a repository path is a test file (SWE-bench's split of a PR into `patch` and `test_patch`, and what Agentless leaves out of its views). */
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
