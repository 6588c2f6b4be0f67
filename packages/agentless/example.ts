import { runAgentless } from "@swerl/agentless";
import { writeDemoWorld } from "@swerl/demo";
import { ReplayPolicy } from "@swerl/rollout";

// a mini SWE-bench of small git repositories (no network), and a scripted policy that answers every prompt
const world = await writeDemoWorld({ outDir: "/tmp/swerl-agentless-example/world" });
const policy = new ReplayPolicy([
  { responses: ["<think>\nno idea\n</think>\n<solution>\nnothing\n</solution>"] },
]);
const run = await runAgentless(
  {
    dataset: world.benchFile!,
    reposDir: world.reposDir,
    specsFile: world.specsFile,
    outDir: "/tmp/swerl-agentless-example/out",
    localization: "oracle", // the gold patch's files: the scripted policy cannot localize
    numSamples: 2,
    numTests: 0,
  },
  { policy },
);
console.log(run.counts.repair.byStatus, run.predictionsPath);
