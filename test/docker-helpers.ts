// Shared by the Docker end-to-end tests: is an engine there (or required), the base image built once per
// run whichever test file gets there first (images are named by content hash, so the second finds it),
// and a check that a test left no container behind.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import {
  baseImageName,
  buildImages,
  DockerClient,
  dockerRequests,
  ImageBuildConfig,
  SWERL_LABEL,
} from "@swerl/eval";

/** Why Docker tests cannot run here, or undefined when they can. SWERL_REQUIRE_DOCKER=1 turns a reason into a failure. */
export async function dockerUnavailable(): Promise<string | undefined> {
  const client = new DockerClient();
  let reason: string | undefined;
  try {
    await client.apiVersion();
    if (process.getuid?.() !== 0) reason = "the base image needs root (debootstrap)";
    else if (!existsSync("/usr/sbin/debootstrap"))
      reason = "debootstrap is not installed (apt-get install debootstrap)";
  } catch (error) {
    reason = `no Docker engine at DOCKER_HOST=${process.env.DOCKER_HOST ?? "(default socket)"}: ${(error as Error).message}`;
  } finally {
    client.close();
  }
  if (reason && process.env.SWERL_REQUIRE_DOCKER === "1") {
    throw new Error(`SWERL_REQUIRE_DOCKER=1 but ${reason}`);
  }
  return reason ? `${reason} (set DOCKER_HOST to a running engine; .ci/run starts one)` : undefined;
}

/** The base image, built by the first test file that needs it; the others wait for it, then find it cached. */
export async function ensureBaseImage(datasetName: string): Promise<string> {
  const name = baseImageName(ImageBuildConfig.parse({ datasetName }));
  const lock = path.join(tmpdir(), `swerl-base-image-${name.replace(/[^\w.-]/g, "_")}.lock`);
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`waited 10 min for ${lock}; remove it if no test is building`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    await buildImages({ datasetName, level: "base" });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  return name;
}

/** Containers this process owns that are still there (every test must leave none). */
export async function leftoverContainers(): Promise<string[]> {
  const client = new DockerClient();
  try {
    const listed = await client.json<Array<{ Names: string[]; Labels: Record<string, string> }>>(
      dockerRequests.listContainers(SWERL_LABEL),
      [200],
    );
    const owner = `${hostname()}:${process.pid}`;
    return listed.filter((c) => c.Labels["io.swerl.owner"] === owner).flatMap((c) => c.Names);
  } finally {
    client.close();
  }
}

/** Extracts a tar of a bare mirror (the shared sympy mirror) into `dir`. */
export function untar(file: string, dir: string): void {
  execFileSync("tar", ["-xf", file, "-C", dir]);
}
