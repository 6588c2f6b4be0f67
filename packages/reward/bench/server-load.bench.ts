import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { HttpError } from "../src/http-server.js";
import { type RunningRewardServer, startRewardServer } from "../src/reward-server.js";
import { pathologicalRequest } from "../src/testing/pathological.js";
import { realisticCase } from "./realistic-patches.js";

/**
 * The reward server under load with pathological requests (issue #15), on 127.0.0.1 in one process:
 * CLIENTS concurrent clients send OpenRLHF-shaped single-sample requests (POST /get_reward with
 * query/prompts/labels, as OpenRLHF 0.11's SingleTurnAgentExecutor does) for a bounded number of
 * requests, in pairs of runs, each run on a fresh server with the same worker count and per-response time
 * limit: one all clean, one with 10% pathological requests mixed in (each one hits the time limit). Both
 * runs of a pair send the same clean requests in the same order; a client sends a pathological request
 * without waiting for it (an RL engine has many samples in flight), so the clean stream is the same in
 * both. The pathological requests are all distinct: PATHOLOGICAL_INSTANCES instances, each answered by
 * different responses (the samples of a prompt share its label, as in RL). Both servers are warmed up
 * alike, clean and pathological requests, so that neither run pays for compiling the scoring code. The
 * order within a pair alternates (clean first, then mixed first), against drift of the machine.
 * Prints per run the clean requests' latency p50/p95/p99, throughput and the CPU time of the server's
 * threads (Linux), and last:
 * `server-load clean-p99-ms=<a> mixed-clean-p99-ms=<b> ratio=<median of the pairs' b/a> ratios=<...> timeouts=<n>/<m>`.
 * Target: ratio <= 2.
 */
const env = process.env;
const WORKERS = Number(env.SWERL_LOAD_WORKERS ?? 2);
const TIME_LIMIT_S = Number(env.SWERL_LOAD_TIME_LIMIT ?? 2);
const CLIENTS = Number(env.SWERL_LOAD_CLIENTS ?? 8);
const CLEAN = Number(env.SWERL_LOAD_CLEAN ?? 540);
const PAIRS = Number(env.SWERL_LOAD_PAIRS ?? 3);
const LABEL_CACHE_MB = env.SWERL_LOAD_LABEL_CACHE_MB ? Number(env.SWERL_LOAD_LABEL_CACHE_MB) : undefined;
const PATHOLOGICAL_INSTANCES = 6;
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
const slowBody = (instance: number, response: number) => {
  const r = pathologicalRequest(30_000, instance, response);
  return single(r.output, r.codeContext, r.oracleNewContent);
};
const slowBodies = Array.from({ length: Math.ceil(CLEAN / (PERIOD - 1)) }, (_, k) =>
  slowBody(k % PATHOLOGICAL_INSTANCES, 1 + Math.floor(k / PATHOLOGICAL_INSTANCES)),
);
/** Warm-up requests of an instance no run uses. */
const warmSlow = [slowBody(99, 1), slowBody(99, 2)];

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
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

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

/** CPU ms of each thread of this process (Linux; empty elsewhere). */
function threadCpu(): Map<string, number> {
  try {
    return new Map(
      readdirSync("/proc/self/task").map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "latin1");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return [tid, (Number(fields[11]) + Number(fields[12])) * 10];
      }),
    );
  } catch {
    return new Map();
  }
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
  /** CPU seconds of the main thread, the scoring workers, and the rest (V8's compiler and GC threads). */
  cpu: { main: number; workers: number; other: number };
}

