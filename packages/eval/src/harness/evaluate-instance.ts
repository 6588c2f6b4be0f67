import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { InstanceReport, Prediction, SweBenchInstance } from "@swerl/schema";
import type { Executor, Workspace } from "../executors/executor.js";
import { gradeTests, resolutionStatus } from "../grading/grade.js";
import { LOG_PARSERS, UnknownParserError } from "../parsers/registry.js";
import type { HarnessVersion, StatusMap } from "../parsers/test-status.js";
import { diffFiles, type RepositoryTestSpec, repositorySpec, testDirectives } from "../specs/test-spec.js";
import {
  APPLY_PATCH_FAIL,
  APPLY_PATCH_PASS,
  END_TEST_OUTPUT,
  PATCH_APPLY_COMMANDS,
  START_TEST_OUTPUT,
  TESTS_TIMEOUT,
} from "./log-markers.js";
import { writeFileAtomic } from "./output-files.js";

export type InstanceStatus = "resolved" | "unresolved" | "empty_patch" | "error";

/** Why an instance was not graded normally (the v5 run report's `failure_reasons`). */
export type FailureReason =
  | "infra_error"
  | "patch_apply_failed"
  | "test_patch_failed"
  | "timeout"
  | "no_tests_collected";

/** The report.json entry (v5 adds `infra_failure`). */
export type InstanceReportEntry = InstanceReport[string] & {
  infra_failure?: boolean;
  infra_failure_reason?: string;
};

export interface InstanceOutcome {
  instanceId: string;
  status: InstanceStatus;
  /** The report.json entry; absent for errors in v4, as in the official harness. */
  report?: InstanceReportEntry;
  /** Why an error happened (also in run_instance.log). */
  error?: string;
  failureReason?: FailureReason;
  /** Per-test statuses parsed from the test output (absent when the tests did not run). */
  statuses?: StatusMap;
  /** sha256 of the evaluated patch (recorded in run_instance.log; a changed patch is re-evaluated). */
  patchSha256: string;
  /** Wall time of the test command alone, and of everything else. */
  testMs: number;
  overheadMs: number;
}

export interface EvaluateInstanceOptions {
  executor: Executor;
  /** Directory for this instance's files (patch.diff, eval.sh, test_output.txt, report.json, run_instance.log). */
  instanceDir: string;
  timeoutMs: number;
  harness?: HarnessVersion;
  /** The repository's test spec; by default the registered one (official SWE-bench repositories). */
  spec?: RepositoryTestSpec;
  /** Time limit of each patch/git step. */
  stepTimeoutMs?: number;
}

/** Status map from a test log: between the markers when present, else the whole log (as the harness does). */
function testSection(log: string): string | undefined {
  if (!log.includes(START_TEST_OUTPUT) || !log.includes(END_TEST_OUTPUT)) return undefined;
  return log.split(START_TEST_OUTPUT)[1]?.split(END_TEST_OUTPUT)[0];
}

function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

export function patchHash(patch: string | null): string {
  return createHash("sha256")
    .update(patch ?? "")
    .digest("hex");
}

/** The test command of an instance under a spec: the version's command (or the default) and the directives. */
export function testCommandForSpec(
  spec: RepositoryTestSpec,
  instance: Pick<SweBenchInstance, "version" | "test_patch">,
): string {
  const command = spec.versionCommands[instance.version] ?? spec.testCommand;
  return [command, ...testDirectives(spec, instance.test_patch)].join(" ");
}

/** eval.sh as the official harness writes it: reset test files, apply the test patch, run the tests between markers. */
export function evalScript(instance: SweBenchInstance, testCommand: string, dir: string): string {
  const files = diffFiles(instance.test_patch).map(quote).join(" ");
  return [
    "#!/bin/bash",
    "set -uxo pipefail",
    `cd ${quote(dir)}`,
    `git checkout ${quote(instance.base_commit)} -- ${files}`,
    "git apply --verbose - <<'EOF_114329324912'",
    instance.test_patch.replace(/\n$/, ""),
    "EOF_114329324912",
    `: ${quote(START_TEST_OUTPUT)}`,
    testCommand,
    `: ${quote(END_TEST_OUTPUT)}`,
    `git checkout ${quote(instance.base_commit)} -- ${files}`,
    "",
  ].join("\n");
}

