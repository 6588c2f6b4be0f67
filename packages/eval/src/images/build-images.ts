import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { parseConfig, readAllRecords, SweBenchInstance } from "@swerl/schema";
import type { z } from "zod";
import { answerKeyFreeCheckout } from "../executors/checkout.js";
import {
  checkProgressStream,
  DockerClient,
  demultiplexDockerStream,
  dockerRequests,
  SWERL_LABEL,
} from "../executors/docker-api.js";
import { mirrorDirectoryName } from "../executors/executor.js";
import {
  baseImageName,
  ImageBuildConfig,
  ImageBuildError,
  type ImageLevel,
  type InstanceImages,
  instanceImages,
} from "./image-plan.js";

export interface ImageBuildProgress {
  level: ImageLevel | "pull";
  image: string;
  /** Already there (same hash): skipped. */
  cached: boolean;
  seconds: number;
}

export interface BuiltImages {
  /** Per instance id, the image its tests run in. */
  images: Map<string, string>;
  /** Every image touched, with whether it was cached, in build order. */
  steps: ImageBuildProgress[];
}

export interface BuildImagesRuntime {
  client?: DockerClient;
  onProgress?: (progress: ImageBuildProgress) => void;
}

const IMAGE_LABEL = "io.swerl.image";
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Runs a program; its stdout is a stream, `done` rejects with its stderr's tail. */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number } = { timeoutMs: 600_000 },
): { stdout: Readable; done: Promise<void> } {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const stderr: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new ImageBuildError(`cannot run ${command}: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new ImageBuildError(
            `${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${Buffer.concat(stderr).toString("utf8").trim().slice(-1500)}`,
          ),
        );
    });
  });
  return { stdout: child.stdout, done };
}

/** A container from `image` runs `script` to completion; its log is returned, a failure names the level. */
async function runToCompletion(
  client: DockerClient,
  image: string,
  script: string,
  what: string,
  networkMode: string,
): Promise<{ id: string; log: string }> {
  const { Id: id } = await client.json<{ Id: string }>(
    dockerRequests.createContainer({
      image,
      name: `swerl-build-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      workingDir: "/",
      labels: { [SWERL_LABEL]: "build" },
      networkMode,
      cmd: ["bash", "-c", script],
    }),
    [201],
  );
  try {
    await client.call(dockerRequests.startContainer(id), [204]);
    const waited = await client.json<{ StatusCode: number }>(dockerRequests.waitContainer(id), [200]);
    const logs = await client.call(dockerRequests.containerLogs(id), [200]);
    const log = demultiplexDockerStream(logs);
    if (waited.StatusCode !== 0) {
      throw new ImageBuildError(`${what} failed (exit ${waited.StatusCode}): ${log.trim().slice(-1500)}`);
    }
    return { id, log };
  } catch (error) {
    await client.call(dockerRequests.removeContainer(id), [204, 404]).catch(() => undefined);
    throw error;
  }
}

