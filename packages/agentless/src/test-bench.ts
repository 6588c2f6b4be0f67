import {
  type Executor,
  LOG_PARSERS,
  logMarkers,
  type RepositoryTestSpec,
  type StatusMap,
  type Workspace,
} from "@swerl/eval";
import { AgentlessWorkspaceError } from "./errors.js";
import { type ReproductionVerdict, reproductionVerdict } from "./reproduction.js";

/** Where a generated reproduction script is written in the workspace (removed by each reset). */
export const REPRODUCTION_SCRIPT = "swerl_reproduce_issue.py";

function quote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

export interface TestBenchOptions {
  /** Time limit of one run of the regression suite, in seconds. */
  suiteTimeoutSeconds: number;
  /** Time limit of one reproduction script, in seconds. */
  reproductionTimeoutSeconds: number;
}

/**
 * Runs an instance's tests in one workspace at the base commit, for the original code or with a candidate
 * patch applied: the repository's test suite (the spec's command without test directives, parsed with
 * its log parser) and generated reproduction scripts. Every run starts from a clean checkout
 * (`git reset --hard`, `git clean -fd`; ignored build products are kept).
 */
export class TestBench {
  readonly #workspace: Workspace;
  readonly #spec: RepositoryTestSpec;
  readonly #options: TestBenchOptions;

  constructor(workspace: Workspace, spec: RepositoryTestSpec, options: TestBenchOptions) {
    this.#workspace = workspace;
    this.#spec = spec;
    this.#options = options;
  }

  /** Resets the checkout and applies `patch` (none: the original code); false when it does not apply. */
  async #checkout(patch: string | undefined): Promise<boolean> {
    const reset = await this.#workspace.run({
      command: "git reset --hard -q && git clean -fdq",
      timeoutMs: 120_000,
    });
    if (reset.exitCode !== 0)
      throw new AgentlessWorkspaceError(
        `cannot reset ${this.#workspace.dir} to its base commit: ${reset.log.slice(-500)}`,
      );
    if (!patch) return true;
    const applied = await this.#workspace.run({
      command: "git apply --verbose",
      stdin: patch,
      timeoutMs: 120_000,
    });
    return applied.exitCode === 0;
  }

  /** Test statuses of the whole suite; null when the patch does not apply. */
  async runSuite(patch?: string): Promise<StatusMap | null> {
    if (!(await this.#checkout(patch))) return null;
    const parser = LOG_PARSERS[this.#spec.parser]!;
    const script = `echo ${quote(logMarkers.START_TEST_OUTPUT)}\n${this.#spec.testCommand}\nstatus=$?\necho ${quote(logMarkers.END_TEST_OUTPUT)}\nexit $status\n`;
    const result = await this.#workspace.run({
      command: script,
      timeoutMs: this.#options.suiteTimeoutSeconds * 1000,
    });
    if (result.timedOut) return {};
    const section =
      result.log.split(logMarkers.START_TEST_OUTPUT)[1]?.split(logMarkers.END_TEST_OUTPUT)[0] ?? result.log;
    return parser(section);
  }

  /** A reproduction script's verdict on the original code or with `patch`; "other" when it does not apply. */
  async runReproduction(script: string, patch?: string): Promise<ReproductionVerdict> {
    if (!(await this.#checkout(patch))) return "other";
    await this.#workspace.writeFile(REPRODUCTION_SCRIPT, script);
    const result = await this.#workspace.run({
      command: `"\${SWERL_INTERPRETER:-python3}" ${REPRODUCTION_SCRIPT}`,
      timeoutMs: this.#options.reproductionTimeoutSeconds * 1000,
    });
    return result.timedOut ? "other" : reproductionVerdict(result.log);
  }
}

/** Runs `body` with a test bench over a fresh workspace of the instance at its base commit, disposed after. */
export async function withTestBench<T>(
  target: { instance: { repo: string; base_commit: string; instance_id: string }; config: TestBenchOptions },
  spec: RepositoryTestSpec,
  executor: Executor,
  body: (bench: TestBench) => Promise<T>,
): Promise<T> {
  const workspace = await executor.prepare({
    repo: target.instance.repo,
    baseCommit: target.instance.base_commit,
    label: target.instance.instance_id,
  });
  try {
    return await body(new TestBench(workspace, spec, target.config));
  } finally {
    await workspace.dispose();
  }
}
