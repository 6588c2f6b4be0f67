import { once } from "node:events";
import { readFileSync } from "node:fs";
import { appendFile, mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenAIPolicy } from "@swerl/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgentless } from "./run-agentless.js";
import { ADD_ISSUE, SHOUT_ISSUE, writeBenchmark } from "./testing/calc-benchmark.js";

const THIRD_ISSUE = "add(2, 3) should be 5 (a third report)";
const ISSUES = [ADD_ISSUE, SHOUT_ISSUE, THIRD_ISSUE];
const answer = (file: string, search: string, replace: string) =>
  `<think>\nr\n</think>\n<solution>\n\`\`\`python\n### ${file}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\`\n</solution>`;
const ANSWERS = [
  answer("calc/ops.py", "    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub"),
  answer("calc/text.py", "s.lower()", "s.upper()"),
  answer("calc/ops.py", "    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub"),
];

/**
 * A scripted OpenAI-compatible server on 127.0.0.1: `/v1/models` and `/v1/completions`, answering each
 * instance's repair prompt with its fix; after `failAfter` answered requests it answers 500 (an outage).
 */
class ScriptedServer {
  readonly server: Server;
  failAfter = Number.POSITIVE_INFINITY;
  answered = 0;
  /** Samples answered per instance (by its issue). */
  readonly samples = [0, 0, 0];

  constructor() {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET" && req.url === "/v1/models") return send(200, { data: [{ id: "scripted" }] });
      if (req.method !== "POST" || req.url !== "/v1/completions")
        return send(404, { error: { message: "no" } });
      if (this.answered >= this.failAfter) return send(500, { error: { message: "scripted outage" } });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { prompt: string; n: number };
      const which = ISSUES.findIndex((issue) => body.prompt.includes(issue));
      this.answered += 1;
      this.samples[which] = (this.samples[which] ?? 0) + body.n;
      send(200, {
        choices: Array.from({ length: body.n }, (_, index) => ({
          index,
          text: ANSWERS[which],
          finish_reason: "stop",
        })),
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

let dir: string;
const scripted = new ScriptedServer();
let url: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "swerl-agentless-resume-"));
  await writeBenchmark(dir);
  const [first] = readFileSync(join(dir, "bench.jsonl"), "utf8").split("\n");
  const third = { ...JSON.parse(first!), instance_id: "demo__calc-3", problem_statement: THIRD_ISSUE };
  await appendFile(join(dir, "bench.jsonl"), `${JSON.stringify(third)}\n`);
  url = await scripted.listen();
});
afterAll(() => scripted.server.close());

describe("a 3-instance x 20-sample run against an OpenAI-compatible server", () => {
  it("stops in an outage and resumes without asking for any finished sample again", async () => {
    const config = {
      dataset: join(dir, "bench.jsonl"),
      reposDir: join(dir, "repos"),
      specsFile: join(dir, "test-specs.json"),
      outDir: join(dir, "out"),
      localization: "oracle" as const,
      numSamples: 20,
      numTests: 0,
      regression: false,
    };
    const policy = new OpenAIPolicy({ baseUrl: url, model: "scripted", concurrency: 4, maxRetries: 0 });
    // the server goes down after 25 requests: instance 1's 20 samples and 5 of instance 2's
    scripted.failAfter = 25;
    await expect(runAgentless(config, { policy })).rejects.toThrow(/500|outage/);
    expect(scripted.samples).toEqual([20, 5, 0]);
    const journal = join(dir, "out", "instances", "demo__calc-2", "repair.samples.jsonl");
    expect(readFileSync(journal, "utf8").trim().split("\n")).toHaveLength(5);
    // back up: only the 15 + 20 missing samples are asked for
    scripted.failAfter = Number.POSITIVE_INFINITY;
    const run = await runAgentless(config, { policy });
    expect(scripted.samples).toEqual([20, 20, 20]);
    expect(scripted.answered).toBe(60);
    expect(run.stageStatus.repair).toEqual({ ran: 2, resumed: 1, skipped: 0 });
    expect(run.stages.map((s) => s.repair.samples)).toEqual([20, 20, 20]);
    expect(run.stages.map((s) => s.repair.nonEmpty)).toEqual([20, 20, 20]);
    const samples = readFileSync(journal, "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { sample: number }).sample)
      .sort((a, b) => a - b);
    expect(samples).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // a third run asks for nothing; nor does one with the other parser (the samples are re-read and re-parsed)
    await runAgentless(config, { policy });
    expect(scripted.answered).toBe(60);
    const strict = await runAgentless({ ...config, parse: "strict" }, { policy });
    expect(strict.stageStatus.repair).toEqual({ ran: 3, resumed: 0, skipped: 0 });
    expect(scripted.answered).toBe(60);
  });
});
