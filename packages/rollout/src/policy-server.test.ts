import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPolicyServer, startPolicyServer } from "./policy-server.js";
import { BigramPolicy } from "./policy-server.test-policy.js";
import { ReplayPolicy } from "./replay-policy.js";

let server: RunningPolicyServer;
const policy = new ReplayPolicy(
  [
    { match: "<|user|>\nhi\n", responses: ["hello there", "good day"] },
    { match: "2+2", responses: ["4"] },
    { responses: ["fallback answer"] },
  ],
  { model: "scripted" },
);
beforeAll(async () => {
  server = await startPolicyServer({ policy });
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

interface Body {
  object: string;
  data: Array<{ id: string; object: string }>;
  choices: Array<{
    index: number;
    text: string;
    finish_reason: string;
    token_ids: number[];
    logprobs: { tokens: string[] };
    message: { content: string };
  }>;
  usage: unknown;
  error: { message: string; code: string | null };
}
const json = async (response: Response | Promise<Response>) => (await (await response).json()) as Body;

function events(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice("data: ".length))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}

describe("startPolicyServer", () => {
  it("lists its model", async () => {
    const body = await json(fetch(`${server.url}/v1/models`));
    expect(body).toMatchObject({ object: "list", data: [{ id: "scripted", object: "model" }] });
  });

  it("answers completions for several prompts, numbered prompt by prompt", async () => {
    const response = await post("/v1/completions", {
      model: "scripted",
      prompt: ["what is 2+2", "anything"],
      n: 2,
      max_tokens: 5,
      logprobs: 0,
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(
      body.choices.map((c: { index: number; text: string; finish_reason: string }) => [
        c.index,
        c.text,
        c.finish_reason,
      ]),
    ).toEqual([
      [0, "4", "stop"],
      [1, "4", "stop"],
      [2, "fallb", "length"],
      [3, "fallb", "length"],
    ]);
    expect(body.choices[0]!.logprobs.tokens).toEqual(["token_id:52"]);
    expect(body.choices[0]!.token_ids).toEqual([52]);
    expect(body.usage).toEqual({ prompt_tokens: 11 + 8, completion_tokens: 12, total_tokens: 31 });
  });

  it("renders chat messages and streams server-sent events", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const plain = await json(post("/v1/chat/completions", { model: "scripted", messages, n: 2 }));
    expect(plain.choices.map((c) => c.message.content)).toEqual(["hello there", "good day"]);
    expect(plain.object).toBe("chat.completion");
    const streamed = await post("/v1/chat/completions", {
      model: "scripted",
      messages,
      stream: true,
      stop: [" "],
    });
    expect(streamed.headers.get("content-type")).toBe("text/event-stream");
    const chunks = events(await streamed.text());
    expect(chunks.at(-1)).toBe("[DONE]");
    const deltas = chunks.slice(0, -1) as Array<{
      choices: Array<{ delta: { content?: string }; finish_reason: string | null }>;
    }>;
    expect(deltas.map((c) => c.choices[0]!.delta.content ?? "").join("")).toBe("hello");
    expect(deltas.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    const completion = events(
      await (await post("/v1/completions", { model: "scripted", prompt: "2+2", stream: true })).text(),
    );
    expect(completion).toHaveLength(3);
  });

  it("answers bad requests with OpenAI-style errors", async () => {
    const notJson = await post("/v1/completions", "{");
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).error.message).toMatch(/^invalid JSON/);
    const noPrompt = await post("/v1/completions", { model: "scripted" });
    expect((await json(noPrompt)).error.message).toMatch(/^prompt:/);
    const wrongModel = await post("/v1/completions", { model: "other", prompt: "x" });
    expect(wrongModel.status).toBe(404);
    expect((await json(wrongModel)).error.code).toBe("model_not_found");
    expect((await fetch(`${server.url}/v1/embeddings`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/completions`)).status).toBe(405);
  });
});

describe("startPolicyServer limits", () => {
  it("answers 400 over the n and max_tokens caps, naming the field", async () => {
    const capped = await startPolicyServer({ policy: new BigramPolicy(), maxN: 8, maxTokens: 32 });
    try {
      const over = await post2(capped.url, { model: "bigram-test", prompt: "ab", n: 300_000 });
      expect(over.status).toBe(400);
      expect((await json(over)).error.message).toBe(
        "n: 300000 is over this server's cap of 8 samples per prompt",
      );
      const long = await post2(
        capped.url,
        {
          model: "bigram-test",
          messages: [{ role: "user", content: "x" }],
          max_tokens: 33,
        },
        "/v1/chat/completions",
      );
      expect(long.status).toBe(400);
      expect((await json(long)).error.message).toMatch(/^max_tokens: 33 is over/);
      expect(
        (await post2(capped.url, { model: "bigram-test", prompt: "ab", n: 8, max_tokens: 32 })).status,
      ).toBe(200);
    } finally {
      await capped.close();
    }
  });

  it("stops generating when the client disconnects, and at the request's time limit (504)", async () => {
    const bigram = new BigramPolicy(0, true);
    const limited = await startPolicyServer({ policy: bigram, requestTimeoutSeconds: 0.5 });
    try {
      const controller = new AbortController();
      const gone = fetch(`${limited.url}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "bigram-test", prompt: "ab", n: 64, max_tokens: 4096 }),
        signal: controller.signal,
      }).catch(() => null);
      await new Promise((r) => setTimeout(r, 100));
      expect(bigram.inFlight).toBe(1);
      controller.abort();
      await gone;
      await new Promise((r) => setTimeout(r, 100));
      expect(bigram.inFlight).toBe(0);
      const steps = bigram.steps;
      await new Promise((r) => setTimeout(r, 100));
      expect(bigram.steps).toBe(steps);

      const slow = await post2(limited.url, { model: "bigram-test", prompt: "ab", n: 64, max_tokens: 4096 });
      expect(slow.status).toBe(504);
      expect((await json(slow)).error.message).toMatch(/time limit/);
      expect(bigram.inFlight).toBe(0);
    } finally {
      await limited.close();
    }
  });

  it("binds 127.0.0.1 unless told otherwise", async () => {
    const local = await startPolicyServer({ policy: new BigramPolicy() });
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await local.close();
  });
});

const post2 = (url: string, body: unknown, path = "/v1/completions") =>
  fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
