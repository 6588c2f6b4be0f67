import { isTestPath } from "@swerl/schema";

/** A pull request's cumulative patch split the way SWE-bench splits it. */
export interface SplitPatch {
  /** Non-test files: what a model must produce (`patch`). */
  code: string;
  /** Test files: applied before the tests run (`test_patch`). */
  tests: string;
  codeFiles: string[];
  testFiles: string[];
}

const FILE_HEADER = /^diff --git a\/(.*) b\/(.*)$/;

/**
 * Splits a `git diff` into its test part and its non-test part, file by file (a file is a test file
 * by `isTestPath` of @swerl/schema). Each part is itself a valid patch.
 */
export function splitPatchByTests(patch: string): SplitPatch {
  const code: string[] = [];
  const tests: string[] = [];
  const codeFiles: string[] = [];
  const testFiles: string[] = [];
  let current: string[] | undefined;
  for (const line of patch.split(/(?<=\n)/)) {
    const header = FILE_HEADER.exec(line.replace(/\n$/, ""));
    if (header) {
      const file = header[2] as string;
      const isTest = isTestPath(file) || isTestPath(header[1] as string);
      current = isTest ? tests : code;
      (isTest ? testFiles : codeFiles).push(file);
    }
    current?.push(line);
  }
  return { code: code.join(""), tests: tests.join(""), codeFiles, testFiles };
}
