import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRewardServer, startRewardServer } from "./reward-server.js";

const instance = { code_context: { "a.py": "y = 2\n" }, oracle_new_content: { "a.py": "y = 3\n" } };
const answer = (r: string) =>
  `<think>t</think><solution>\`\`\`python\n### a.py\n<<<<<<< SEARCH\ny = 2\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\`</solution>`;

describe("reward server", () => {
  let server: RunningRewardServer;
  beforeAll(async () => {
    server = await startRewardServer({ port: 0, workers: 2, maxBodyBytes: 4096, maxPending: 8 });
  });
  afterAll(() => server.close());
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("answers health checks", async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", workers: 2 });
  });

  it("scores one swerl record or a list of them on /score", async () => {
    const one = await (await post("/score", { ...instance, output: answer("y = 3") })).json();
    expect(one).toMatchObject({ status: "scored", reward: 1, error: null });
    const many = (await (
      await post("/score", {
        items: [
          { ...instance, output: answer("y = 3") },
          { ...instance, output: "oops" },
        ],
      })
    ).json()) as {
      results: Array<{ reward: number }>;
    };
    expect(many.results.map((r) => r.reward)).toEqual([1, -1]);
  });

  it("speaks OpenRLHF's remote reward model protocol on /get_reward", async () => {
    const prompt = "<|user|>fix it<|assistant|>";
    const res = await post("/get_reward", {
      query: [prompt + answer("y = 3"), prompt + "no format"],
      prompts: [prompt, prompt],
      labels: [JSON.stringify(instance), JSON.stringify(instance)],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      rewards: [1, -1],
      scores: [1, -1],
      extra_logs: { format_error: [0, 1], timed_out: [0, 0], prompt_truncated: [0, 0] },
    });
  });

  it("scores the samples of a group (same label) like separate requests on /get_reward", async () => {
    const other = { code_context: { "b.py": "x = 1\n" }, oracle_new_content: { "b.py": "x = 2\n" } };
    const b =
      "<think>t</think><solution>```python\n### b.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```</solution>";
    const query = [answer("y = 3"), b, answer("y = 33"), answer("y = 3"), b, "oops"];
    const labels = [instance, other, instance, instance, other, other].map((l) => JSON.stringify(l));
    // The queries are the responses alone (as swerl's verl glue sends them): empty prompts say so.
    const prompts = query.map(() => "");
    const grouped = (await (await post("/get_reward", { query, prompts, labels })).json()) as {
      rewards: number[];
    };
    const one = async (i: number) =>
      (
        (await (
          await post("/get_reward", { query: [query[i]], prompts: [""], labels: [labels[i]] })
        ).json()) as {
          rewards: number[];
        }
      ).rewards[0];
    const separate = await Promise.all(query.map((_, i) => one(i)));
    expect(grouped.rewards).toEqual(separate);
    expect(grouped.rewards.slice(0, 2)).toEqual([1, 1]);
    expect(grouped.rewards[5]).toBe(-1);
  });

  it("parses a label sent in many requests once, and scores its samples as one instance", async () => {
    const label = JSON.stringify({ ...instance, code_context: { "a.py": "y = 2\n\n" } });
    const health = async () =>
      (await (await fetch(`${server.url}/health`)).json()) as { labelsCached: number };
    const cached0 = (await health()).labelsCached;
    const sent0 = server.pool.instancesSent;
    const rewards: number[] = [];
    for (const query of [answer("y = 3"), answer("y = 4"), answer("y = 3"), "oops"]) {
      const res = await post("/get_reward", { query: [query], prompts: [""], labels: [label] });
      rewards.push(((await res.json()) as { rewards: number[] }).rewards[0]!);
    }
    expect(rewards[0]).toBe(rewards[2]);
    expect(rewards[0]).toBeGreaterThan(rewards[1]!);
    expect(rewards[3]).toBe(-1);
    expect((await health()).labelsCached).toBe(cached0 + 1);
    // sent to each of the 2 workers at most once ("oops" fails before it needs the instance: still sent)
    expect(server.pool.instancesSent - sent0).toBeLessThanOrEqual(2);
  });

  it("accepts labels with the camelCase names of swerl RL instances on /get_reward", async () => {
    const camel = { codeContext: instance.code_context, oracleNewContent: instance.oracle_new_content };
    const res = await post("/get_reward", {
      query: [answer("y = 3"), answer("y = 9")],
      prompts: ["", ""],
      labels: [JSON.stringify(camel), JSON.stringify({ ...camel, instanceId: "x__y-1" })],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rewards: number[] };
    expect(body.rewards[0]).toBe(1);
    expect(body.rewards[1]).toBeGreaterThanOrEqual(0);
    expect(body.rewards[1]).toBeLessThan(1);
  });

  it("answers malformed requests with a 400 naming the cause, and keeps serving", async () => {
    const bad = await post("/score", "{not json");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^invalid JSON/);
    const missing = await post("/score", { output: "x" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/^code_context: /);
    const labels = await post("/get_reward", { query: ["a"], labels: ["{"] });
    expect(((await labels.json()) as { error: string }).error).toBe("labels[0]: not JSON");
    expect((await post("/score", { ...instance, output: "x".repeat(5000) })).status).toBe(413);
    expect((await post("/nowhere", {})).status).toBe(404);
    expect(
      (await post("/score", { items: Array.from({ length: 9 }, () => ({ ...instance, output: "x" })) }))
        .status,
    ).toBe(503);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
