import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  ConcurrencyLimiter,
  formatZodIssues,
  MinedPullRequest,
  parseConfig,
  readRecords,
  SweBenchInstance,
  SwerlError,
  writeRecords,
} from "@swerl/schema";
import { z } from "zod";
import {
  type Executor,
  mirrorDirectoryName,
  RepositoryEnvironment,
  type Workspace,
} from "../executors/executor.js";
import { LocalExecutor } from "../executors/local-executor.js";
import * as logMarkers from "../harness/log-markers.js";
import { LOG_PARSERS } from "../parsers/registry.js";
import type { StatusMap } from "../parsers/test-status.js";
import { RepositoryTestSpec, testDirectives } from "../specs/test-spec.js";
import { splitPatchByTests } from "./task-patch.js";

export class TaskBuildError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_TASK_BUILD", message, options);
  }
}

/** The options of `buildTasks` / `swerl tasks`. */
export const BuildTasksConfig = z.object({
  minedFile: z
    .string()
    .optional()
    .describe("mined pull requests (MinedPullRequest JSONL or Parquet), unless given as candidates"),
  reposDir: z.string().min(1).describe("directory of bare mirrors named owner__name.git"),
  specs: z
    .union([z.string().min(1), z.record(z.string(), RepositoryTestSpec)])
    .describe("repository -> test spec (testCommand, parser, ...): a JSON file or the object"),
  outDir: z.string().min(1).describe("where the tasks file and the dropped list are written"),
  fileName: z
    .string()
    .regex(/\.jsonl$/, "expected a .jsonl file name")
    .default("tasks.jsonl")
    .describe("tasks file name in outDir; drops go to <stem>.dropped.jsonl"),
  workers: z.number().int().positive().default(1).describe("pull requests processed at once"),
  timeoutSeconds: z.number().positive().default(300).describe("time limit of each test run, in seconds"),
  repeat: z
    .number()
    .int()
    .positive()
    .default(2)
    .describe(
      "test runs before and after the fix; a FAIL_TO_PASS test must fail in all before and pass in all after, else the task is dropped as flaky",
    ),
  environments: z
    .record(z.string(), RepositoryEnvironment)
    .optional()
    .describe("repository -> { interpreter, path, env } for the local executor"),
});
export type BuildTasksConfig = z.infer<typeof BuildTasksConfig>;

/** A candidate that did not become a task, and why. */
export const DroppedTask = z.object({
  instance_id: z.string(),
  repo: z.string(),
  number: z.number().int(),
  reason: z.string(),
});
export type DroppedTask = z.infer<typeof DroppedTask>;

export interface TaskBuildProgress {
  done: number;
  total: number;
  built: number;
  dropped: number;
  instanceId: string;
}

/** Runtime objects of a task build (not options). */
export interface BuildTasksRuntime {
  /** Mined pull requests to turn into tasks (instead of `minedFile`). */
  candidates?: Iterable<z.input<typeof MinedPullRequest>>;
  /** Where tests run; a LocalExecutor over `reposDir` by default (closed at the end only if created here). */
  executor?: Executor;
  onProgress?: (progress: TaskBuildProgress) => void;
  signal?: AbortSignal;
}

export interface BuiltTasks {
  file: string;
  droppedFile: string;
  tasks: SweBenchInstance[];
  dropped: DroppedTask[];
}

