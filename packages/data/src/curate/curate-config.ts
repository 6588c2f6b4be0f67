import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Provenance, RecordError, SwerlError } from "@swerl/schema";
import { z } from "zod";
import { builtinContamination, type Contamination, loadContamination } from "../decontamination.js";
import { FilterConfig } from "../pr-filters.js";
import { BugFixConfig } from "./bug-fix-classifier.js";
import { RelevantFilesConfig } from "./relevant-files.js";

/** Which SWE-bench data mined instances are checked against. */
export const DecontaminationConfig = z.object({
  enabled: z.boolean().default(true).describe("check mined instances against SWE-bench"),
  files: z
    .array(z.string())
    .optional()
    .describe(
      "SWE-bench JSONL files (repo, instance_id) whose repositories and instances are excluded (default: datasetsDir's)",
    ),
  /**
   * A directory holding the published SWE-bench files (`swe-bench_lite.test.jsonl`,
   * `swe-bench_lite.dev.jsonl`, `swe-bench_verified.test.jsonl`), used when `files` is not given.
   * Default: `$SWERL_SWEBENCH_DIR`. With neither, the built-in list of SWE-bench's 12 repositories is used.
   */
  datasetsDir: z
    .string()
    .optional()
    .describe(
      "directory of the published SWE-bench files, used without files (default: $SWERL_SWEBENCH_DIR, else the built-in list of SWE-bench's 12 repositories)",
    ),
  level: z
    .enum(["repo", "instance"])
    .default("repo")
    .describe("repo (the paper's): drop every PR of a SWE-bench repository; instance: only SWE-bench's PRs"),
});
export type DecontaminationConfig = z.infer<typeof DecontaminationConfig>;

/** Everything `swerl curate --config` can set; every field has a default. */
export const CurateConfig = z.object({
  filters: FilterConfig.prefault({}),
  bugFix: BugFixConfig.prefault({}),
  dedup: z.boolean().default(true).describe("drop pull requests whose normalized patch was seen before"),
  decontamination: DecontaminationConfig.prefault({}),
  relevantFiles: RelevantFilesConfig.prefault({}),
  source: Provenance.shape.source.default("github").describe("provenance.source of the instances written"),
  parquet: z.boolean().default(true).describe("also write rl-instances.parquet"),
  batchSize: z
    .number()
    .int()
    .positive()
    .default(64)
    .describe("pull requests read and processed together (the LLM classifier sees one batch per call)"),
  concurrency: z
    .number()
    .int()
    .positive()
    .default(4)
    .describe("pull requests whose code context is read from git at once"),
});
export type CurateConfig = z.infer<typeof CurateConfig>;
export type CurateConfigInput = z.input<typeof CurateConfig>;

/** What `swerl curate` takes: the curation rules, plus the files `curatePullRequests` reads and writes. */
export const CurateRunConfig = z.object({
  minedFile: z
    .string()
    .min(1)
    .describe("mined pull requests (pull-requests.jsonl from `swerl mine`, or Parquet)"),
  miningErrorsFile: z
    .string()
    .min(1)
    .optional()
    .describe("problems met while mining, counted in the funnel (default: errors.jsonl beside minedFile)"),
  reposDir: z
    .string()
    .min(1)
    .describe("directory of bare repositories named owner__name.git (e.g. mine's git-cache/)"),
  outDir: z
    .string()
    .min(1)
    .describe(
      "output directory: rl-instances.jsonl, rl-instances.parquet, funnel.json, funnel.md, dropped.jsonl",
    ),
  ...CurateConfig.shape,
});
export type CurateRunConfig = z.infer<typeof CurateRunConfig>;

/** Reads and validates a curate config JSON file; errors name the file and the field. */
export async function readCurateConfig(file: string): Promise<CurateConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new RecordError({ file }, "", `cannot read the curate config: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = CurateConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordError({ file }, issue?.path.join(".") ?? "", issue?.message ?? "invalid curate config");
  }
  return parsed.data;
}

const SWEBENCH_FILES = [
  "swe-bench_lite.test.jsonl",
  "swe-bench_lite.dev.jsonl",
  "swe-bench_verified.test.jsonl",
];

export async function contaminationOf(config: DecontaminationConfig): Promise<Contamination> {
  const builtin = builtinContamination();
  let files = config.files;
  const dir = config.datasetsDir ?? process.env.SWERL_SWEBENCH_DIR;
  if (!files && dir) {
    files = SWEBENCH_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length === 0) {
      throw new SwerlError(
        "E_CONFIG",
        `decontamination.datasetsDir ${dir}: none of ${SWEBENCH_FILES.join(", ")} is there`,
      );
    }
  }
  if (!files || files.length === 0) return builtin;
  const loaded = await loadContamination(files);
  for (const r of builtin.repos) loaded.repos.add(r);
  return loaded;
}
