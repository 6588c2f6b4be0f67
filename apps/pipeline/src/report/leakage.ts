import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

const run = promisify(execFile);

/** One piece of a held-out task found in a file the run trained on. */
export const Leak = z.object({
  task: z.string(),
  what: z.enum(["instance", "issue", "patch", "test patch", "post-fix file"]),
  /** The training file (relative to the run directory) and, for a post-fix file, its path. */
  file: z.string(),
  path: z.string().optional(),
});
export type Leak = z.infer<typeof Leak>;

export const LeakageCheck = z.object({
  tasks: z.number().int(),
  /** Training files read, relative to the run directory. */
  trainingFiles: z.array(z.string()),
  /** Post-fix file contents compared (every file each task's patches change, read at the merge commit). */
  postFixFiles: z.number().int(),
  leaks: z.array(Leak),
});
export type LeakageCheck = z.infer<typeof LeakageCheck>;

/** Every file the run's training read: GRPO's and SFT's instances, the SFT examples. */
export const TRAINING_FILES = ["sft/train-instances.jsonl", "sft/agentless-examples.jsonl"] as const;

const readLines = async (file: string) =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);

/** Every string inside a JSON value (keys included), so a text split across fields is not missed. */
function strings(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
}

const patchPaths = (patch: string) =>
  [...patch.matchAll(/^diff --git a\/(\S+) b\/(\S+)$/gm)].map((m) => m[2]!);

/**
 * Checks that no held-out evaluation task reached training: its instance id, its issue text, its fix
 * and test patches, and the post-fix contents of every file they change (read from mine's mirror at
 * the pull request's merge commit) must not occur in any file the run trained on.
 */
export async function checkHeldoutLeakage(runDir: string): Promise<LeakageCheck> {
  const tasks = (await readLines(join(runDir, "tasks", "tasks.jsonl"))) as Array<{
    instance_id: string;
    repo: string;
    patch: string;
    test_patch: string;
    problem_statement: string;
  }>;
  const mined = (await readLines(join(runDir, "mine", "pull-requests.jsonl"))) as Array<{
    repo: string;
    number: number;
    mergeCommit?: string;
  }>;
  const training: Array<{ file: string; texts: string[]; ids: Set<string> }> = [];
  for (const file of TRAINING_FILES) {
    if (!existsSync(join(runDir, file))) continue;
    const texts: string[] = [];
    const ids = new Set<string>();
    for (const record of await readLines(join(runDir, file))) {
      strings(record, texts);
      const id =
        (record as { instanceId?: string; id?: string }).instanceId ?? (record as { id?: string }).id;
      if (id) ids.add(id.split("/")[0]!);
    }
    training.push({ file, texts, ids });
  }
  const leaks: Leak[] = [];
  let postFixFiles = 0;
  for (const task of tasks) {
    const needles: Array<{ what: Leak["what"]; text: string; path?: string }> = [
      { what: "issue", text: task.problem_statement.trim() },
      { what: "patch", text: task.patch.trim() },
      { what: "test patch", text: task.test_patch.trim() },
    ];
    const number = Number(task.instance_id.slice(task.instance_id.lastIndexOf("-") + 1));
    const pr = mined.find((p) => p.repo === task.repo && p.number === number);
    if (pr?.mergeCommit) {
      const gitDir = join(runDir, "mine", "git-cache", `${task.repo.replace("/", "__")}.git`);
      for (const path of patchPaths(`${task.patch}\n${task.test_patch}`)) {
        const { stdout } = await run("git", ["--git-dir", gitDir, "show", `${pr.mergeCommit}:${path}`]);
        needles.push({ what: "post-fix file", text: stdout, path });
        postFixFiles++;
      }
    }
    for (const { file, texts, ids } of training) {
      if (ids.has(task.instance_id)) leaks.push({ task: task.instance_id, what: "instance", file });
      for (const needle of needles) {
        if (needle.text && texts.some((t) => t.includes(needle.text)))
          leaks.push({
            task: task.instance_id,
            what: needle.what,
            file,
            ...(needle.path ? { path: needle.path } : {}),
          });
      }
    }
  }
  return { tasks: tasks.length, trainingFiles: training.map((t) => t.file), postFixFiles, leaks };
}
