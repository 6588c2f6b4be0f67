import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { calculateSearchReplaceReward } from "../src/reward.js";
import { type RewardCase, realisticCase } from "./realistic-patches.js";

/**
 * calculateSearchReplaceReward against the same computation in CPython's difflib, on the same
 * realistic inputs, one core each, in one run. Both sides are timed in wall time and in the
 * process's CPU time (the ratio of CPU times is the one a loaded machine does not distort). CPython
 * takes minutes per 2000-line case, so that row times one case once; SWERL_BENCH_MAX_CHANGED=500
 * skips it. Prints a table and the rows for docs/benchmarks.md.
 */
const maxChanged = Number(process.env.SWERL_BENCH_MAX_CHANGED ?? Number.POSITIVE_INFINITY);
const sizes: Array<[files: number, changed: number, cases: number, pythonRepeat: number]> = [
  [1, 10, 8, 3],
  [2, 50, 8, 3],
  [3, 200, 8, 3],
  [5, 500, 2, 1],
  [5, 2000, 1, 1],
];

interface Timing {
  perSecond: number;
  perCpuSecond: number;
  rewards: number[];
}

function timeTs(cases: RewardCase[], minSeconds: number): Timing {
  let rewards: number[] = [];
  let runs = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    // A fresh oracle map per call: the reward's per-instance cache of the oracle patch must not
    // turn repetitions into hits (CPython derives it every time).
    rewards = cases.map((c) => calculateSearchReplaceReward(c.context, { ...c.oracle }, c.output).reward);
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < minSeconds);
  const cpu = process.cpuUsage(cpu0);
  const n = runs * cases.length;
  return { perSecond: n / elapsed, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), rewards };
}

function timePython(cases: RewardCase[], repeat: number): Timing {
  const out = execFileSync("python3", [join(import.meta.dirname, "cpython_reward.py")], {
    input: JSON.stringify({ cases: cases.map((c) => ({ ...c, kind: "reward" })), repeat }),
    maxBuffer: 64 * 1024 * 1024,
  });
  const { seconds, cpuSeconds, rewards } = JSON.parse(out.toString()) as {
    seconds: number;
    cpuSeconds: number;
    rewards: number[];
  };
  const n = repeat * cases.length;
  return { perSecond: n / seconds, perCpuSecond: n / cpuSeconds, rewards };
}

const rows: string[] = [];
console.log(
  "files  changed-lines   swerl rewards/s (wall, CPU)   CPython rewards/s (wall, CPU)   ratio (wall, CPU)   load",
);
for (const [files, changed, count, repeat] of sizes) {
  if (changed > maxChanged) continue;
  const cases = Array.from({ length: count }, (_, i) =>
    realisticCase(1000 * files + changed + i, files, changed),
  );
  timeTs(cases, 0.3); // warm up the JIT
  const ts = timeTs(cases, 2);
  const py = timePython(cases, repeat);
  if (JSON.stringify(ts.rewards) !== JSON.stringify(py.rewards)) {
    throw new Error(`rewards differ from CPython for ${files} files / ${changed} lines`);
  }
  const ratio = ts.perSecond / py.perSecond;
  const cpuRatio = ts.perCpuSecond / py.perCpuSecond;
  const load = loadavg()[0]!;
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));
  console.log(
    `${String(files).padStart(5)}  ${String(changed).padStart(13)}   ${`${f(ts.perSecond)}, ${f(ts.perCpuSecond)}`.padStart(27)}   ${`${f(py.perSecond)}, ${f(py.perCpuSecond)}`.padStart(29)}   ${`${ratio.toFixed(1)}x, ${cpuRatio.toFixed(1)}x`.padStart(17)}   ${load.toFixed(1)}`,
  );
  rows.push(
    `| calculateSearchReplaceReward, ${files} file(s), ${changed} changed lines (${count} case${count > 1 ? "s" : ""}, CPython ${repeat}x) | \`pnpm --filter @swerl/reward bench\` | dev-2c, 1 core, load ${load.toFixed(1)} | ${f(ts.perSecond)} rewards/s wall, ${f(ts.perCpuSecond)} per CPU-second | CPython 3.11 difflib, same cases, same run: ${f(py.perSecond)} wall, ${f(py.perCpuSecond)} per CPU-second | ${ratio.toFixed(1)}x wall, ${cpuRatio.toFixed(1)}x CPU |`,
  );
}
console.log(`\n${rows.join("\n")}`);
