import { readAllRecords } from "@swerl/schema";
import type { z } from "zod";
import { AgentlessInputError } from "../errors.js";
import { OfficialLocalization, OfficialRepairOutput } from "./formats.js";

/** The per-sample file lists of a localization row (a flat list is one sample, as the official repair reads it). */
function localizationLists(row: OfficialLocalization): string[][] {
  const found = row.found_files;
  if (found.length === 0) return [];
  return typeof found[0] === "string" ? [found as string[]] : (found as string[][]);
}

async function rows<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S>[]> {
  try {
    return await readAllRecords(file, schema);
  } catch (error) {
    throw new AgentlessInputError(`${what} ${file}: ${(error as Error).message}`);
  }
}

/** A localization file (official `loc.jsonl` or the ground-truth file): instance id -> per-sample file lists. */
export async function readLocFile(file: string): Promise<Map<string, string[][]>> {
  const found = await rows(file, OfficialLocalization, "locFile");
  return new Map(found.map((row) => [row.instance_id, localizationLists(row)]));
}

/** An official repair folder's `output.jsonl`: instance id -> its row (the last row wins, as appended). */
export async function readPatchFolder(folder: string): Promise<Map<string, OfficialRepairOutput>> {
  const found = await rows(`${folder}/output.jsonl`, OfficialRepairOutput, "patchFolder");
  return new Map(found.map((row) => [row.instance_id, row]));
}