function gitOutput(gitDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["--git-dir", gitDir, ...args],
      { maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new TaskBuildError(`git ${args.join(" ")} in ${gitDir}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** `major.minor` of the project version at a commit (package.json, then pyproject.toml/setup.cfg), else `0.0`. */
async function projectVersion(gitDir: string, commit: string): Promise<string> {
  const show = (file: string) => gitOutput(gitDir, ["show", `${commit}:${file}`]).catch(() => undefined);
  let version: string | undefined;
  const pkg = await show("package.json");
  if (pkg) {
    try {
      const parsed = JSON.parse(pkg) as { version?: unknown };
      if (typeof parsed.version === "string") version = parsed.version;
    } catch {
      // a broken package.json does not name a version
    }
  }
  for (const file of ["pyproject.toml", "setup.cfg"]) {
    if (version) break;
    const text = await show(file);
    version = text ? /^version\s*=\s*["']?([^"'\s]+)/m.exec(text)?.[1] : undefined;
  }
  const match = version ? /^v?(\d+)\.(\d+)/.exec(version) : null;
  return match ? `${match[1]}.${match[2]}` : "0.0";
}

function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

function problemStatement(pr: MinedPullRequest): string {
  return pr.linkedIssues.map((issue) => `${issue.title}\n${issue.body}\n`).join("\n");
}

/** Issue comments written before the pull request was opened (SWE-bench's hints). */
function hints(pr: MinedPullRequest): string {
  return pr.linkedIssues
    .flatMap((issue) => issue.comments)
    .filter((comment) => !comment.createdAt || comment.createdAt <= pr.createdAt)
    .map((comment) => comment.body)
    .join("\n");
}

async function loadSpecs(specs: BuildTasksConfig["specs"]): Promise<Map<string, RepositoryTestSpec>> {
  let raw: unknown = specs;
  if (typeof specs === "string") {
    try {
      raw = JSON.parse(await readFile(specs, "utf8"));
    } catch (error) {
      throw new TaskBuildError(`test specs ${specs}: cannot read as JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const parsed = z.record(z.string(), RepositoryTestSpec).safeParse(raw);
  if (!parsed.success) {
    const where = typeof specs === "string" ? specs : "specs";
    throw new TaskBuildError(`${where}: ${formatZodIssues(parsed.error)}`);
  }
  return new Map(Object.entries(parsed.data));
}

async function loadCandidates(
  config: BuildTasksConfig,
  runtime: BuildTasksRuntime,
): Promise<MinedPullRequest[]> {
  if (runtime.candidates) {
    return [...runtime.candidates].map((candidate, index) => {
      const parsed = MinedPullRequest.safeParse(candidate);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TaskBuildError(`candidates[${index}]: ${issue?.path.join(".")}: ${issue?.message}`);
      }
      return parsed.data;
    });
  }
  if (!config.minedFile) throw new TaskBuildError("buildTasks needs candidates or a minedFile (--mined)");
  const out: MinedPullRequest[] = [];
  for await (const record of readRecords(config.minedFile, MinedPullRequest)) out.push(record);
  return out;
}

/** Runs the instance's tests in a workspace and returns their statuses (between the harness markers). */
async function runTests(
  workspace: Workspace,
  command: string,
  parser: (log: string) => StatusMap,
  timeoutMs: number,
): Promise<{ statuses: StatusMap; timedOut: boolean; log: string }> {
  const script = `echo ${quote(logMarkers.START_TEST_OUTPUT)}\n${command}\nstatus=$?\necho ${quote(logMarkers.END_TEST_OUTPUT)}\nexit $status\n`;
  // No bytecode caches: Python keys them on the source's size and whole-second mtime, so a fix of the
  // same size applied within a second of the "before" run would be masked by the stale cache.
  const result = await workspace.run({ command: script, timeoutMs, env: { PYTHONDONTWRITEBYTECODE: "1" } });
  const section = result.log.split(logMarkers.START_TEST_OUTPUT)[1]?.split(logMarkers.END_TEST_OUTPUT)[0];
  let statuses = parser(section ?? result.log);
  if (Object.keys(statuses).length === 0) statuses = parser(result.log);
  return { statuses, timedOut: result.timedOut, log: result.log };
}

type Outcome = { task: SweBenchInstance } | { dropped: string };

async function buildOne(
  pr: MinedPullRequest,
  context: {
    reposDir: string;
    specs: Map<string, RepositoryTestSpec>;
    executor: Executor;
    timeoutMs: number;
    repeat: number;
  },
): Promise<Outcome> {
  const spec = context.specs.get(pr.repo);
  if (!spec) return { dropped: `no test spec for ${pr.repo} (add it to the specs file)` };
  const parser = LOG_PARSERS[spec.parser];
  if (!parser) return { dropped: `unknown log parser ${spec.parser} for ${pr.repo}` };
  if (pr.linkedIssues.length === 0) return { dropped: "no linked issue: nothing to state the problem with" };
  const gitDir = path.join(context.reposDir, mirrorDirectoryName(pr.repo));
  let mergeBase: string;
  let fullPatch: string;
  try {
    mergeBase = (await gitOutput(gitDir, ["merge-base", pr.baseCommit, pr.headCommit])).trim();
    fullPatch = await gitOutput(gitDir, [
      "diff",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      mergeBase,
      pr.headCommit,
    ]);
  } catch (error) {
    return { dropped: `cannot read the patch: ${(error as Error).message}` };
  }
  const split = splitPatchByTests(fullPatch);
  if (split.testFiles.length === 0) return { dropped: "the PR changes no test file" };
  if (split.codeFiles.length === 0) return { dropped: "the PR changes only test files" };
  const version = await projectVersion(gitDir, mergeBase);
  const command = [
    spec.versionCommands[version] ?? spec.testCommand,
    ...testDirectives(spec, split.tests),
  ].join(" ");
  const instanceId = `${pr.repo.replace("/", "__")}-${pr.number}`;
  let workspace: Workspace | undefined;
  try {
    workspace = await context.executor.prepare({ repo: pr.repo, baseCommit: mergeBase, label: instanceId });
    const applyTests = await workspace.run({
      command: "git apply --verbose",
      stdin: split.tests,
      timeoutMs: 60_000,
    });
    if (applyTests.exitCode !== 0)
      return { dropped: `test patch does not apply at ${mergeBase}: ${applyTests.log.trim()}` };
    const runs = async (when: string) => {
      const results: StatusMap[] = [];
      for (let attempt = 0; attempt < context.repeat; attempt += 1) {
        const run = await runTests(workspace as Workspace, command, parser, context.timeoutMs);
        if (run.timedOut)
          return { timedOut: `tests timed out ${when} the fix (${command})`, results, log: run.log };
        results.push(run.statuses);
      }
      return { timedOut: undefined, results, log: "" };
    };
    const before = await runs("before");
    if (before.timedOut) return { dropped: before.timedOut };
    const applyCode = await workspace.run({
      command: "git apply --verbose",
      stdin: split.code,
      timeoutMs: 60_000,
    });
    if (applyCode.exitCode !== 0)
      return { dropped: `patch does not apply after the test patch: ${applyCode.log.trim()}` };
    const after = await runs("after");
    if (after.timedOut) return { dropped: after.timedOut };
    const last = after.results.at(-1) as StatusMap;
    const passesAfter = (name: string) => after.results.every((statuses) => statuses[name] === "PASSED");
    const passedBefore = (name: string) => before.results.map((statuses) => statuses[name] === "PASSED");
    const failToPass = Object.keys(last).filter(
      (name) => passesAfter(name) && passedBefore(name).every((passed) => !passed),
    );
    const passToPass = Object.keys(last).filter(
      (name) => passesAfter(name) && passedBefore(name).every((passed) => passed),
    );
    // a test that fails before and passes after only some of the time is flaky: its task is no measure
    const seen = new Set(after.results.flatMap((statuses) => Object.keys(statuses)));
    const flaky = [...seen].filter((name) => {
      const afterVaries = new Set(after.results.map((statuses) => statuses[name] === "PASSED")).size > 1;
      const beforeVaries = new Set(passedBefore(name)).size > 1;
      return (afterVaries || beforeVaries) && !passedBefore(name).every((passed) => passed);
    });
    if (flaky.length > 0) {
      return {
        dropped: `flaky FAIL_TO_PASS: ${flaky.join(", ")} changed outcome over ${context.repeat} runs before and after the fix`,
      };
    }
    if (failToPass.length === 0) {
      const ran = Object.keys(last).length;
      return {
        dropped:
          ran === 0
            ? `no FAIL_TO_PASS: \`${command}\` reported no test`
            : `no FAIL_TO_PASS: none of the ${ran} tests of \`${command}\` goes from failing to passing`,
      };
    }
    const task = SweBenchInstance.parse({
      instance_id: instanceId,
      repo: pr.repo,
      base_commit: mergeBase,
      patch: split.code,
      test_patch: split.tests,
      problem_statement: problemStatement(pr),
      hints_text: hints(pr),
      created_at: pr.createdAt,
      version,
      environment_setup_commit: mergeBase,
      FAIL_TO_PASS: failToPass,
      PASS_TO_PASS: passToPass,
    });
    return { task };
  } catch (error) {
    return { dropped: `cannot run the tests: ${(error as Error).message}` };
  } finally {
    await workspace?.dispose();
  }
}

/**
 * Turns mined pull requests that change tests into SWE-bench task instances: base commit = merge base
 * of the PR's base and head, `patch` = the non-test part of the cumulative diff, `test_patch` = the test
 * part, problem statement from the linked issues, and FAIL_TO_PASS / PASS_TO_PASS found by running the
 * tests at the base with the test patch, then again with the fix, through an executor (repeated `repeat` times: a FAIL_TO_PASS test whose outcome varies drops the task).
 * Candidates without a FAIL_TO_PASS test (or without tests, an issue, a spec) are dropped with the reason.
 * Tasks keep the candidates' order whatever the number of workers.
 */
export async function buildTasks(
  input: z.input<typeof BuildTasksConfig>,
  runtime: BuildTasksRuntime = {},
): Promise<BuiltTasks> {
  const config = parseConfig(BuildTasksConfig, input, "buildTasks");
  const specs = await loadSpecs(config.specs);
  const candidates = await loadCandidates(config, runtime);
  const executor =
    runtime.executor ??
    new LocalExecutor({
      reposDir: config.reposDir,
      concurrency: config.workers,
      ...(config.environments ? { environments: config.environments } : {}),
    });
  const limiter = new ConcurrencyLimiter(config.workers);
  const outcomes: Outcome[] = new Array(candidates.length);
  const progress = { done: 0, built: 0, dropped: 0 };
  try {
    await Promise.all(
      candidates.map((pr, index) =>
        limiter.run(async () => {
          runtime.signal?.throwIfAborted();
          const outcome = await buildOne(pr, {
            reposDir: config.reposDir,
            specs,
            executor,
            timeoutMs: config.timeoutSeconds * 1000,
            repeat: config.repeat,
          });
          outcomes[index] = outcome;
          progress.done++;
          if ("task" in outcome) progress.built++;
          else progress.dropped++;
          runtime.onProgress?.({
            ...progress,
            total: candidates.length,
            instanceId: `${pr.repo.replace("/", "__")}-${pr.number}`,
          });
        }),
      ),
    );
  } finally {
    if (!runtime.executor) await executor.close();
  }
  const tasks: SweBenchInstance[] = [];
  const dropped: DroppedTask[] = [];
  outcomes.forEach((outcome, index) => {
    const pr = candidates[index] as MinedPullRequest;
    if ("task" in outcome) tasks.push(outcome.task);
    else {
      dropped.push({
        instance_id: `${pr.repo.replace("/", "__")}-${pr.number}`,
        repo: pr.repo,
        number: pr.number,
        reason: outcome.dropped,
      });
    }
  });
  const fileName = config.fileName;
  const file = path.join(config.outDir, fileName);
  const droppedFile = path.join(config.outDir, `${fileName.replace(/\.jsonl$/, "")}.dropped.jsonl`);
  await writeRecords(file, SweBenchInstance, tasks);
  await writeRecords(droppedFile, DroppedTask, dropped);
  return { file, droppedFile, tasks, dropped };
}
