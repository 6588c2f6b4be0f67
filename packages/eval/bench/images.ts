// Image build time per level, cold (a fresh namespace: nothing cached) then cached (the same build again),
// for a dataset and its mirrors: BENCH_DATASET (default: the vendored Verified test set), BENCH_IDS
// (comma-separated), BENCH_REPOS (bare mirrors). Needs a Docker engine (DOCKER_HOST), root and debootstrap.
// The bench's images are removed at the end.
import { loadavg } from "node:os";
import type { ImageBuildProgress } from "../src/images/build-images.js";
import { buildImages, DockerClient, dockerRequests } from "../src/index.js";

const dataset =
  process.env.BENCH_DATASET ??
  new URL("../../schema/fixtures/swe-bench/swe-bench_verified.test.jsonl.gz", import.meta.url).pathname;
const instanceIds = (process.env.BENCH_IDS ?? "").split(",").filter(Boolean);
const repos = process.env.BENCH_REPOS;
const namespace = `swerl-bench-${Date.now()}`;
const config = { datasetName: dataset, instanceIds, ...(repos ? { repos } : {}), namespace };

function summary(steps: ImageBuildProgress[]): string {
  const byLevel = new Map<string, number[]>();
  for (const step of steps) byLevel.set(step.level, [...(byLevel.get(step.level) ?? []), step.seconds]);
  return [...byLevel]
    .map(([level, secs]) => {
      const sorted = [...secs].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] as number;
      return `${level} x${secs.length}: median ${median.toFixed(2)} s, total ${secs.reduce((a, b) => a + b, 0).toFixed(1)} s`;
    })
    .join("; ");
}

console.log(
  `load before: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
const cold = await buildImages(config);
console.log(`cold:   ${summary(cold.steps)}`);
console.log(
  `load after cold: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
const cached = await buildImages(config);
console.log(`cached: ${summary(cached.steps)}`);
const client = new DockerClient();
for (const step of [...cold.steps].reverse())
  await client.call(dockerRequests.removeImage(step.image), [200, 404, 409]).catch(() => undefined);
client.close();
