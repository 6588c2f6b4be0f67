import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DemoGroundTruth, DemoWorldConfig, writeDemoWorld } from "@swerl/demo";
import type { Stage, StageContext } from "../stage.js";
import { StageBars } from "./stage-bars.js";
import { stageOptions } from "./stage-options.js";

/**
 * `stages.demo`: DemoWorldConfig's workers, and its seed, which defaults to the run's seed here. The world
 * is written without a mini benchmark: the tasks stage builds one from what mining finds.
 */
const DemoOptions = DemoWorldConfig.pick({ workers: true })
  .extend({
    seed: DemoWorldConfig.shape.seed
      .unwrap()
      .optional()
      .describe("the world's seed (default: the run's seed)"),
  })
  .strict();

/** Where the demo stage leaves the world, relative to its directory. */
export const WORLD_DIR = "world";

/** The demo stage's world, whose files the later stages default to when their options name none. */
export function demoWorld(context: StageContext) {
  const dir = join(context.input("demo"), WORLD_DIR);
  return {
    dir,
    /** Bare mirrors, `owner__name.git`. */
    repos: join(dir, "repos"),
    /** Repository -> test spec. */
    specs: join(dir, "test-specs.json"),
    /** GitHub snapshots, as the local GraphQL server serves them. */
    github: join(dir, "github"),
    gharchive: join(dir, "gharchive"),
    async groundTruth(): Promise<DemoGroundTruth> {
      return DemoGroundTruth.parse(JSON.parse(await readFile(join(dir, "ground-truth.json"), "utf8")));
    },
  };
}

export const demoStage: Stage = {
  name: "demo",
  description: "write the deterministic demo world (repos, GH Archive, GitHub data)",
  after: [],
  version: "1",
  options: DemoOptions,
  configFrom: [DemoWorldConfig],
  async run(context) {
    const options = stageOptions(DemoOptions, context, "demo");
    const bars = new StageBars(context, "items");
    // The mini benchmark is built later by the tasks stage from what mining finds, not from the world's
    // ground truth, so the world is written without one.
    const world = await writeDemoWorld({
      outDir: join(context.dir, WORLD_DIR),
      seed: options.seed ?? context.config.seed,
      bench: "none",
      workers: options.workers,
      signal: context.signal,
      onProgress: (p) => {
        bars.bar(p.stage, p.total).tick(1);
        if (p.done === p.total) bars.stop(p.stage);
      },
    });
    bars.stopAll();
    return {
      repositories: world.groundTruth.repositories.length,
      pullRequests: world.groundTruth.pullRequests.length,
      verdicts: world.groundTruth.verdictCounts,
      archiveFiles: world.archiveFiles.length,
      snapshotFiles: world.snapshotFiles.length,
    };
  },
};
