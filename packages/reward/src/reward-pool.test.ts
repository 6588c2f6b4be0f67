import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { calculateSearchReplaceReward } from "./reward.js";
import { RewardPool } from "./reward-pool.js";
import { scoreBatch } from "./score-batch.js";
import { pathologicalRequest } from "./testing/pathological.js";

const ctx = { "a.py": "x = 1\ny = 2\n" };
const oracle = { "a.py": "x = 1\ny = 3\n" };
const output = (replace: string) =>
  `<think>t</think><solution>\`\`\`python\n### a.py\n<<<<<<< SEARCH\ny = 2\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\`</solution>`;

const pathological = () => pathologicalRequest();

describe("RewardPool (worker threads, from TypeScript source)", () => {
  const pool = new RewardPool({ workers: 2, timeoutMs: 1500 });
  afterAll(() => pool.close());

  it("scores in parallel, in input order, with the same results as in-process scoring", async () => {
    const requests = ["y = 3", "y = 4", "y = 2", "z = 0"].map((r) => ({
      codeContext: ctx,
      oracleNewContent: oracle,
      output: output(r),
    }));
    const seen: number[] = [];
    const results = await pool.scoreAll(requests, (done) => seen.push(done));
    expect(seen).toEqual([1, 2, 3, 4]);
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe("scored");
      if (r.status === "scored")
        expect(r.result).toEqual(calculateSearchReplaceReward(ctx, oracle, requests[i]!.output));
    }
  });

  it("sends an instance shared by many requests once per worker, with the same results", async () => {
    // 70 instances of 3 samples each, more than a worker keeps (64): evicted ones are sent again.
    const instances = Array.from({ length: 70 }, (_, i) => ({
      codeContext: { "a.py": `x = ${i}\ny = 2\n` },
      oracleNewContent: { "a.py": `x = ${i}\ny = ${i % 5}\n` },
    }));
    const requests = instances.flatMap((inst) =>
      ["y = 3", "y = 4", "z"].map((r) => ({ ...inst, output: output(r) })),
    );
    const expected = requests.map((r) =>
      calculateSearchReplaceReward(r.codeContext, r.oracleNewContent, r.output),
    );
    const full = await pool.scoreAll(requests);
    expect(full.map((o) => (o.status === "scored" ? o.result : o))).toEqual(expected);
    const brief = await pool.scoreAll(requests, undefined, { detail: "reward" });
    expect(brief.map((o) => (o.status === "scored" ? o.result : o))).toEqual(
      expected.map((e) => ({ reward: e.reward, error: e.error })),
    );
    // Instances of finished calls are forgotten; new objects with the same contents score the same.
    const again = await pool.scoreAll(requests.map((r) => ({ ...r, codeContext: { ...r.codeContext } })));
    expect(again.map((o) => (o.status === "scored" ? o.result : o))).toEqual(expected);
  }, 30_000);

  it("keeps instances past a call when asked: a later call with the same objects sends only the responses", async () => {
    const inst = { codeContext: { "k.py": "y = 2\n" }, oracleNewContent: { "k.py": "y = 3\n" } };
    const requests = ["y = 3", "y = 4", "y = 5", "z"].map((r) => ({
      ...inst,
      output: output(r).replaceAll("a.py", "k.py"),
    }));
    const expected = requests.map((r) =>
      calculateSearchReplaceReward(r.codeContext, r.oracleNewContent, r.output),
    );
    const one = async (i: number, keepInstances: boolean) => {
      const [o] = await pool.scoreAll([requests[i]!], undefined, { keepInstances });
      return o?.status === "scored" ? o.result : o;
    };
    const sent0 = pool.instancesSent;
    for (const i of [0, 1, 2, 3, 0, 1]) expect(await one(i, true)).toEqual(expected[i]);
    // at most once per worker (2 here), though each call had a single request
    expect(pool.instancesSent - sent0).toBeLessThanOrEqual(2);
    const sent1 = pool.instancesSent;
    for (const i of [0, 1, 2]) expect(await one(i, false)).toEqual(expected[i]);
    expect(pool.instancesSent - sent1).toBe(3);
  });

  it("reports a pathological request as timed out and keeps scoring the rest", async () => {
    const fine = { codeContext: ctx, oracleNewContent: oracle, output: output("y = 3") };
    const results = await pool.scoreAll([pathological(), fine, fine, fine, fine]);
    expect(results.map((r) => r.status)).toEqual(["timeout", "scored", "scored", "scored", "scored"]);
    expect(pool.size).toBe(2);
    const after = await pool.score(fine);
    expect(after.status).toBe("scored");
  }, 30_000);

  it("scoreBatch opens and closes its own pool", async () => {
    const results = await scoreBatch([{ codeContext: ctx, oracleNewContent: oracle, output: "no tags" }], {
      workers: 1,
    });
    expect(results[0]).toMatchObject({
      status: "scored",
      result: { reward: -1, error: "count of <think> is not 1" },
    });
  });
});

describe("RewardPool from the built package", () => {
  it("finds its worker next to dist/index.js and dist/index.cjs", () => {
    const root = resolve(import.meta.dirname, "../../..");
    execFileSync("npx", ["turbo", "run", "build", "--filter=@swerl/reward", "--output-logs=errors-only"], {
      cwd: root,
      stdio: "ignore",
    });
    const script = (loader: string) =>
      `${loader}; const r = await scoreBatch([{ codeContext: {"a.py": "y = 2\\n"}, oracleNewContent: {"a.py": "y = 3\\n"}, output: ${JSON.stringify(output("y = 3"))} }], { workers: 1 }); console.log(r[0].status, r[0].result.reward);`;
    const esm = execFileSync(
      "node",
      ["--input-type=module", "-e", script("import { scoreBatch } from '@swerl/reward'")],
      {
        cwd: resolve(root, "apps/pipeline"),
      },
    );
    expect(esm.toString().trim()).toBe("scored 1");
    const cjs = execFileSync(
      "node",
      ["-e", `(async () => { ${script("const { scoreBatch } = require('@swerl/reward')")} })()`],
      { cwd: resolve(root, "apps/pipeline") },
    );
    expect(cjs.toString().trim()).toBe("scored 1");
  }, 180_000);
});
