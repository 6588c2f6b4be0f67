import { loadavg } from "node:os";
import { HttpError } from "../src/http-server.js";
import { type RunningRewardServer, startRewardServer } from "../src/reward-server.js";
import { pathologicalRequest } from "../src/testing/pathological.js";
import { realisticCase } from "./realistic-patches.js";

/**
 * The reward server under load with pathological requests (issue #15), on 127.0.0.1 in one process:
 * CLIENTS concurrent clients send OpenRLHF-shaped single-sample requests (POST /get_reward with
 * query/prompts/labels, as OpenRLHF 0.11's SingleTurnAgentExecutor does) for a bounded number of
 * requests, twice, each time on a fresh server with the same worker count and per-response time limit:
 * once all clean, once with 10% pathological requests (each one hits the time limit) mixed in. Both
 * runs send the same clean requests in the same order; a client sends a pathological request without
 * waiting for it (an RL engine has many samples in flight), so the clean stream is the same in both.
 * Prints the clean requests' latency p50/p95/p99 and throughput for both runs, and last:
 * `server-load clean-p99-ms=<a> mixed-clean-p99-ms=<b> ratio=<b/a> timeouts=<n>/<m>`.
 * Target: ratio <= 2.
 */
const env = process.env;
const WORKERS = Number(env.SWERL_LOAD_WORKERS ?? 2);
const TIME_LIMIT_S = Number(env.SWERL_LOAD_TIME_LIMIT ?? 2);
const CLIENTS = Number(env.SWERL_LOAD_CLIENTS ?? 8);
const CLEAN = Number(env.SWERL_LOAD_CLEAN ?? 540);
/** One pathological request after every PERIOD - 1 clean ones: 10%. */
const PERIOD = 10;

const prompt = `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nFix the issue.<|im_end|>\n<|im_start|>assistant\n`;
const single = (output: string, codeContext: Record<string, string>, oracle: Record<string, string>) =>
  JSON.stringify({
    query: [`${prompt}${output}<|im_end|>`],
    prompts: [prompt],
    labels: [JSON.stringify({ code_context: codeContext, oracle_new_content: oracle })],
  });

// Typical rollouts: 1–2 files, 10–40 changed lines, 60 instances with 9 samples each.
const cleanBodies = Array.from({ length: CLEAN }, (_, i) => {
  const inst = i % 60;
  const c = realisticCase(900 + inst, 1 + (inst % 2), 10 + (inst % 4) * 10, 1 + Math.floor(i / 60));
  return single(c.output, c.context, c.oracle);
});
const slow = pathologicalRequest();
const slowBody = single(slow.output, slow.codeContext, slow.oracleNewContent);

interface Item {
  kind: "clean" | "pathological";
  index: number;
  body: string;
}
interface Answer {
  rewards: number[];
  extra_logs: { timed_out: number[] };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function post(server: RunningRewardServer, body: string): Promise<Answer> {
  const res = await fetch(`${server.url}/get_reward`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (res.status !== 200)
    throw new HttpError(res.status, `server answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Answer;
}

interface RunResult {
  name: string;
  latencies: number[];
  rewards: number[];
  seconds: number;
  pathological: number;
  timedOut: number;
  cleanTimedOut: number;
  workersSpawned: number;
}

async function run(name: string, mixed: boolean): Promise<RunResult> {
  const items: Item[] = [];
  for (let i = 0; i < CLEAN; i++) {
    items.push({ kind: "clean", index: i, body: cleanBodies[i]! });
    if (mixed && i % (PERIOD - 1) === PERIOD - 2)
      items.push({ kind: "pathological", index: items.length, body: slowBody });
  }
  const server = await startRewardServer({
    port: 0,
    workers: WORKERS,
    timeoutSeconds: TIME_LIMIT_S,
    requestTimeoutSeconds: 120,
  });
  try {
    await server.pool.ready();
    // warm up the JIT of the workers and of the HTTP path
    for (let i = 0; i < 60; i++) await post(server, cleanBodies[(i * 7) % CLEAN]!);
    const spawned0 = server.pool.workersStarted;
    const latencies: number[] = [];
    const rewards: number[] = new Array(CLEAN);
    let cleanTimedOut = 0;
    const slowOnes: Array<Promise<Answer>> = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < items.length) {
          const item = items[next++]!;
          if (item.kind === "pathological") {
            slowOnes.push(post(server, item.body));
            continue;
          }
          const t0 = performance.now();
          const answer = await post(server, item.body);
          latencies.push(performance.now() - t0);
          rewards[item.index] = answer.rewards[0]!;
          cleanTimedOut += answer.extra_logs.timed_out[0]!;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const slowAnswers = await Promise.all(slowOnes);
    return {
      name,
      latencies: latencies.sort((a, b) => a - b),
      rewards,
      seconds,
      pathological: slowOnes.length,
      timedOut: slowAnswers.filter((a) => a.extra_logs.timed_out[0] === 1).length,
      cleanTimedOut,
      workersSpawned: server.pool.workersStarted - spawned0,
    };
  } finally {
    await server.close();
  }
}

const load0 = loadavg();
console.log(
  `server-load: ${WORKERS} workers, ${TIME_LIMIT_S}s time limit per response, ${CLIENTS} clients, ${CLEAN} clean requests (+10% pathological in the mixed run); load average at start ${load0.map((l) => l.toFixed(2)).join(" ")}`,
);
const clean = await run("all clean", false);
const mixed = await run("10% pathological", true);
const load1 = loadavg();

const rows = [clean, mixed].map((r) => {
  const p = (q: number) => percentile(r.latencies, q).toFixed(1);
  return `| ${r.name} | ${r.latencies.length} | ${r.pathological} | ${p(50)} | ${p(95)} | ${p(99)} | ${(r.latencies.length / r.seconds).toFixed(0)} | ${r.seconds.toFixed(2)} | ${r.pathological ? `${r.timedOut}/${r.pathological}` : "-"} | ${r.workersSpawned} |`;
});
console.log(
  "\n| run | clean requests | pathological | clean p50 ms | clean p95 ms | clean p99 ms | clean requests/s | wall s | pathological timed out | workers spawned |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
const differing = clean.rewards.filter((r, i) => r !== mixed.rewards[i]).length;
console.log(
  `\nclean responses timed out: ${clean.cleanTimedOut} / ${mixed.cleanTimedOut}; clean rewards differing between the runs: ${differing}; load average at end ${load1.map((l) => l.toFixed(2)).join(" ")}`,
);
const a = percentile(clean.latencies, 99);
const b = percentile(mixed.latencies, 99);
console.log(
  `server-load clean-p99-ms=${a.toFixed(1)} mixed-clean-p99-ms=${b.toFixed(1)} ratio=${(b / a).toFixed(2)} timeouts=${mixed.timedOut}/${mixed.pathological}`,
);
