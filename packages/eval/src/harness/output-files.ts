import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { SwerlError } from "@swerl/schema";

export class EvaluationInputError extends SwerlError {
  constructor(message: string) {
    super("E_EVALUATION_INPUT", message);
  }
}

/** Writes a file so that readers see the old contents or the new, never a part: temp file, then rename. */
export async function writeFileAtomic(file: string, contents: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    await writeFile(temp, contents);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * A name used as one directory level of the output (an instance id, a model name with `/` as `__`):
 * rejected when it is empty, `.`/`..`, holds a path separator or NUL, so nothing is written outside.
 */
export function safePathSegment(name: string, what: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name) || name.includes("..")) {
    throw new EvaluationInputError(
      `${what} ${JSON.stringify(name)} cannot name an output directory (no "..", "/", "\\\\" or NUL allowed); fix it in the input file`,
    );
  }
  return name;
}

/** The output directory of a model: `/` becomes `__` as in the official harness, then checked. */
export function modelDirectoryName(model: string): string {
  return safePathSegment(model.replaceAll("/", "__"), "model_name_or_path");
}

/** What a report.json on disk holds for an instance: its entry, or why it cannot be used. */
export type StoredReport<T> =
  | { ok: true; entry: T }
  | { ok: false; problem: string }
  | { ok: false; problem: null };

/** Reads a report.json left by an earlier run; a missing file is `problem: null`, a torn or foreign one is named. */
export async function readStoredReport(
  file: string,
  instanceId: string,
): Promise<StoredReport<Record<string, unknown>>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return { ok: false, problem: null };
  }
  if (text.trim() === "") return { ok: false, problem: `${file} is empty (a killed run?)` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${file} is torn: ${(error as Error).message}` };
  }
  const entry = (json as Record<string, unknown> | null)?.[instanceId];
  if (!entry || typeof entry !== "object")
    return { ok: false, problem: `${file} has no entry for ${instanceId}` };
  return { ok: true, entry: entry as Record<string, unknown> };
}
