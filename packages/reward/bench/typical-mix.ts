import { calculateSearchReplaceReward } from "../src/reward.js";
import { realisticCase } from "./realistic-patches.js";

const cases = Array.from({ length: 64 }, (_, i) => realisticCase(500 + i, 1 + (i % 2), 10 + (i % 4) * 10));
const secs = Number(process.env.SECS ?? 5);
let n = 0;
const t0 = performance.now();
while (performance.now() - t0 < secs * 1000) {
  for (const c of cases) calculateSearchReplaceReward(c.context, { ...c.oracle }, c.output);
  n += cases.length;
}
console.log(`${(n / ((performance.now() - t0) / 1000)).toFixed(0)} rewards/s`);
