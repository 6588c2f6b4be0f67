import { readAllRecords, SweBenchInstance } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import {
  diffFiles,
  registerRepositorySpec,
  repositorySpec,
  testCommandFor,
  testDirectives,
} from "./test-spec.js";

const START = ": '>>>>> Start Test Output'\n";
const END = "\n: '>>>>> End Test Output'";

describe("test specs against the official eval_script of every instance", () => {
  it.each(["swe-bench_verified.test.jsonl.gz", "swe-bench_lite.test.jsonl.gz"])(
    "%s: derived command == the command between the output markers",
    async (file) => {
      const instances = await readAllRecords(
        new URL(`../../../schema/fixtures/swe-bench/${file}`, import.meta.url).pathname,
        SweBenchInstance,
      );
      const mismatches: string[] = [];
      for (const instance of instances) {
        const script = instance.eval_script ?? "";
        const official = script.split(START)[1]?.split(END)[0];
        const ours = testCommandFor(instance);
        if (ours !== official) mismatches.push(`${instance.instance_id}: ours=${ours} official=${official}`);
        expect(repositorySpec(instance.repo).parser.replace(/^parse_log_/, "")).toBeTruthy();
      }
      expect(mismatches).toEqual([]);
      expect(instances.length).toBeGreaterThanOrEqual(300);
    },
  );
});

describe("directives", () => {
  const patch = [
    "diff --git a/tests/forms_tests/tests/test_input.py b/tests/forms_tests/tests/test_input.py",
    "--- a/x",
    "diff --git a/tests/data/fixture.json b/tests/data/fixture.json",
    "",
  ].join("\n");
  it("turns django test files into modules and drops data files", () => {
    expect(diffFiles(patch)).toEqual(["tests/forms_tests/tests/test_input.py", "tests/data/fixture.json"]);
    expect(testDirectives(repositorySpec("django/django"), patch)).toEqual(["forms_tests.tests.test_input"]);
  });
  it("accepts demo repositories registered as data and rejects unknown parsers", () => {
    registerRepositorySpec("demo/calc", { testCommand: "python3 -m unittest -v", parser: "unittest" });
    expect(
      testCommandFor({
        repo: "demo/calc",
        version: "1",
        test_patch: "diff --git a/test_calc.py b/test_calc.py\n",
      }),
    ).toBe("python3 -m unittest -v test_calc.py");
    expect(() => registerRepositorySpec("demo/x", { testCommand: "x", parser: "nope" })).toThrow(
      "invalid test spec for demo/x: parser: unknown log parser",
    );
    expect(() => repositorySpec("nobody/none")).toThrow("no test spec for repository nobody/none");
  });
});
