import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { CurateConfig, CurateRunConfig, curatePullRequests, instanceIdOf } from "@swerl/data";
import { MinedPullRequest, readRecords, SweBenchInstance } from "@swerl/schema";
import { z } from "zod";
import { readManifest } from "../manifest.js";
import type { Stage, StageContext } from "../stage.js";
import { demoWorld } from "./demo.js";
import { stageOptions } from "./stage-options.js";
import { TASKS_FILE } from "./tasks.js";

/**
 * `stages.curate`: the curation rules (CurateConfig: filters, bug-fix classifier, dedup, decontamination,
 * relevant files; same defaults) under `config`, and where the repositories are.
 */
const CurateStageOptions = z.strictObject({
  config: CurateConfig.extend({
    source: CurateConfig.shape.source
      .unwrap()
      .optional()
      .describe(
        "provenance.source of the instances (default: demo when mined from the demo world, else github)",
      ),
  })
    .prefault({})
    .describe("the curation rules"),
  repos: CurateRunConfig.shape.reposDir
    .optional()
    .describe("bare repositories named owner__name.git (absent: the demo world's repos/)"),
});

/** The RL instances the curate stage writes, relative to its directory. */
export const INSTANCES_FILE = "rl-instances.jsonl";

async function minedFromDemoWorld(context: StageContext): Promise<boolean> {
  const manifest = await readManifest(context.input("mine"));
  return manifest?.summary?.demoWorld === true;
}

export const curateStage: Stage = {
  name: "curate",
  description:
    "filter, classify, deduplicate and decontaminate into RL instances (evaluation tasks held out)",
  after: ["demo", "mine", "tasks"],
  version: "2",
  options: CurateStageOptions,
  configFrom: [CurateConfig],
  async run(context) {
    const options = stageOptions(CurateStageOptions, context, "curate");
    // Instances mined from the demo world say so in their provenance; real sources are GitHub's.
    const source = options.config.source ?? ((await minedFromDemoWorld(context)) ? "demo" : "github");
    const config = { ...options.config, source };
    const world = demoWorld(context);
    // The evaluation tasks never become training instances.
    const heldOut = new Set<string>();
    for await (const task of readRecords(join(context.input("tasks"), TASKS_FILE), SweBenchInstance))
      heldOut.add(task.instance_id);
    const minedFile = join(context.dir, "training-candidates.jsonl");
    const out = createWriteStream(minedFile);
    let candidates = 0;
    for await (const pr of readRecords(
      join(context.input("mine"), "pull-requests.jsonl"),
      MinedPullRequest,
    )) {
      if (heldOut.has(instanceIdOf(pr))) continue;
      candidates++;
      if (!out.write(`${JSON.stringify(pr)}\n`)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const bar = context.progress("pull requests", candidates, "pull requests");
    let read = 0;
    try {
      const summary = await curatePullRequests({
        minedFile,
        miningErrorsFile: join(context.input("mine"), "errors.jsonl"),
        reposDir: options.repos ?? world.repos,
        outDir: context.dir,
        config,
        signal: context.signal,
        onProgress: (p) => {
          bar.tick(p.read - read, { instances: p.instances, dropped: p.dropped });
          read = p.read;
        },
      });
      return {
        heldOutForEvaluation: heldOut.size,
        read: summary.read,
        instances: summary.instances,
        funnel: Object.fromEntries(summary.funnel.map((f) => [f.step, f.count])),
      };
    } finally {
      bar.stop();
    }
  },
};
