import { readFile } from "node:fs/promises";
import { RepositoryEnvironment } from "@swerl/eval";
import { formatZodIssues } from "@swerl/schema";
import { z } from "zod";
import { UsageError } from "../usage-error.js";

/**
 * The `--environments <file>` of `swerl tasks` and `swerl agentless`: a JSON object repository ->
 * { interpreter, path, env }. A file that cannot be read or does not validate is a usage error naming it.
 */
export async function readEnvironmentsFile(file: string): Promise<Record<string, RepositoryEnvironment>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--environments: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), RepositoryEnvironment).safeParse(json);
  if (!parsed.success) throw new UsageError(`--environments: ${file}: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}
