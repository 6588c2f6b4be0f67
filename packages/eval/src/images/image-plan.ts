import { createHash } from "node:crypto";
import { type SweBenchInstance, SwerlError } from "@swerl/schema";
import { z } from "zod";
import { BASE_PACKAGES, DEFAULT_ENVIRONMENT, ENVIRONMENT_PACKAGES } from "./debian-packages.js";

/** The options of `buildImages` / `swerl images build`. */
export const ImageBuildConfig = z.object({
  datasetName: z
    .string()
    .min(1)
    .describe("SWE-bench instances whose images are built: a JSON, JSONL or Parquet file"),
  instanceIds: z.array(z.string()).default([]).describe("only these instances (default: all of the dataset)"),
  level: z
    .enum(["base", "environment", "instance"])
    .default("instance")
    .describe("build up to this level: base (OS + tools), environment (per repository), instance (/testbed)"),
  repos: z.string().optional().describe("directory of bare mirrors named owner__name.git (instance level)"),
  suite: z.string().default("bookworm").describe("Debian release of the base image"),
  debianMirror: z
    .string()
    .default("http://deb.debian.org/debian")
    .describe("Debian mirror debootstrap and apt use"),
  basePackages: z
    .array(z.string())
    .default([...BASE_PACKAGES])
    .describe("Debian packages of the base image"),
  environmentPackages: z
    .record(z.string(), z.array(z.string()))
    .default({})
    .describe("repository -> Debian packages of its environment image, over the built-in lists"),
  source: z
    .enum(["build", "pull"])
    .default("build")
    .describe("build the images offline, or pull the official image named in each instance's `image` field"),
  force: z.boolean().default(false).describe("rebuild images that already exist"),
  workingDir: z.string().default("/testbed").describe("where the repository goes in instance images"),
  namespace: z.string().default("swerl").describe("image name prefix"),
});
export type ImageBuildConfig = z.infer<typeof ImageBuildConfig>;

export type ImageLevel = ImageBuildConfig["level"];

/** The images one instance is evaluated in, by level. */
export interface InstanceImages {
  base: string;
  environment: string;
  instance: string;
  /** Debian packages of the environment level. */
  packages: string[];
}

function hash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** Docker repository names are lower case, `[a-z0-9._-]` between slashes. */
function dockerName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, "_");
}

export function environmentPackages(
  repo: string,
  config: Pick<ImageBuildConfig, "environmentPackages">,
): string[] {
  return [...(config.environmentPackages[repo] ?? ENVIRONMENT_PACKAGES[repo] ?? DEFAULT_ENVIRONMENT)].sort();
}

/** The base image's name: the hash of the Debian release, mirror and packages. */
export function baseImageName(
  config: Pick<ImageBuildConfig, "namespace" | "suite" | "debianMirror" | "basePackages">,
): string {
  const key = {
    variant: "minbase",
    suite: config.suite,
    mirror: config.debianMirror,
    packages: [...config.basePackages].sort(),
  };
  return `${config.namespace}/base:${hash(key)}`;
}

/**
 * Every image of an instance, named by a hash of what goes into it (the level below, the package list,
 * the repository and commit), so that an unchanged level has the same name and is not rebuilt.
 */
export function instanceImages(
  instance: Pick<SweBenchInstance, "instance_id" | "repo" | "base_commit">,
  config: ImageBuildConfig,
): InstanceImages {
  const base = baseImageName(config);
  const packages = environmentPackages(instance.repo, config);
  const environment = `${config.namespace}/env.${dockerName(instance.repo.replace("/", "__"))}:${hash({ base, packages })}`;
  const key = { environment, repo: instance.repo, commit: instance.base_commit, dir: config.workingDir };
  return {
    base,
    environment,
    instance: `${config.namespace}/eval.${dockerName(instance.instance_id)}:${hash(key)}`,
    packages,
  };
}

/** The image an instance's tests run in: the built instance image, or the dataset's official one when pulling. */
export function evaluationImage(
  instance: Pick<SweBenchInstance, "instance_id" | "repo" | "base_commit" | "image">,
  config: ImageBuildConfig,
): string {
  if (config.source === "pull") {
    if (!instance.image) {
      throw new ImageBuildError(
        `${instance.instance_id} has no \`image\` field to pull; build its images instead (source: build)`,
      );
    }
    return instance.image;
  }
  return instanceImages(instance, config).instance;
}

export class ImageBuildError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_IMAGE_BUILD", message, options);
  }
}
