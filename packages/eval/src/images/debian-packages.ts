/**
 * What goes into each image level, as data: Debian (bookworm) package lists.
 *
 * - base: the OS and the tools every evaluation uses (bash, git, patch, coreutils `timeout`).
 * - environment: per repository, what its tests need. Repositories not listed get `DEFAULT_ENVIRONMENT`.
 *
 * `python-is-python3` makes `python` (and `#!/usr/bin/env python`, as sympy's `bin/test` starts) the
 * image's Python 3.
 */
export const BASE_PACKAGES: readonly string[] = ["git", "patch", "ca-certificates"];

export const ENVIRONMENT_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  "sympy/sympy": ["python3", "python3-mpmath", "python-is-python3"],
  // the demo world (packages/demo): Python repositories run unittest, orbit/jsutil runs node --test
  "acme/textkit": ["python3", "python-is-python3"],
  "acme/mathkit": ["python3", "python-is-python3"],
  "orbit/toolbox": ["python3", "python-is-python3"],
  "orbit/jsutil": ["nodejs"],
};

/** For repositories without a list: Python 3 and Node.js, enough for unittest and node --test suites. */
export const DEFAULT_ENVIRONMENT: readonly string[] = ["python3", "python-is-python3", "nodejs"];
