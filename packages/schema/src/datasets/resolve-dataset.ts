/**
 * Datasets by name, as the official SWE-bench tools take them: a local file is used as is; a Hugging
 * Face dataset name (`princeton-nlp/SWE-bench_Verified`) is downloaded through the Hub's API with
 * `@huggingface/hub` into the standard Hub cache (the layout python's `huggingface_hub` uses, so both
 * share one cache), and read from that cache when offline.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { datasetInfo, downloadFileToCacheDir, getHFHubCachePath, listFiles } from "@huggingface/hub";
import { z } from "zod";
import { SwerlError } from "../errors.js";

/** Which part of a Hub dataset to read: the options a command adds next to a dataset argument. */
export const DatasetConfig = z.object({
  split: z
    .string()
    .min(1)
    .default("test")
    .describe("dataset split to read when the input is a Hub dataset name"),
  revision: z
    .string()
    .min(1)
    .default("main")
    .describe("Hub branch, tag or commit of a dataset given by name"),
});

export interface ResolveDatasetOptions extends z.input<typeof DatasetConfig> {
  /** The Hub's URL; default `HF_ENDPOINT`, else https://huggingface.co. */
  hubUrl?: string;
  /** An access token; default `HF_TOKEN`. */
  accessToken?: string;
  /** The Hub cache folder; default `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Read only from the cache; default: `HF_HUB_OFFLINE` is set to 1/true/yes/on. */
  offline?: boolean;
}

/** A dataset that cannot be resolved (not found, offline without a cache, no such split). */
export class DatasetError extends SwerlError {}

const HUB_NAME = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;
const COMMIT = /^[0-9a-f]{40}$/;

function envFlag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

/** Whether the Hub answered nothing at all (no route, refused, timed out), as opposed to an HTTP error. */
function isUnreachable(err: unknown): boolean {
  return err instanceof Error && /fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN/.test(err.message);
}

/** The split a dataset file belongs to: a folder named after it, or a file name `<split>-…`/`<split>.…`. */
function splitsOf(path: string): string[] {
  const parts = path.split("/");
  const base = parts.at(-1) ?? "";
  return [...parts.slice(0, -1), base.split(/[-.]/)[0] ?? base];
}

function pickSplit(files: string[], split: string): { chosen: string[]; found: string[] } {
  const parquet = files.filter((f) => f.endsWith(".parquet")).sort();
  const chosen = parquet.filter((f) => splitsOf(f).includes(split));
  const found = [...new Set(parquet.map((f) => splitsOf(f).at(-1) ?? f))].sort();
  return { chosen, found };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory())
      out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
  }
  return out;
}

interface Context {
  name: string;
  split: string;
  revision: string;
  hubUrl: string;
  cacheDir: string;
  storage: string;
}

function where(c: Context): string {
  return `dataset ${c.name} (split ${c.split}, revision ${c.revision}; endpoint ${c.hubUrl}; cache ${c.cacheDir})`;
}

async function fromCache(c: Context, why: string): Promise<string[]> {
  let sha = COMMIT.test(c.revision) ? c.revision : null;
  if (!sha) {
    try {
      sha = (await readFile(join(c.storage, "refs", c.revision), "utf8")).trim();
    } catch {
      sha = null;
    }
  }
  const snapshot = sha ? join(c.storage, "snapshots", sha) : null;
  if (!snapshot || !existsSync(snapshot)) {
    throw new DatasetError(
      "E_DATASET_NOT_CACHED",
      `${where(c)}: ${why}, and the cache holds no copy of it: run once with the Hub reachable (HF_HUB_OFFLINE unset) to download it, or point HF_HOME/HF_HUB_CACHE at a cache that has it`,
    );
  }
  const { chosen, found } = pickSplit(await walk(snapshot), c.split);
  if (!chosen.length) throw noSplit(c, found, "cached copy");
  return chosen.map((f) => join(snapshot, f));
}

function noSplit(c: Context, found: string[], what: string): DatasetError {
  return new DatasetError(
    "E_DATASET_SPLIT",
    `${where(c)}: the ${what} has no Parquet files for split "${c.split}"; splits found: ${found.length ? found.join(", ") : "none"}: pass one of them with --split`,
  );
}

/**
 * Resolves a dataset argument to local files: a path that exists is returned as is; an `owner/name`
 * Hub dataset resolves to the Parquet files of `split` at `revision`, downloaded into the Hub cache
 * (pinned to the revision's commit, with `refs/<revision>` written so offline runs find it) or, when
 * offline or the Hub is unreachable, found in that cache. Throws {@link DatasetError}.
 */
export async function resolveDataset(
  nameOrPath: string,
  options: ResolveDatasetOptions = {},
): Promise<string[]> {
  if (existsSync(nameOrPath)) return [nameOrPath];
  const { split, revision } = DatasetConfig.parse({ split: options.split, revision: options.revision });
  if (!HUB_NAME.test(nameOrPath)) {
    throw new DatasetError(
      "E_DATASET_NOT_FOUND",
      `${nameOrPath}: no such file, and not a Hub dataset name (owner/name): check the path`,
    );
  }
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
  const cacheDir = options.cacheDir ?? getHFHubCachePath();
  const accessToken = options.accessToken ?? process.env.HF_TOKEN ?? undefined;
  const c: Context = {
    name: nameOrPath,
    split,
    revision,
    hubUrl,
    cacheDir,
    storage: join(cacheDir, `datasets--${nameOrPath.split("/").join("--")}`),
  };
  if (options.offline ?? envFlag(process.env.HF_HUB_OFFLINE)) return fromCache(c, "offline (HF_HUB_OFFLINE)");
  const credentials = accessToken ? { accessToken } : {};
  let sha: string;
  try {
    const info = await datasetInfo({
      name: nameOrPath,
      revision,
      additionalFields: ["sha"],
      hubUrl,
      ...credentials,
    });
    sha = String((info as { sha?: unknown }).sha ?? "");
  } catch (err) {
    if (isUnreachable(err)) return fromCache(c, `the Hub is unreachable (${(err as Error).message})`);
    throw new DatasetError("E_DATASET_HUB", `${where(c)}: the Hub refused: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!COMMIT.test(sha)) {
    throw new DatasetError("E_DATASET_HUB", `${where(c)}: the Hub gave no commit sha for the revision`);
  }
  const repo = { type: "dataset" as const, name: nameOrPath };
  try {
    const files: string[] = [];
    for await (const entry of listFiles({ repo, revision: sha, recursive: true, hubUrl, ...credentials })) {
      if (entry.type === "file") files.push(entry.path);
    }
    const { chosen, found } = pickSplit(files, split);
    if (!chosen.length) throw noSplit(c, found, `commit ${sha}`);
    const paths: string[] = [];
    for (const path of chosen) {
      paths.push(
        await downloadFileToCacheDir({ repo, path, revision: sha, hubUrl, cacheDir, ...credentials }),
      );
    }
    if (revision !== sha) {
      const ref = join(c.storage, "refs", revision);
      await mkdir(dirname(ref), { recursive: true });
      await writeFile(ref, sha);
    }
    return paths;
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError("E_DATASET_HUB", `${where(c)}: download failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
