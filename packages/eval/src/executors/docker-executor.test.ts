import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkProgressStream,
  compareApiVersions,
  DockerClient,
  demultiplexDockerStream,
  dockerRequests,
  singleFileTar,
  splitImageReference,
} from "./docker-api.js";
import { DockerHttpTransport, parseDockerHost } from "./docker-transport.js";

// The executor against a real engine is tested in test/docker-*.e2e.test.ts (CI starts a daemon).

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const root = mkdtempSync(path.join(tmpdir(), "swerl-docker-api-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real HTTP server on a unix socket (or TCP) answering like an engine of the given API version. */
async function fakeEngine(apiVersion: string, tcp = false) {
  const seen: string[] = [];
  const socketPath = path.join(root, `engine-${apiVersion}.sock`);
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === "/version") {
      res.end(JSON.stringify({ ApiVersion: apiVersion, Version: "x" }));
      return;
    }
    res.statusCode = req.url?.endsWith("/json") ? 200 : 404;
    res.end(JSON.stringify({ message: "no such thing" }));
  });
  if (tcp) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  else await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { seen, socketPath, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("Docker Engine API", () => {
  it("reads DOCKER_HOST as a unix socket or tcp address, refusing TLS and ssh", () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("unix:///tmp/d.sock")).toEqual({ kind: "unix", socketPath: "/tmp/d.sock" });
    expect(parseDockerHost("tcp://10.0.0.2:2376")).toEqual({ kind: "tcp", host: "10.0.0.2", port: 2376 });
    expect(parseDockerHost("tcp://docker")).toEqual({ kind: "tcp", host: "docker", port: 2375 });
    expect(() => parseDockerHost("ssh://me@host")).toThrow(/DOCKER_HOST=ssh:\/\/me@host: only unix/);
  });

  it("negotiates the API version: the daemon's when older, else its own", async () => {
    expect(compareApiVersions("1.41", "1.43")).toBeLessThan(0);
    expect(compareApiVersions("1.9", "1.43")).toBeLessThan(0);
    const old = await fakeEngine("1.41");
    const client = new DockerClient(new DockerHttpTransport({ kind: "unix", socketPath: old.socketPath }));
    expect(await client.apiVersion()).toBe("1.41");
    expect(await client.hasImage("swerl/base:abc")).toBe(true);
    await expect(client.call(dockerRequests.startContainer("c1"), [204])).rejects.toThrow(
      /Docker POST \/containers\/c1\/start at unix:\/\/.*engine-1\.41\.sock answered 404: .*no such thing/,
    );
    expect(old.seen).toEqual([
      "GET /version",
      "GET /v1.41/images/swerl/base:abc/json",
      "POST /v1.41/containers/c1/start",
    ]);
    client.close();
    await old.close();
    const recent = await fakeEngine("1.47");
    const other = new DockerClient(new DockerHttpTransport({ kind: "unix", socketPath: recent.socketPath }));
    expect(await other.apiVersion()).toBe("1.43");
    other.close();
    await recent.close();
    const overTcp = await fakeEngine("1.41", true);
    const tcpClient = new DockerClient(
      new DockerHttpTransport(parseDockerHost(`tcp://127.0.0.1:${overTcp.port}`)),
    );
    expect(await tcpClient.apiVersion()).toBe("1.41");
    expect(overTcp.seen).toEqual(["GET /version"]);
    tcpClient.close();
    await overTcp.close();
    const nobody = new DockerClient(
      new DockerHttpTransport({ kind: "unix", socketPath: path.join(root, "none.sock") }),
    );
    await expect(nobody.apiVersion()).rejects.toThrow(
      /cannot reach the Docker engine at unix:\/\/.*none\.sock/,
    );
  });

  it("creates labelled, limited containers without a network by default", () => {
    const request = dockerRequests.createContainer({
      image: "swerl/eval.psf__requests-2317:0123",
      name: "a b",
      env: { A: "1" },
      workingDir: "/testbed",
      labels: { "io.swerl.harness": "1" },
      memoryBytes: 1024,
      cpus: 1.5,
    });
    expect(request).toEqual({
      method: "POST",
      path: "/containers/create?name=a%20b",
      body: {
        Image: "swerl/eval.psf__requests-2317:0123",
        Cmd: ["sleep", "infinity"],
        WorkingDir: "/testbed",
        Env: ["A=1"],
        Labels: { "io.swerl.harness": "1" },
        Tty: false,
        HostConfig: {
          Init: true,
          AutoRemove: false,
          NetworkMode: "none",
          Memory: 1024,
          MemorySwap: 1024,
          NanoCpus: 1_500_000_000,
        },
      },
    });
    expect(dockerRequests.removeContainer("c1")).toEqual({
      method: "DELETE",
      path: "/containers/c1?force=true&v=true",
    });
    expect(dockerRequests.listContainers("io.swerl.harness").path).toBe(
      `/containers/json?all=true&filters=${encodeURIComponent('{"label":["io.swerl.harness"]}')}`,
    );
  });

  it("pulls the dataset's official image by name and tag (the request; no registry is reachable here)", () => {
    expect(splitImageReference("swebench/sweb.eval.x86_64.sympy_1776_sympy-24213:latest")).toEqual([
      "swebench/sweb.eval.x86_64.sympy_1776_sympy-24213",
      "latest",
    ]);
    expect(splitImageReference("localhost:5000/x")).toEqual(["localhost:5000/x", "latest"]);
    expect(dockerRequests.pullImage("swebench/sweb.eval.x86_64.sympy_1776_sympy-24213:latest")).toEqual({
      method: "POST",
      path: "/images/create?fromImage=swebench%2Fsweb.eval.x86_64.sympy_1776_sympy-24213&tag=latest",
    });
    expect(() =>
      checkProgressStream(
        Buffer.from('{"status":"Pulling"}\n{"error":"x","errorDetail":{"message":"pull access denied"}}\n'),
        "pulling img",
      ),
    ).toThrow("pulling img: pull access denied");
  });

  it("demultiplexes stdout and stderr frames in order", () => {
    expect(
      demultiplexDockerStream(Buffer.concat([frame(1, "out\n"), frame(2, "err\n"), frame(1, "more\n")])),
    ).toBe("out\nerr\nmore\n");
  });

  it("writes a tar that python's tarfile reads back", () => {
    const tar = singleFileTar("patch.diff", Buffer.from("diff --git a/x b/x\n"));
    expect(tar.length % 512).toBe(0);
    const read = execFileSync(
      "python3",
      [
        "-c",
        "import sys,tarfile,io; t=tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read())); m=t.getmembers()[0]; print(m.name, m.size, t.extractfile(m).read().decode(), end='')",
      ],
      { input: tar, encoding: "utf8" },
    );
    expect(read).toBe("patch.diff 19 diff --git a/x b/x\n");
  });
});
