import { loadavg } from "node:os";
import { calculateSearchReplaceReward } from "../src/reward.js";
import { startRewardServer } from "../src/reward-server.js";
import { type RewardCase, realisticCase } from "./realistic-patches.js";

/**
 * Reward server throughput on this machine: OpenRLHF-shaped /get_reward requests of 32 rollouts,
 * 4 in flight, typical patches (1–2 files, 10–40 changed lines), for a fixed time on 127.0.0.1, in
 * two mixes: every rollout of a batch answers another instance ("distinct", the worst case for the
 * server), and GRPO's shape, 4 prompts x 8 samples ("grouped"). The distinct mix is first scored
 * in-process on one core (a fresh oracle map per call, so the per-instance cache never hits), so that
 * a busy machine shows as a ratio (N workers reach at best N times that), and the process's CPU time
 * per rollout (main thread, workers and the client) is reported.
 */
const seconds = Number(process.env.SWERL_BENCH_SECONDS ?? 8);
const distinct = Array.from({ length: 64 }, (_, i) => realisticCase(500 + i, 1 + (i % 2), 10 + (i % 4) * 10));

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function inProcess(minSeconds: number): { wall: number; cpu: number } {
  let n = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const c of distinct) calculateSearchReplaceReward(c.context, { ...c.oracle }, c.output);
    n += distinct.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < minSeconds);
  return { wall: n / elapsed, cpu: n / (cpuMs(cpu0) / 1000) };
}
inProcess(0.5); // warm up the JIT
const single = inProcess(3);
console.log(
  `in-process, one core: ${single.wall.toFixed(0)} rewards/s wall, ${single.cpu.toFixed(0)} per CPU-second (load ${loadavg()[0]!.toFixed(2)})`,
);

const prompt = "<|user|>Fix the issue.<|assistant|>";
const body = (batch: RewardCase[]) =>
  JSON.stringify({
    query: batch.map((c) => prompt + c.output),
    prompts: batch.map(() => prompt),
    labels: batch.map((c) => JSON.stringify({ code_context: c.context, oracle_new_content: c.oracle })),
  });
const mixes: Array<[name: string, bodies: string[]]> = [
  [
    "distinct",
    Array.from({ length: 8 }, (_, b) =>
      body(Array.from({ length: 32 }, (_, k) => distinct[(b * 8 + k) % 64]!)),
    ),
  ],
  [
    "grouped",
    Array.from({ length: 8 }, (_, b) =>
      body(
        Array.from({ length: 32 }, (_, k) => {
          const i = (b * 4 + Math.floor(k / 8)) % 64;
          return realisticCase(500 + i, 1 + (i % 2), 10 + (i % 4) * 10, 1 + (k % 8));
        }),
      ),
    ),
  ],
];

const server = await startRewardServer({ port: 0, timeoutMs: 30_000 });
const rows: string[] = [];
for (const [name, bodies] of mixes) {
  // warm up the workers
  for (let i = 0; i < 4; i++) await fetch(`${server.url}/get_reward`, { method: "POST", body: bodies[i] });
  let scored = 0;
  const deadline = Date.now() + seconds * 1000;
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 4 }, async (_, lane) => {
      let n = lane;
      while (Date.now() < deadline) {
        const res = await fetch(`${server.url}/get_reward`, {
          method: "POST",
          body: bodies[n++ % bodies.length],
        });
        const json = (await res.json()) as { rewards: number[] };
        scored += json.rewards.length;
      }
    }),
  );
  const perSecond = scored / ((Date.now() - start) / 1000);
  const cpuPerRollout = cpuMs(cpu0) / scored;
  const load = loadavg()[0]!;
  console.log(
    `reward server, ${name}: ${scored} rollouts in ${seconds}s = ${perSecond.toFixed(0)} rollouts/s with ${server.pool.size} workers (load ${load.toFixed(2)}); ${(perSecond / single.wall).toFixed(2)}x the in-process one-core rate; ${cpuPerRollout.toFixed(2)} CPU-ms per rollout (all threads, client included)`,
  );
  rows.push(
    `| reward server /get_reward, batches of 32 typical rollouts (1–2 files, 10–40 lines), ${name === "grouped" ? "4 prompts x 8 samples" : "32 distinct instances"}, 4 in flight | \`pnpm --filter @swerl/reward bench:server\` | dev-2c, ${server.pool.size} workers, load ${load.toFixed(1)} | ${perSecond.toFixed(0)} rollouts/s (${cpuPerRollout.toFixed(2)} CPU-ms/rollout, all threads) | same run, distinct mix in-process on one core: ${single.wall.toFixed(0)} rewards/s (${(1000 / single.cpu).toFixed(2)} CPU-ms each); target 500 rollouts/s | ${(perSecond / single.wall).toFixed(2)}x one core, ${(perSecond / 500).toFixed(2)}x target |`,
  );
}
await server.close();
console.log(`\n${rows.join("\n")}`);
