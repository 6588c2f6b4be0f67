import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHeldoutLeakage } from "./leakage.js";

const BEFORE = "def mean(values):\n    return sum(values) * len(values)\n";
const AFTER = "def mean(values):\n    return sum(values) / len(values)\n";
const ISSUE = "mean multiplies instead of dividing\nmean([2, 4]) is 12 in src/stats.py.";

/** A run directory with one held-out task whose fix is a real commit of a bare mirror. */
async function fakeRun(training: { instances: unknown[]; examples?: unknown[] }) {
  const runDir = await mkdtemp(join(tmpdir(), "swerl-leakage-"));
  const work = join(runDir, "work");
  await mkdir(join(work, "src"), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      encoding: "utf8",
    }).trim();
  git("init", "-q");
  await writeFile(join(work, "src", "stats.py"), BEFORE);
  git("add", ".");
  git("commit", "-qm", "base");
  const base = git("rev-parse", "HEAD");
  await writeFile(join(work, "src", "stats.py"), AFTER);
  git("commit", "-qam", "fix");
  const merge = git("rev-parse", "HEAD");
  const patch = git("diff", base, merge);
  await mkdir(join(runDir, "mine", "git-cache"), { recursive: true });
  execFileSync("git", ["clone", "-q", "--bare", work, join(runDir, "mine", "git-cache", "acme__kit.git")]);
  const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  await mkdir(join(runDir, "tasks"));
  await writeFile(
    join(runDir, "tasks", "tasks.jsonl"),
    jsonl([
      { instance_id: "acme__kit-2", repo: "acme/kit", patch, test_patch: "", problem_statement: ISSUE },
    ]),
  );
  await writeFile(
    join(runDir, "mine", "pull-requests.jsonl"),
    jsonl([{ repo: "acme/kit", number: 2, mergeCommit: merge }]),
  );
  await mkdir(join(runDir, "sft"));
  await writeFile(join(runDir, "sft", "train-instances.jsonl"), jsonl(training.instances));
  if (training.examples)
    await writeFile(join(runDir, "sft", "agentless-examples.jsonl"), jsonl(training.examples));
  return runDir;
}

const clean = {
  instanceId: "acme__kit-1",
  problemStatement: "count is wrong",
  codeContext: { "src/count.py": "def count(x):\n    return 0\n" },
};

describe("checkHeldoutLeakage", () => {
  it("finds nothing when training holds only other instances", async () => {
    const check = await checkHeldoutLeakage(await fakeRun({ instances: [clean] }));
    expect(check).toMatchObject({ tasks: 1, postFixFiles: 1, leaks: [] });
  });

  it("finds a held-out task's issue, its post-fix file and its id wherever they appear", async () => {
    const runDir = await fakeRun({
      instances: [clean, { ...clean, instanceId: "acme__kit-9", codeContext: { "src/stats.py": AFTER } }],
      examples: [
        {
          id: "acme__kit-2/localize/0",
          messages: [{ role: "user", content: `issue: ${ISSUE}` }],
          response: "x",
        },
      ],
    });
    const { leaks } = await checkHeldoutLeakage(runDir);
    expect(leaks).toEqual([
      { task: "acme__kit-2", what: "post-fix file", file: "sft/train-instances.jsonl", path: "src/stats.py" },
      { task: "acme__kit-2", what: "instance", file: "sft/agentless-examples.jsonl" },
      { task: "acme__kit-2", what: "issue", file: "sft/agentless-examples.jsonl" },
    ]);
  });
});
