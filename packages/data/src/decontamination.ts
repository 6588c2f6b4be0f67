import { readRecords } from "@swerl/schema";
import { z } from "zod";

/** Repositories and instances of SWE-bench datasets that mined data must not contain. */
export interface Contamination {
  /** `owner/name`, lower-cased. */
  repos: Set<string>;
  /** SWE-bench instance ids, `owner__name-<PR number>`. */
  instances: Set<string>;
}

/**
 * The repositories of SWE-bench (full, Lite and Verified all draw from these 12), for repo-level
 * decontamination when no dataset file is at hand.
 */
export const SWEBENCH_REPOSITORIES: readonly string[] = [
  "astropy/astropy",
  "django/django",
  "matplotlib/matplotlib",
  "mwaskom/seaborn",
  "pallets/flask",
  "psf/requests",
  "pydata/xarray",
  "pylint-dev/pylint",
  "pytest-dev/pytest",
  "scikit-learn/scikit-learn",
  "sphinx-doc/sphinx",
  "sympy/sympy",
];

/** {@link SWEBENCH_REPOSITORIES} as a {@link Contamination} (no instance ids). */
export function builtinContamination(): Contamination {
  return { repos: new Set(SWEBENCH_REPOSITORIES), instances: new Set() };
}

/** The two fields decontamination reads from a SWE-bench record. */
const ContaminationRecord = z.object({ repo: z.string(), instance_id: z.string() });

/**
 * Reads SWE-bench dataset files (JSONL, `.jsonl.gz`, JSON or Parquet; fields `repo` and `instance_id`);
 * a bad record throws with its `file:line`.
 */
export async function loadContamination(files: readonly string[]): Promise<Contamination> {
  const found: Contamination = { repos: new Set(), instances: new Set() };
  for (const file of files)
    for await (const record of readRecords(file, ContaminationRecord)) {
      found.repos.add(record.repo.toLowerCase());
      found.instances.add(record.instance_id);
    }
  return found;
}

/** Why a pull request is excluded, or `undefined` when it is clean. Repo-level exclusion is the default. */
export function contaminationReason(
  repo: string,
  prNumber: number,
  contamination: Contamination,
  level: "repo" | "instance" = "repo",
): "swebench-repo" | "swebench-instance" | undefined {
  if (contamination.instances.has(`${repo.replace("/", "__")}-${prNumber}`)) return "swebench-instance";
  if (level === "repo" && contamination.repos.has(repo.toLowerCase())) return "swebench-repo";
  return undefined;
}
