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
  enabled: z.boolean().default(true),
  /** SWE-bench JSONL files (`repo`, `instance_id`); their repositories and instances are excluded. */
  files: z.array(z.string()).optional(),
  /**
   * A directory holding the published SWE-bench files (`swe-bench_lite.test.jsonl`,
   * `swe-bench_lite.dev.jsonl`, `swe-bench_verified.test.jsonl`), used when `files` is not given.
   * Default: `$SWERL_SWEBENCH_DIR`. With neither, the built-in list of SWE-bench's 12 repositories is used.
   */
  datasetsDir: z.string().optional(),
  /** `repo` (default, as the paper): drop every PR of a SWE-bench repository; `instance`: only SWE-bench's own PRs. */
  level: z.enum(["repo", "instance"]).default("repo"),
});
export type DecontaminationConfig = z.infer<typeof DecontaminationConfig>;

/** Everything `swerl curate --config` can set; every field has a default. */
export const CurateConfig = z.object({
  filters: FilterConfig.prefault({}),
  bugFix: BugFixConfig.prefault({}),
  dedup: z.boolean().default(true),
  decontamination: DecontaminationConfig.prefault({}),
  relevantFiles: RelevantFilesConfig.prefault({}),
  /** `provenance.source` of the instances written. */
  source: Provenance.shape.source.default("github"),
  /** Also write `rl-instances.parquet`. */
  parquet: z.boolean().default(true),
  /** Pull requests read and processed together (the LLM classifier sees one batch per call). */
  batchSize: z.number().int().positive().default(64),
  /** Pull requests whose code context is read from git at once. */
  concurrency: z.number().int().positive().default(4),
});
export type CurateConfig = z.infer<typeof CurateConfig>;
export type CurateConfigInput = z.input<typeof CurateConfig>;

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
