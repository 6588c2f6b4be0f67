import { readFile } from "node:fs/promises";
import { RepositoryTestSpec, repositorySpec, UnknownRepositoryError } from "@swerl/eval";
import { formatZodIssues } from "@swerl/schema";
import { z } from "zod";
import { AgentlessInputError } from "./errors.js";

/** A specs file: a JSON object repository -> test spec, validated field by field. */
export async function readSpecsFile(file: string): Promise<Record<string, RepositoryTestSpec>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new AgentlessInputError(`specsFile ${file}: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), RepositoryTestSpec).safeParse(json);
  if (!parsed.success)
    throw new AgentlessInputError(
      `specsFile ${file}: expected an object repository -> test spec: ${formatZodIssues(parsed.error)}`,
    );
  return parsed.data;
}

/**
 * The test spec of a repository: the ones given to the run first, then SWE-bench's own. Nothing is
 * registered anywhere: the run passes its specs to each stage.
 */
export function specLookup(
  given: Readonly<Record<string, RepositoryTestSpec>>,
): (repo: string) => RepositoryTestSpec | undefined {
  return (repo) => {
    if (Object.hasOwn(given, repo)) return given[repo];
    try {
      return repositorySpec(repo);
    } catch (error) {
      if (error instanceof UnknownRepositoryError) return undefined;
      throw error;
    }
  };
}
