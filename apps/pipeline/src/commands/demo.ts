import { writeDemoWorld } from "@swerl/demo";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions } from "../usage-error.js";

const Options = z.object({
  out: z.string().min(1),
  seed: z.coerce.number().int().min(0).default(0),
  bench: z.enum(["test", "all", "none"]).default("test"),
  workers: z.coerce.number().int().positive().default(2),
});

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "write the deterministic demo world: git repositories, GH Archive files, GitHub snapshots, ground truth, mini SWE-bench",
    )
    .requiredOption("--out <dir>", "world directory (repos/, gharchive/, github/, *.json, bench.jsonl)")
    .option("--seed <n>", "everything, commit ids included, follows from the seed", "0")
    .option("--bench <which>", "fixes the mini benchmark is built from: test (held out), all, none", "test")
    .option("--workers <n>", "repositories and benchmark tasks built at once", "2")
    .addHelpText(
      "after",
      `
Examples:
  $ swerl demo --out runs/demo/world
  $ swerl demo --out /tmp/world --seed 7 --bench all
  $ swerl eval --dataset runs/demo/world/bench.jsonl --predictions gold --repos runs/demo/world/repos \\
      --specs runs/demo/world/test-specs.json --run-id gold --out runs/demo/eval`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      const bars = new Map<string, Progress>();
      try {
        const world = await writeDemoWorld({
          outDir: options.out,
          seed: options.seed,
          bench: options.bench,
          workers: options.workers,
          onProgress: (p) => {
            let bar = bars.get(p.stage);
            if (!bar) {
              bar = startProgress({ label: `demo ${p.stage}`, total: p.total, unit: "items" });
              bars.set(p.stage, bar);
            }
            bar.tick(1);
            if (p.done === p.total) {
              bar.stop();
              bars.delete(p.stage);
            }
          },
        });
        const counts = Object.entries(world.groundTruth.verdictCounts)
          .map(([verdict, n]) => `${verdict}=${n}`)
          .join(" ");
        const bench = world.benchFile
          ? `\nbench: ${world.benchFile} (${world.groundTruth.pullRequests.filter((pr) => pr.verdict === "keep" && (options.bench === "all" || pr.split === "test")).length - world.benchDropped.length} tasks)`
          : "";
        process.stdout.write(
          `demo world (seed ${options.seed}) in ${world.outDir}\n${world.groundTruth.repositories.length} repositories, ${world.groundTruth.pullRequests.length} merged pull requests: ${counts}\n${world.archiveFiles.length} GH Archive files, ${world.snapshotFiles.length} GitHub snapshots${bench}\n`,
        );
        for (const dropped of world.benchDropped) {
          process.stderr.write(`bench: dropped ${dropped.instance_id}: ${dropped.reason}\n`);
        }
      } finally {
        for (const bar of bars.values()) bar.stop();
      }
    });
}