/** base: `debootstrap --variant=minbase` of the Debian release with the base packages, imported. */
async function buildBase(client: DockerClient, config: ImageBuildConfig, name: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ImageBuildError(
      `building ${name} needs root (debootstrap makes a root filesystem); run as root`,
    );
  }
  const root = await mkdtemp(path.join(tmpdir(), "swerl-rootfs-"));
  try {
    const packages = config.basePackages.join(",");
    await run(
      "debootstrap",
      [
        "--variant=minbase",
        ...(packages ? [`--include=${packages}`] : []),
        config.suite,
        root,
        config.debianMirror,
      ],
      { timeoutMs: 900_000 },
    ).done.catch((error: unknown) => {
      throw new ImageBuildError(
        `debootstrap of ${config.suite} from ${config.debianMirror} failed (install it with apt-get install debootstrap): ${(error as Error).message}`,
        { cause: error },
      );
    });
    await run("rm", ["-rf", path.join(root, "var/cache/apt/archives"), path.join(root, "var/lib/apt/lists")])
      .done;
    const tar = run("tar", ["-C", root, "--numeric-owner", "-c", "."], { timeoutMs: 600_000 });
    const body = await client.call(
      dockerRequests.importImage(name, tar.stdout as Readable, [
        `ENV PATH=${DEFAULT_PATH}`,
        "ENV LANG=C.UTF-8",
        `LABEL ${IMAGE_LABEL}=base`,
        'CMD ["sleep", "infinity"]',
      ]),
      [200],
    );
    await tar.done;
    checkProgressStream(body, `importing ${name}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** environment: the base image plus the repository's Debian packages (apt over the host network). */
async function buildEnvironment(
  client: DockerClient,
  config: ImageBuildConfig,
  images: InstanceImages,
): Promise<void> {
  const sources = `deb ${config.debianMirror} ${config.suite} main`;
  const script = [
    "set -e",
    `echo '${sources}' > /etc/apt/sources.list`,
    "apt-get update -qq",
    `apt-get install -y -qq --no-install-recommends ${images.packages.join(" ")} >/dev/null`,
    "apt-get clean",
    "rm -rf /var/lib/apt/lists/*",
  ].join("\n");
  const { id } = await runToCompletion(
    client,
    images.base,
    script,
    `installing ${images.packages.join(" ")}`,
    "host",
  );
  try {
    await client.call(
      dockerRequests.commitContainer(id, images.environment, {
        labels: { [IMAGE_LABEL]: "environment" },
        env: { PATH: DEFAULT_PATH, LANG: "C.UTF-8" },
      }),
      [201],
    );
  } finally {
    await client.call(dockerRequests.removeContainer(id), [204, 404]).catch(() => undefined);
  }
}

/** instance: the environment plus `/testbed` at the base commit, without later history (answer-key free). */
async function buildInstance(
  client: DockerClient,
  config: ImageBuildConfig,
  instance: SweBenchInstance,
  images: InstanceImages,
): Promise<void> {
  if (!config.repos)
    throw new ImageBuildError("the instance level needs --repos (a directory of bare mirrors)");
  const mirror = path.join(config.repos, mirrorDirectoryName(instance.repo));
  if (!existsSync(mirror)) throw new ImageBuildError(`no mirror for ${instance.repo} at ${mirror}`);
  const stage = await mkdtemp(path.join(tmpdir(), "swerl-instance-"));
  const dirName = path.posix.basename(config.workingDir);
  try {
    await answerKeyFreeCheckout(mirror, instance.base_commit, path.join(stage, dirName));
    const { Id: id } = await client.json<{ Id: string }>(
      dockerRequests.createContainer({
        image: images.environment,
        name: `swerl-build-${dirName}-${process.pid}-${Date.now()}`,
        env: {},
        workingDir: "/",
        labels: { [SWERL_LABEL]: "build" },
      }),
      [201],
    );
    try {
      const tar = run("tar", ["-C", stage, "--numeric-owner", "--owner=0", "--group=0", "-c", dirName]);
      await client.call(
        dockerRequests.putArchive(id, path.posix.dirname(config.workingDir), tar.stdout as Readable),
        [200],
      );
      await tar.done;
      await client.call(
        dockerRequests.commitContainer(id, images.instance, {
          labels: { [IMAGE_LABEL]: "instance", "io.swerl.instance": instance.instance_id },
          workingDir: config.workingDir,
          env: { PATH: DEFAULT_PATH, LANG: "C.UTF-8" },
        }),
        [201],
      );
    } finally {
      await client.call(dockerRequests.removeContainer(id), [204, 404]).catch(() => undefined);
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Loads the dataset and selects instances, naming unknown ids. */
export async function selectInstances(
  datasetName: string,
  instanceIds: readonly string[],
): Promise<SweBenchInstance[]> {
  const all = await readAllRecords(datasetName, SweBenchInstance);
  if (instanceIds.length === 0) return all;
  const known = new Set(all.map((instance) => instance.instance_id));
  const unknown = instanceIds.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new ImageBuildError(`instance ids not in ${datasetName}: ${unknown.join(", ")}`);
  const wanted = new Set(instanceIds);
  return all.filter((instance) => wanted.has(instance.instance_id));
}

/**
 * Builds the three image levels of the official harness without a registry: base (debootstrap), one
 * environment per repository (Debian packages), one instance image per instance (`/testbed` from the
 * local mirror). Each image is named by the hash of what went into it; existing ones are skipped unless
 * `force`. With `source: "pull"`, the dataset's official images are pulled instead.
 */
export async function buildImages(
  input: z.input<typeof ImageBuildConfig>,
  runtime: BuildImagesRuntime = {},
): Promise<BuiltImages> {
  const config = parseConfig(ImageBuildConfig, input, "buildImages");
  const client = runtime.client ?? new DockerClient();
  const steps: ImageBuildProgress[] = [];
  const done = new Set<string>();
  const step = async (level: ImageBuildProgress["level"], image: string, build: () => Promise<void>) => {
    if (done.has(image)) return;
    done.add(image);
    const started = performance.now();
    const cached = !config.force && (await client.hasImage(image));
    if (!cached) await build();
    const progress = { level, image, cached, seconds: (performance.now() - started) / 1000 };
    steps.push(progress);
    runtime.onProgress?.(progress);
  };
  try {
    const instances = await selectInstances(config.datasetName, config.instanceIds);
    const images = new Map<string, string>();
    if (config.source === "pull") {
      for (const instance of instances) {
        if (!instance.image)
          throw new ImageBuildError(`${instance.instance_id} has no \`image\` field to pull`);
        const image = instance.image;
        await step("pull", image, async () => {
          checkProgressStream(await client.call(dockerRequests.pullImage(image), [200]), `pulling ${image}`);
        });
        images.set(instance.instance_id, image);
      }
      return { images, steps };
    }
    const base = baseImageName(config);
    await step("base", base, () => buildBase(client, config, base));
    if (config.level === "base") return { images, steps };
    for (const instance of instances) {
      const planned = instanceImages(instance, config);
      await step("environment", planned.environment, () => buildEnvironment(client, config, planned));
      if (config.level === "environment") continue;
      await step("instance", planned.instance, () => buildInstance(client, config, instance, planned));
      images.set(instance.instance_id, planned.instance);
    }
    return { images, steps };
  } finally {
    if (!runtime.client) client.close();
  }
}
