import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { calculateSearchReplaceReward } from "../src/reward.js";
import { realisticCase } from "./realistic-patches.js";

/**
 * This tree's reward against another commit's, in one run, alternating rounds, in CPU time (so a
 * loaded machine hurts both sides alike), on the server bench's typical mix:
 *   mkdir /tmp/before && git archive <commit> packages/reward/src | tar -x -C /tmp/before
 *   cp -r /tmp/before/packages/reward/src packages/reward/.before-src   # to resolve its imports
 *   SWERL_BEFORE_SRC=packages/reward/.before-src node --conditions=@swerl/source --import tsx bench/before-after.ts
 * Both must give the same results on every case.
 */
const dir = process.env.SWERL_BEFORE_SRC;
if (!dir) throw new Error("set SWERL_BEFORE_SRC to a copy of another commit's packages/reward/src");
const before = (await import(pathToFileURL(resolve(dir, "reward.ts")).href)) as {
  calculateSearchReplaceReward: typeof calculateSearchReplaceReward;
};
const cases = Array.from({ length: 64 }, (_, i) => realisticCase(500 + i, 1 + (i % 2), 10 + (i % 4) * 10));
// A fresh oracle map per call, so that no per-instance cache helps either side.
for (const [i, c] of cases.entries()) {
  const x = before.calculateSearchReplaceReward(c.context, { ...c.oracle }, c.output);
  const y = calculateSearchReplaceReward(c.context, { ...c.oracle }, c.output);
  if (JSON.stringify(x) !== JSON.stringify(y)) throw new Error(`case ${i}: the two commits disagree`);
}
const rate = (f: typeof calculateSearchReplaceReward, ms: number) => {
  let n = 0;
  const t0 = process.cpuUsage();
  const cpu = () => {
    const u = process.cpuUsage(t0);
    return (u.user + u.system) / 1000;
  };
  while (cpu() < ms) {
    for (const c of cases) f(c.context, { ...c.oracle }, c.output);
    n += cases.length;
  }
  return n / (cpu() / 1000);
};
rate(before.calculateSearchReplaceReward, 500);
rate(calculateSearchReplaceReward, 500);
const ratios: number[] = [];
let sumBefore = 0;
let sumAfter = 0;
const rounds = Number(process.env.ROUNDS ?? 6);
for (let r = 0; r < rounds; r++) {
  const a = rate(before.calculateSearchReplaceReward, 400);
  const b = rate(calculateSearchReplaceReward, 400);
  sumBefore += a;
  sumAfter += b;
  ratios.push(b / a);
}
ratios.sort((x, y) => x - y);
console.log(
  `before ${(sumBefore / rounds).toFixed(0)} rewards per CPU-second, after ${(sumAfter / rounds).toFixed(0)}; median ratio ${ratios[rounds >> 1]!.toFixed(2)} [${ratios.map((x) => x.toFixed(2)).join(" ")}] (load ${loadavg()[0]!.toFixed(2)})`,
);