/**
 * Runs one prediction the way the official harness does: checkout at the base commit, model patch with
 * the three fallbacks, test files reset and test patch applied, tests run under a time limit, log parsed
 * with the repository's parser and graded against FAIL_TO_PASS/PASS_TO_PASS. report.json is written
 * atomically; with harness v5.0.2 it holds `infra_failure`, and a run that collects no test is graded
 * unresolved (ambiguous) instead of being an error.
 */
export async function evaluateInstance(
  instance: SweBenchInstance,
  prediction: Prediction,
  options: EvaluateInstanceOptions,
): Promise<InstanceOutcome> {
  const started = performance.now();
  const id = instance.instance_id;
  const dir = options.instanceDir;
  const v5 = options.harness === "v5.0.2";
  await mkdir(dir, { recursive: true });
  const runLog: string[] = [];
  const note = (line: string) => runLog.push(`${new Date().toISOString()} - ${line}`);
  const patch = prediction.model_patch;
  const sha = patchHash(patch);
  await writeFileAtomic(path.join(dir, "patch.diff"), patch ?? "");
  note(`Patch sha256: ${sha}`);
  let testMs = 0;
  const finish = async (
    outcome: Omit<InstanceOutcome, "testMs" | "overheadMs" | "patchSha256">,
  ): Promise<InstanceOutcome> => {
    let report = outcome.report;
    if (v5 && report) report = { ...report, infra_failure: report.infra_failure ?? false };
    if (report) {
      await writeFileAtomic(path.join(dir, "report.json"), `${JSON.stringify({ [id]: report }, null, 4)}\n`);
    }
    note(`Result for ${id}: ${outcome.status}${outcome.error ? ` (${outcome.error})` : ""}`);
    await writeFileAtomic(path.join(dir, "run_instance.log"), `${runLog.join("\n")}\n`);
    return {
      ...outcome,
      ...(report ? { report } : {}),
      patchSha256: sha,
      testMs,
      overheadMs: performance.now() - started - testMs,
    };
  };
  if (patch === null || patch === "") {
    return finish({
      instanceId: id,
      status: "empty_patch",
      report: {
        patch_is_None: patch === null,
        patch_exists: false,
        patch_successfully_applied: false,
        resolved: false,
      },
    });
  }
  const stepTimeoutMs = options.stepTimeoutMs ?? 120_000;
  let workspace: Workspace | undefined;
  let stage: "prepare" | "run" = "prepare";
  try {
    const spec = options.spec ?? repositorySpec(instance.repo);
    const parser = LOG_PARSERS[spec.parser];
    if (!parser) throw new UnknownParserError(`no log parser named ${spec.parser} for ${instance.repo}`);
    const command = testCommandForSpec(spec, instance);
    note(`Checking out ${instance.repo} at ${instance.base_commit} for ${id}`);
    workspace = await options.executor.prepare({
      repo: instance.repo,
      baseCommit: instance.base_commit,
      label: id,
    });
    stage = "run";
    await writeFile(path.join(dir, "eval.sh"), evalScript(instance, command, workspace.dir));

    let applied = false;
    const attempts: string[] = [];
    for (const apply of PATCH_APPLY_COMMANDS) {
      const result = await workspace.run({ command: apply, stdin: patch, timeoutMs: stepTimeoutMs });
      attempts.push(`$ ${apply}\n${result.log}`);
      if (result.exitCode === 0) {
        note(`${APPLY_PATCH_PASS} (${apply}):\n${result.log}`);
        applied = true;
        break;
      }
      note(`Failed to apply patch with ${apply} (exit ${result.exitCode}):\n${result.log}`);
    }
    if (!applied) {
      note(`${APPLY_PATCH_FAIL}:\n${attempts.join("\n")}`);
      return finish({
        instanceId: id,
        status: "error",
        failureReason: "patch_apply_failed",
        error: `model patch did not apply with any of: ${PATCH_APPLY_COMMANDS.join("; ")}`,
      });
    }

    const testFiles = diffFiles(instance.test_patch).map(quote).join(" ");
    const reset = `git checkout ${quote(instance.base_commit)} -- ${testFiles}`;
    const resetResult = await workspace.run({ command: reset, timeoutMs: stepTimeoutMs });
    note(`Reset test files: ${reset}\n${resetResult.log}`);
    const testPatch = await workspace.run({
      command: "git apply --verbose",
      stdin: instance.test_patch,
      timeoutMs: stepTimeoutMs,
    });
    if (testPatch.exitCode !== 0) {
      note(`Test patch failed to apply:\n${testPatch.log}`);
      return finish({
        instanceId: id,
        status: "error",
        failureReason: "test_patch_failed",
        error: `test patch did not apply: ${testPatch.log.trim().split("\n").slice(-1)[0] ?? ""}`,
      });
    }

    const script = `echo ${quote(START_TEST_OUTPUT)}\n${command}\nstatus=$?\necho ${quote(END_TEST_OUTPUT)}\nexit $status\n`;
    note(`Running tests: ${command}`);
    const tests = await workspace.run({ command: script, timeoutMs: options.timeoutMs });
    testMs = tests.durationMs;
    let output = tests.log;
    if (tests.timedOut) {
      output += `\n${TESTS_TIMEOUT} after ${options.timeoutMs / 1000} seconds\n`;
      await writeFileAtomic(path.join(dir, "test_output.txt"), output);
      return finish({
        instanceId: id,
        status: "error",
        failureReason: "timeout",
        error: `tests timed out after ${options.timeoutMs / 1000} s`,
      });
    }
    await writeFileAtomic(path.join(dir, "test_output.txt"), output);
    note(`Tests finished with exit code ${tests.exitCode} in ${Math.round(tests.durationMs)} ms`);
    const section = testSection(output);
    if (section === undefined) {
      return finish({
        instanceId: id,
        status: "error",
        failureReason: "infra_error",
        error: "test output markers missing: the test command did not finish normally",
      });
    }
    let statusMap = parser(section, options.harness);
    if (Object.keys(statusMap).length === 0) statusMap = parser(output, options.harness);
    const noTests = Object.keys(statusMap).length === 0 && tests.exitCode !== 0;
    if (noTests && !v5) {
      // the official v4 harness would grade this as unresolved; a runner that reports no test at all and
      // fails is an environment problem, so it is an error here (see docs/decisions.md)
      note(`Test command exited ${tests.exitCode} without reporting any test:\n${output.slice(-2000)}`);
      return finish({
        instanceId: id,
        status: "error",
        failureReason: "no_tests_collected",
        error: `test command exited ${tests.exitCode} without reporting any test: ${output.trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`,
      });
    }
    const testsStatus = gradeTests(statusMap, instance, {
      harness: options.harness,
      evalType: spec.evalType,
    });
    const resolved = resolutionStatus(testsStatus) === "RESOLVED_FULL";
    return finish({
      instanceId: id,
      status: resolved ? "resolved" : "unresolved",
      statuses: statusMap,
      ...(noTests ? { failureReason: "no_tests_collected" as const } : {}),
      report: {
        patch_is_None: false,
        patch_exists: true,
        patch_successfully_applied: true,
        resolved,
        ...(v5 ? { infra_failure: false } : {}),
        tests_status: testsStatus,
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    note(`Error (${stage === "prepare" ? "preparing the workspace" : "running"}): ${message}`);
    return finish({
      instanceId: id,
      status: "error",
      failureReason: "infra_error",
      error: message,
      ...(v5
        ? {
            report: {
              patch_is_None: false,
              patch_exists: true,
              patch_successfully_applied: false,
              resolved: false,
              infra_failure: true,
              infra_failure_reason: message.slice(0, 500),
            },
          }
        : {}),
    });
  } finally {
    await workspace?.dispose().catch(() => undefined);
  }
}
