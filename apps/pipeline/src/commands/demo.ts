import { DemoWorldConfig, writeDemoWorld } from "@swerl/demo";
import type { Command } from "commander";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";

export function registerDemo(program: Command): void {
  const { command, flags } = configCommand(program, "demo", DemoWorldConfig, {
    description:
      "write the deterministic demo world: git repositories, GH Archive files, GitHub snapshots, ground truth, mini SWE-bench",
    flags: { outDir: { name: "out", placeholder: "<dir>" } },
  });
  command
    .addHelpText(
      "after",
      `
Examples:
  $ swerl demo --out runs/demo/world
  $ swerl demo --out /tmp/world --seed 7 --bench all
  $ swerl eval --dataset runs/demo/world/bench.jsonl --predictions gold --repos runs/demo/world/repos \\
      --specs runs/demo/world/test-specs.json --run-id gold --out runs/demo/eval`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      const bars = new Map<string, Progress>();
      try {
        const world = await writeDemoWorld({
          ...options,
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
