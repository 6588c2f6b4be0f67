import { afterEach, describe, expect, it } from "vitest";
import { OpenAIPolicy, OpenAIPolicyError } from "./openai-policy.js";
import type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";
import { type RunningPolicyServer, startPolicyServer } from "./policy-server.js";
import { BigramPolicy } from "./policy-server.test-policy.js";
import { ReplayPolicy } from "./replay-policy.js";

const servers: RunningPolicyServer[] = [];
async function serve(policy: Policy): Promise<RunningPolicyServer> {
  const server = await startPolicyServer({ policy, host: "127.0.0.1", port: 0 });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Fails the first `failures` calls with a plain (server-side, 500) error, then delegates. */
class FlakyPolicy implements Policy {
  readonly model: string;
  calls = 0;
  constructor(
    readonly inner: Policy,
    readonly failures: number,
  ) {
    this.model = inner.model;
  }
  async sample(prompts: readonly string[], options: SamplingOptionsInput): Promise<SampleGroup[]> {
    this.calls += 1;
    if (this.calls <= this.failures) throw new Error("engine overloaded");
    return this.inner.sample(prompts, options);
  }
  async close(): Promise<void> {}
}

describe("OpenAIPolicy against startPolicyServer", () => {
  it("returns exactly the served policy's groups: texts, token ids, logprobs, finish reasons", async () => {
    const local = new BigramPolicy();
    const server = await serve(new BigramPolicy());
    const remote = await OpenAIPolicy.connect({ baseUrl: server.url });
    expect(remote.model).toBe("bigram-test");
    const prompts = ["hello world", "abc", "the quick fox"];
    const options = { n: 4, temperature: 0.9, topP: 0.95, topK: 12, maxTokens: 20, stop: ["q"], seed: 7 };
    const got = await remote.sample(prompts, options);
    // one request per prompt, each with the same seed: as sampling each prompt alone
    const want = (await Promise.all(prompts.map((p) => local.sample([p], options)))).flat();
    expect(got).toEqual(want);
    expect(
      got[0]!.samples.some((s) => s.tokenLogprobs.length > 0 && s.tokenLogprobs.every((l) => l < 0)),
    ).toBe(true);
    expect(new Set(got.flatMap((g) => g.samples.map((s) => s.finishReason)))).toContain("length");
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    const served = new BigramPolicy(40);
    const server = await serve(served);
    const remote = new OpenAIPolicy({ baseUrl: `${server.url}/v1/`, model: "bigram-test", concurrency: 2 });
    const groups = await remote.sample(["a", "b", "c", "d", "e", "f"], { n: 1, maxTokens: 3 });
    expect(groups).toHaveLength(6);
    expect(served.calls).toBe(6);
    expect(served.maxInFlight).toBe(2);
  });

  it("retries 5xx answers with backoff, then succeeds", async () => {
    const flaky = new FlakyPolicy(new BigramPolicy(), 2);
    const server = await serve(flaky);
    const retries: string[] = [];
    const remote = new OpenAIPolicy({
      baseUrl: server.url,
      model: "bigram-test",
      retryBaseMs: 5,
      onRetry: (r) => retries.push(`${r.attempt}:${r.reason}`),
    });
    const [group] = await remote.sample(["abc"], { n: 2, maxTokens: 4 });
    expect(group!.samples).toHaveLength(2);
    expect(retries).toEqual(["0:HTTP 500: engine overloaded", "1:HTTP 500: engine overloaded"]);
    const failing = new OpenAIPolicy({
      baseUrl: server.url,
      model: "bigram-test",
      retryBaseMs: 1,
      maxRetries: 1,
    });
    flaky.calls = 0;
    await expect(failing.sample(["abc"], {})).rejects.toThrow(
      /failed with 500 after 2 attempts: engine overloaded/,
    );
  });

  it("does not retry a request the policy refuses (422)", async () => {
    const server = await serve(new ReplayPolicy([{ match: "only this", responses: ["x"] }], { model: "r" }));
    const retries: number[] = [];
    const remote = new OpenAIPolicy({
      baseUrl: server.url,
      model: "r",
      onRetry: (r) => retries.push(r.attempt),
    });
    await expect(remote.sample(["something else"], {})).rejects.toThrow(/422.*no entry matches the prompt/);
    expect(retries).toEqual([]);
  });

  it("names the served models when the model name is wrong", async () => {
    const server = await serve(new BigramPolicy());
    await expect(OpenAIPolicy.connect({ baseUrl: server.url, model: "gpt-5" })).rejects.toThrow(
      /model "gpt-5" is not served at http:\/\/127\.0\.0\.1:\d+\/v1 \(it serves: bigram-test\)/,
    );
    const remote = new OpenAIPolicy({ baseUrl: server.url, model: "gpt-5" });
    const error = await remote.sample(["a"], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAIPolicyError);
    expect((error as OpenAIPolicyError).code).toBe("E_OPENAI_MODEL");
  });

  it("says clearly when the URL is wrong: nothing listening, or not an OpenAI API base", async () => {
    const server = await serve(new BigramPolicy());
    const wrongPath = new OpenAIPolicy({ baseUrl: `${server.url}/api`, model: "bigram-test" });
    await expect(wrongPath.sample(["a"], {})).rejects.toThrow(/is not an OpenAI-compatible API base/);
    const closed = await startPolicyServer({ policy: new BigramPolicy() });
    await closed.close();
    const nobody = new OpenAIPolicy({ baseUrl: closed.url, model: "m", maxRetries: 1, retryBaseMs: 1 });
    const error = (await nobody.sample(["a"], {}).catch((e: unknown) => e)) as OpenAIPolicyError;
    expect(error.code).toBe("E_OPENAI_UNREACHABLE");
    expect(error.message).toMatch(
      /cannot reach an OpenAI-compatible server at .*ECONNREFUSED, after 2 attempts/,
    );
    expect(() => new OpenAIPolicy({ baseUrl: "localhost:8000", model: "m" })).toThrow(/not an http\(s\) URL/);
  });

  it("gives up after the timeout", async () => {
    const server = await serve(new BigramPolicy(400));
    const remote = new OpenAIPolicy({
      baseUrl: server.url,
      model: "bigram-test",
      timeoutMs: 50,
      maxRetries: 0,
    });
    await expect(remote.sample(["a"], {})).rejects.toThrow(/took longer than 50 ms/);
  });
});
