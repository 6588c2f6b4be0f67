import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OnnxPolicy, OpenAIPolicy, OpenAIPolicyError } from "@swerl/rollout";
import { beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";
import { createTinyModel } from "../testing/tiny-model.js";

const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));

const dir = commandTestRoot("swerl-cli-serve-policy-");
beforeAll(async () => {
  await createTinyModel(dir, { seed: 3, maxPositions: 128 });
});

/** Starts `swerl serve-policy` as its own process and resolves with the URL it prints. */
function serve(args: string[]): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ["--conditions=@swerl/source", "--import", "tsx", cli, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/\S+)\/v1 /.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`serve-policy exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output };
}

describe("swerl serve-policy", () => {
  it("exits 2 naming the flag on a bad --port", async () => {
    const io = captureOutput();
    expect(await swerl("serve-policy", "--model", dir, "--port", "http")).toBe(2);
    expect(io.err()).toMatch(/^swerl: --port: /);
  });

  it("exits 1 naming the directory when it holds no model", async () => {
    const io = captureOutput();
    const missing = path.join(dir, "no-such-model");
    expect(await swerl("serve-policy", "--model", missing, "--port", "0")).toBe(1);
    expect(io.err()).toContain(missing);
  });

  it("serves the model to OpenAIPolicy with the samples OnnxPolicy draws in process, and closes on Ctrl-C", async () => {
    const server = serve(["serve-policy", "--model", dir, "--port", "0", "--name", "tiny", "--threads", "1"]);
    try {
      const url = await server.url;
      const client = new OpenAIPolicy({ baseUrl: url, model: "tiny", maxRetries: 0 });
      const local = await OnnxPolicy.fromDirectory(dir, { threads: 1 });
      const prompt = local.tokenizer.applyChatTemplate(
        [
          { role: "system", content: "Fix it." },
          { role: "user", content: "def add(a, b):" },
        ],
        { addGenerationPrompt: true },
      );
      const options = { n: 3, temperature: 1, topP: 0.9, maxTokens: 12, seed: 5 };
      const [remote] = await client.sample([prompt], options);
      const [expected] = await local.sample([prompt], options);
      await local.close();
      expect(remote?.promptTokenIds).toEqual(expected?.promptTokenIds);
      expect(remote?.samples).toHaveLength(3);
      expect(remote?.samples).toEqual(expected?.samples);
      expect(new Set(remote?.samples.map((s) => s.tokenIds.join(","))).size).toBeGreaterThan(1);

      const wrong = new OpenAIPolicy({ baseUrl: url, model: "other", maxRetries: 0 });
      await expect(wrong.sample([prompt], options)).rejects.toBeInstanceOf(OpenAIPolicyError);

      const exited = new Promise<number | null>((resolve) => server.child.once("exit", resolve));
      server.child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(server.output()).toContain("policy server closed (SIGINT)");
    } finally {
      server.child.kill("SIGKILL");
    }
  }, 60_000);
});
