import { calculateSearchReplaceReward } from "../src/reward.js";
import { startRewardServer } from "../src/reward-server.js";
import { realisticCase } from "./realistic-patches.js";

/**
 * Reward server throughput on this machine: OpenRLHF-shaped /get_reward requests of 32 rollouts,
 * 4 in flight, typical patches (1–2 files, 10–40 changed lines), for a fixed time on 127.0.0.1.
 * The same mix is first scored in-process on one core, so that a busy machine shows as a ratio:
 * the server on N workers can at best reach N times the in-process rate.
 */
const seconds = Number(process.env.SWERL_BENCH_SECONDS ?? 8);
const cases = Array.from({ length: 64 }, (_, i) => realisticCase(500 + i, 1 + (i % 2), 10 + (i % 4) * 10));

function inProcess(minSeconds: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const c of cases) calculateSearchReplaceReward(c.context, c.oracle, c.output);
    n += cases.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < minSeconds);
  return n / elapsed;
}
inProcess(0.5); // warm up the JIT
const loadBefore = (await import("node:os")).loadavg()[0]!;
const single = inProcess(3);
console.log(`in-process, one core: ${single.toFixed(0)} rewards/s (load ${loadBefore.toFixed(2)})`);

const server = await startRewardServer({ port: 0, timeoutMs: 30_000 });
const prompt = "<|user|>Fix the issue.<|assistant|>";
const body = (offset: number) =>
  JSON.stringify({
    query: Array.from({ length: 32 }, (_, k) => prompt + cases[(offset + k) % cases.length]!.output),
    prompts: Array.from({ length: 32 }, () => prompt),
    labels: Array.from({ length: 32 }, (_, k) => {
      const c = cases[(offset + k) % cases.length]!;
      return JSON.stringify({ code_context: c.context, oracle_new_content: c.oracle });
    }),
  });
const bodies = Array.from({ length: 8 }, (_, i) => body(i * 8));
// warm up the workers
for (let i = 0; i < 4; i++) await fetch(`${server.url}/get_reward`, { method: "POST", body: bodies[i] });
let scored = 0;
const deadline = Date.now() + seconds * 1000;
const start = Date.now();
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
const load = (await import("node:os")).loadavg()[0]!;
await server.close();
console.log(
  `reward server: ${scored} rollouts in ${seconds}s = ${perSecond.toFixed(0)} rollouts/s with ${server.pool.size} workers (load ${load.toFixed(2)}); ${(perSecond / single).toFixed(2)}x the in-process one-core rate`,
);
console.log(
  `| reward server /get_reward, batches of 32 typical rollouts (1–2 files, 10–40 lines), 4 in flight | \`pnpm --filter @swerl/reward bench:server\` | dev-2c, ${server.pool.size} workers, load ${load.toFixed(1)} | ${perSecond.toFixed(0)} rollouts/s | same mix in-process on one core, same run: ${single.toFixed(0)} rewards/s; target 500 rollouts/s | ${(perSecond / single).toFixed(2)}x one core, ${(perSecond / 500).toFixed(2)}x target |`,
);
