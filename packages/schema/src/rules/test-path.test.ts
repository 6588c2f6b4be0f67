import { describe, expect, it } from "vitest";
import { isTestPath } from "./test-path.js";

describe("isTestPath", () => {
  it("tells test files from source files", () => {
    for (const path of [
      "tests/a.py",
      "pkg/test/b.py",
      "src/foo_test.py",
      "test_x.py",
      "a/conftest.py",
      "x.spec.ts",
    ])
      expect(isTestPath(path), path).toBe(true);
    for (const path of ["src/testing_utils.py", "pkg/contest.py", "latest/a.py"])
      expect(isTestPath(path), path).toBe(false);
  });
});
