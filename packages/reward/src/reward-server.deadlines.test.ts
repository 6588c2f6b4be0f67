import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRewardServer, startRewardServer } from "./reward-server.js";
import { pathologicalRequest } from "./testing/pathological.js";

const slow = pathologicalRequest();
const slowLabel = JSON.stringify({
  code_context: slow.codeContext,
  oracle_new_content: slow.oracleNewContent,
});
const label = JSON.stringify({
  code_context: { "a.py": "y = 2\n" },
  oracle_new_content: { "a.py": "y = 3\n" },
});
const answer = `<think>t</think><solution>\`\`\`python\n### a.py\n<<<<<<< SEARCH\ny = 2\n=======\ny = 3\n>>>>>>> REPLACE\n\`\`\`</solution>`;
const body = (n: number, pathological: number) =>
  JSON.stringify({
    query: Array.from({ length: n }, (_, i) => (i < pathological ? slow.output : answer)),
    prompts: Array.from({ length: n }, () => ""),
    labels: Array.from({ length: n }, (_, i) => (i < pathological ? slowLabel : label)),
  });
interface Answer {
  rewards: number[];
  extra_logs: Record<string, number[]>;
}

describe("reward server deadlines and cancellation", () => {
  let server: RunningRewardServer;
  beforeAll(async () => {
    server = await startRewardServer({
      port: 0,
      workers: 2,
      timeoutSeconds: 20,
      requestTimeoutSeconds: 3,
      slowAfterSeconds: 0.3,
    });
    // loading workers from TypeScript source is slow on a busy machine
    await server.pool.ready();
    await fetch(`${server.url}/get_reward`, { method: "POST", body: body(4, 0) });
  }, 60_000);
  afterAll(() => server.close());
  const health = async () =>
    (await (await fetch(`${server.url}/health`)).json()) as { pending: number; queued: number; slow: number };

  it("answers by the request's time limit from arrival, reporting unscored responses as timed out", async () => {
    const start = Date.now();
    const res = (await (
      await fetch(`${server.url}/get_reward`, { method: "POST", body: body(3, 2) })
    ).json()) as Answer;
    const seconds = (Date.now() - start) / 1000;
    expect(seconds).toBeLessThan(6);
    expect(res.extra_logs.timed_out).toEqual([1, 1, 0]);
    expect(res.rewards).toEqual([-1, -1, 1]);
    expect((await health()).slow).toBe(0);
  }, 30_000);

  it("drops the queued work of a client that disconnects", async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/get_reward`, { method: "POST" });
      req.on("error", () => resolve());
      req.end(body(40, 40));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 500);
    });
    // Nothing queued by the disconnected request is sent to a worker after the disconnect.
    const sentAtDisconnect = server.pool.jobsSent;
    const until = Date.now() + 5000;
    let h = await health();
    while ((h.pending > 0 || h.queued > 0 || h.slow > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      h = await health();
    }
    expect(h).toMatchObject({ pending: 0, queued: 0, slow: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect(server.pool.jobsSent).toBe(sentAtDisconnect);
    expect(sentAtDisconnect).toBeLessThan(40 + 5);
  }, 30_000);

  it("clean requests in flight with pathological ones on every worker finish well before the time limit", async () => {
    const limit = 8;
    const mixed = await startRewardServer({ port: 0, workers: 2, timeoutSeconds: limit });
    try {
      await mixed.pool.ready();
      await fetch(`${mixed.url}/get_reward`, { method: "POST", body: body(4, 0) });
      const sent = Date.now();
      // as many pathological requests as workers first, then 5 clean ones, all in flight at once
      const slowOnes = [0, 1].map(() =>
        fetch(`${mixed.url}/get_reward`, { method: "POST", body: body(1, 1) }),
      );
      await new Promise((r) => setTimeout(r, 100));
      const clean = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const res = (await (
            await fetch(`${mixed.url}/get_reward`, { method: "POST", body: body(1, 0) })
          ).json()) as Answer;
          return { reward: res.rewards[0], seconds: (Date.now() - sent) / 1000 };
        }),
      );
      expect(clean.map((c) => c.reward)).toEqual([1, 1, 1, 1, 1]);
      expect(Math.max(...clean.map((c) => c.seconds))).toBeLessThan(limit / 4);
      const slowAnswers = (await Promise.all(slowOnes.map(async (r) => (await r).json()))) as Answer[];
      expect(slowAnswers.map((a) => a.extra_logs.timed_out)).toEqual([[1], [1]]);
      // the workers stopped the pathological responses themselves: none had to be restarted
      expect(mixed.pool.workersStarted).toBe(2 + 2 + 1);
    } finally {
      await mixed.close();
    }
  }, 60_000);

  it("a burst with slow responses does not stall the next burst", async () => {
    const burstServer = await startRewardServer({
      port: 0,
      workers: 2,
      timeoutSeconds: 20,
      requestTimeoutSeconds: 15,
    });
    try {
      await burstServer.pool.ready();
      await fetch(`${burstServer.url}/get_reward`, { method: "POST", body: body(4, 0) });
      // 10 requests of 4 responses, 3 of them with a response that takes seconds to score
      const burst = Array.from({ length: 10 }, (_, i) =>
        fetch(`${burstServer.url}/get_reward`, {
          method: "POST",
          body: body(4, i % 3 === 0 && i < 9 ? 1 : 0),
        }),
      );
      await new Promise((r) => setTimeout(r, 1000));
      const start = Date.now();
      const next = (await (
        await fetch(`${burstServer.url}/get_reward`, { method: "POST", body: body(8, 0) })
      ).json()) as Answer;
      const seconds = (Date.now() - start) / 1000;
      expect(next.rewards).toEqual(Array(8).fill(1));
      // 8 clean responses take milliseconds; before, they waited for the slow ones' whole time limit
      expect(seconds).toBeLessThan(3);
      await Promise.all(burst);
    } finally {
      await burstServer.close();
    }
  }, 60_000);
});
