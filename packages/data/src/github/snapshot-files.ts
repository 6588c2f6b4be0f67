import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RecordError, validateRecord } from "@swerl/schema";
import { RepositorySnapshot, snapshotFileName } from "./snapshot.js";

/** Reads and validates one snapshot file; a bad file throws a {@link RecordError} naming it and the field. */
export async function readSnapshotFile(file: string): Promise<RepositorySnapshot> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) throw new RecordError({ file }, "", `malformed JSON: ${error.message}`);
    throw error;
  }
  return validateRecord(RepositorySnapshot, value, { file });
}

/** Every `*.json` snapshot in `dir`, sorted by file name. */
export async function readSnapshotDirectory(dir: string): Promise<RepositorySnapshot[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  return Promise.all(names.map((name) => readSnapshotFile(join(dir, name))));
}

/** Writes `snapshot` as `dir/<owner>__<name>.json` (through a temporary name, so readers never see half a file). */
export async function writeSnapshotFile(dir: string, snapshot: RepositorySnapshot): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, snapshotFileName(snapshot.repo));
  const partial = `${file}.partial`;
  await writeFile(partial, `${JSON.stringify(snapshot, null, 2)}\n`);
  await rename(partial, file);
  return file;
}
