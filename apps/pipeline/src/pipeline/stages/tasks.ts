import { join } from "node:path";
import { instanceIdOf } from "@swerl/data";
import { BuildTasksConfig, buildTasks } from "@swerl/eval";
import { MinedPullRequest, readRecords } from "@swerl/schema";
import { z } from "zod";
import type { Stage } from "../stage.js";
import { demoWorld } from "./demo.js";
import { stageOptions } from "./stage-options.js";

/** The tasks stage's options: BuildTasksConfig's, plus which PRs are held out; the demo world's specs and mirrors when absent. */
const TasksOptions = BuildTasksConfig.pick({ workers: true, timeoutSeconds: true, repeat: true })
  .extend({
    /**
     * Which mined pull requests become evaluation tasks (and are therefore held out of training):
     * `demo-test-split`, the demo world's held-out fixes; `all`, every mined PR that changes tests; or a
     * list of instance ids (`owner__name-number`).
     */
    heldOut: z
      .union([z.enum(["demo-test-split", "all"]), z.array(z.string())])
      .default("demo-test-split")
      .describe("which mined PRs become tasks: demo-test-split, all, or a list of instance ids"),
    specs: z.string().optional().describe("repository -> test spec JSON file (default: the demo world's)"),
    repos: z.string().optional().describe("bare mirrors directory (default: the demo world's repos/)"),
  })
  .strict();

/** The tasks file the tasks stage writes (SWE-bench format), relative to its directory. */
export const TASKS_FILE = "tasks.jsonl";

export const tasksStage: Stage = {
  name: "tasks",
  description: "build SWE-bench-style runnable tasks from mined PRs that change tests",
  after: ["demo", "mine"],
  version: "3",
  options: TasksOptions,
  configFrom: [BuildTasksConfig],
  async run(context) {
    const options = stageOptions(TasksOptions, context, "tasks");
    const world = demoWorld(context);
    let wanted: ((id: string) => boolean) | null = null;
    if (options.heldOut === "demo-test-split") {
      const truth = await world.groundTruth();
      const ids = new Set(truth.pullRequests.filter((pr) => pr.split === "test").map((pr) => pr.instanceId));
      wanted = (id) => ids.has(id);
    } else if (Array.isArray(options.heldOut)) {
      const ids = new Set(options.heldOut);
      wanted = (id) => ids.has(id);
    }
    const candidates = [];
    for await (const pr of readRecords(
      join(context.input("mine"), "pull-requests.jsonl"),
      MinedPullRequest,
    )) {
      if (!wanted || wanted(instanceIdOf(pr))) candidates.push(pr);
    }
    const bar = context.progress("pull requests", candidates.length, "pull requests");
    try {
      const built = await buildTasks(
        {
          reposDir: options.repos ?? world.repos,
          specs: options.specs ?? world.specs,
          outDir: context.dir,
          fileName: TASKS_FILE,
          workers: options.workers,
          timeoutSeconds: options.timeoutSeconds,
          repeat: options.repeat,
        },
        {
          candidates,
          signal: context.signal,
          onProgress: (p) => bar.tick(1, { built: p.built, dropped: p.dropped }),
        },
      );
      for (const dropped of built.dropped) context.log(`dropped ${JSON.stringify(dropped)}`);
      return { candidates: candidates.length, tasks: built.tasks.length, dropped: built.dropped.length };
    } finally {
      bar.stop();
    }
  },
};