async function run(name: string, mixed: boolean): Promise<RunResult> {
  const items: Item[] = [];
  let slowIndex = 0;
  for (let i = 0; i < CLEAN; i++) {
    items.push({ kind: "clean", index: i, body: cleanBodies[i]! });
    if (mixed && i % (PERIOD - 1) === PERIOD - 2)
      items.push({ kind: "pathological", index: items.length, body: slowBodies[slowIndex++]! });
  }
  const server = await startRewardServer({
    port: 0,
    workers: WORKERS,
    timeoutSeconds: TIME_LIMIT_S,
    requestTimeoutSeconds: 120,
    ...(LABEL_CACHE_MB === undefined ? {} : { labelCacheMb: LABEL_CACHE_MB }),
  });
  try {
    await server.pool.ready();
    // Warm up the JIT of the workers (both lanes) and of the HTTP path, alike for both runs.
    for (let i = 0; i < 60; i++) await post(server, cleanBodies[(i * 7) % CLEAN]!);
    await Promise.all(warmSlow.map((body) => post(server, body)));
    for (let i = 0; i < 60; i++) await post(server, cleanBodies[(i * 11) % CLEAN]!);
    const spawned0 = server.pool.workersStarted;
    const latencies: number[] = [];
    const rewards: number[] = new Array(CLEAN);
    let cleanTimedOut = 0;
    const slowOnes: Array<Promise<Answer>> = [];
    let next = 0;
    const cpu0 = threadCpu();
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
    const cpu1 = threadCpu();
    const cpu = { main: 0, workers: 0, other: 0 };
    const workerTids = new Set(server.pool.threadIds.map(String));
    for (const [tid, ms] of cpu1) {
      const used = (ms - (cpu0.get(tid) ?? 0)) / 1000;
      if (tid === String(process.pid)) cpu.main += used;
      else if (workerTids.has(tid)) cpu.workers += used;
      else cpu.other += used;
    }
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
      cpu,
    };
  } finally {
    await server.close();
  }
}

const load0 = loadavg();
console.log(
  `server-load: ${WORKERS} workers, ${TIME_LIMIT_S}s time limit per response, ${CLIENTS} clients, ${CLEAN} clean requests (+10% pathological in the mixed run: ${PATHOLOGICAL_INSTANCES} instances, all requests distinct), ${PAIRS} pairs of runs; load average at start ${load0.map((l) => l.toFixed(2)).join(" ")}`,
);
console.log(
  "\n| pair | run | clean p50 ms | clean p95 ms | clean p99 ms | clean requests/s | wall s | pathological timed out | CPU s: main / workers / other | workers spawned |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const pairs: Array<{ clean: RunResult; mixed: RunResult }> = [];
for (let k = 0; k < PAIRS; k++) {
  const order = k % 2 === 0 ? [false, true] : [true, false];
  const [first, second] = [
    await run(order[0] ? "10% pathological" : "all clean", order[0]!),
    await run(order[1] ? "10% pathological" : "all clean", order[1]!),
  ];
  const pair = order[0] ? { clean: second, mixed: first } : { clean: first, mixed: second };
  pairs.push(pair);
  for (const r of [pair.clean, pair.mixed]) {
    const p = (q: number) => percentile(r.latencies, q).toFixed(1);
    const c = r.cpu;
    console.log(
      `| ${k + 1} | ${r.name} | ${p(50)} | ${p(95)} | ${p(99)} | ${(r.latencies.length / r.seconds).toFixed(0)} | ${r.seconds.toFixed(2)} | ${r.pathological ? `${r.timedOut}/${r.pathological}` : "-"} | ${c.main.toFixed(2)} / ${c.workers.toFixed(2)} / ${c.other.toFixed(2)} | ${r.workersSpawned} |`,
    );
  }
}
const load1 = loadavg();
const differing = pairs.reduce(
  (n, { clean, mixed }) => n + clean.rewards.filter((r, i) => r !== mixed.rewards[i]).length,
  0,
);
const cleanTimedOut = pairs.reduce((n, p) => n + p.clean.cleanTimedOut + p.mixed.cleanTimedOut, 0);
console.log(
  `\nclean responses timed out: ${cleanTimedOut}; clean rewards differing between the runs of a pair: ${differing}; load average at end ${load1.map((l) => l.toFixed(2)).join(" ")}`,
);
const a = pairs.map((p) => percentile(p.clean.latencies, 99));
const b = pairs.map((p) => percentile(p.mixed.latencies, 99));
const ratios = pairs.map((_, k) => b[k]! / a[k]!);
const timedOut = pairs.reduce((n, p) => n + p.mixed.timedOut, 0);
const pathological = pairs.reduce((n, p) => n + p.mixed.pathological, 0);
console.log(
  `server-load clean-p99-ms=${median(a).toFixed(1)} mixed-clean-p99-ms=${median(b).toFixed(1)} ratio=${median(ratios).toFixed(2)} ratios=${ratios.map((r) => r.toFixed(2)).join(",")} timeouts=${timedOut}/${pathological}`,
);
