// DockerExecutor against a real engine, in the base image: commands, files, stdin, time limits killed
// inside the container, no network, no host variables, memory limit, labelled leftovers removed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { DockerClient, DockerExecutor, dockerRequests, SWERL_LABEL } from "@swerl/eval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerUnavailable, ensureBaseImage, leftoverContainers } from "./docker-helpers.js";

const skip = await dockerUnavailable();
const root = mkdtempSync(path.join(tmpdir(), "swerl-docker-exec-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)(`DockerExecutor${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let base = "";
  beforeAll(async () => {
    const dataset = path.join(root, "empty.jsonl");
    writeFileSync(dataset, "");
    base = await ensureBaseImage(dataset);
  }, 900_000);

  it("runs commands with stdin and files, without network or host variables, and removes the container", async () => {
    process.env.OPENAI_API_KEY = "sk-do-not-leak";
    const executor = new DockerExecutor({ image: () => base, workingDir: "/work", memoryMb: 256 });
    try {
      const ws = await executor.prepare({ repo: "a/b", baseCommit: "x", label: "exec-test" });
      await ws.writeFile("sub/hello.txt", "hi\n");
      const read = await ws.run({
        command: "cat sub/hello.txt; cat; echo err >&2",
        stdin: "from stdin\n",
        timeoutMs: 20_000,
      });
      expect(read).toMatchObject({ exitCode: 0, timedOut: false });
      // stdout and stderr reach the daemon through separate pipes, so only each stream's own order holds
      expect(read.log).toContain("err\n");
      expect(read.log.replace("err\n", "")).toContain("hi\nfrom stdin\n");
      const env = await ws.run({
        command:
          "env; ls /sys/class/net; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
        timeoutMs: 20_000,
      });
      expect(env.log).not.toContain("sk-do-not-leak");
      expect(env.log.split("\n")).toContain("lo");
      expect(env.log).not.toMatch(/^eth0$/m);
      expect(env.log).toContain(String(256 * 1024 * 1024));
      await expect(ws.writeFile("../etc/passwd", "x")).rejects.toThrow("outside the workspace");
      const exit = await ws.run({ command: "exit 3", timeoutMs: 20_000 });
      expect(exit.exitCode).toBe(3);
      const started = performance.now();
      const hang = await ws.run({ command: "sleep 60 & sleep 60; echo never", timeoutMs: 2_000 });
      expect(hang.timedOut).toBe(true);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(hang.log).not.toContain("never");
      const after = await ws.run({ command: "echo still usable", timeoutMs: 20_000 });
      expect(after.log).toBe("still usable\n");
      expect(await leftoverContainers()).toHaveLength(1);
      await ws.dispose();
      expect(await leftoverContainers()).toEqual([]);
    } finally {
      delete process.env.OPENAI_API_KEY;
      await executor.close();
    }
  }, 120_000);

  it("removes containers a killed run left (their owner process is gone) when it starts", async () => {
    const client = new DockerClient();
    try {
      const { Id } = await client.json<{ Id: string }>(
        dockerRequests.createContainer({
          image: base,
          name: `swerl-leftover-${process.pid}`,
          env: {},
          workingDir: "/",
          labels: { [SWERL_LABEL]: "1", "io.swerl.owner": `${hostname()}:999999999` },
        }),
        [201],
      );
      const executor = new DockerExecutor({ image: () => base, client });
      expect(await executor.removeLeftovers()).toBeGreaterThanOrEqual(1);
      expect(await client.hasImage(base)).toBe(true);
      const gone = await client.transport.send({ method: "GET", path: `/containers/${Id}/json` });
      expect(gone.status).toBe(404);
      await executor.close();
    } finally {
      client.close();
    }
  }, 60_000);
});
