import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { RecordError } from "../errors.js";
import { type ReadOptions, readJsonl, writeJsonl } from "./jsonl.js";
import { fromFileLayout } from "./layout.js";
import { readParquet, writeParquet } from "./parquet.js";
import { type RecordsToWrite, readOrReport, validateRecord } from "./validate.js";

/** The on-disk formats swerl reads records from, told apart by the file name. */
export type RecordsFormat = "jsonl" | "json" | "parquet";

export function formatOf(file: string): RecordsFormat {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".parquet")) return "parquet";
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  throw new RecordError(
    { file },
    "",
    "unknown record file type: use .jsonl, .jsonl.gz, .ndjson, .json or .parquet",
  );
}

/**
 * A JSON document holding records: an array, or an object whose values are records (the form some
 * tools write predictions in, keyed by instance id).
 */
async function* readJsonDocument<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadOptions,
): AsyncGenerator<z.output<S>, void, undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new RecordError({ file }, "", `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new RecordError({ file }, "", `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  const items = Array.isArray(document)
    ? document
    : document !== null && typeof document === "object"
      ? Object.values(document)
      : null;
  if (!items) throw new RecordError({ file }, "", "expected a JSON array of records or an object of records");
  for (const [row, item] of items.entries()) {
    const read = readOrReport(
      () => validateRecord(schema, fromFileLayout(schema, item), { file, row }),
      options.onInvalid,
    );
    if (read) yield read.record;
  }
}

/** Streams validated records from a JSONL (optionally .gz), JSON or Parquet file. */
export function readRecords<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadOptions = {},
): AsyncGenerator<z.output<S>, void, undefined> {
  switch (formatOf(file)) {
    case "jsonl":
      return readJsonl(file, schema, options);
    case "json":
      return readJsonDocument(file, schema, options);
    case "parquet":
      return readParquet(file, schema, options);
  }
}

/** Reads every record of a file into an array. */
export async function readAllRecords<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadOptions = {},
): Promise<z.output<S>[]> {
  const out: z.output<S>[] = [];
  for await (const record of readRecords(file, schema, options)) out.push(record);
  return out;
}

/** Writes records as JSONL or Parquet (by the file name), atomically; returns the count. */
export async function writeRecords<S extends z.ZodType>(
  file: string,
  schema: S,
  records: RecordsToWrite<S>,
): Promise<number> {
  const format = formatOf(file);
  if (format === "parquet") return writeParquet(file, schema, records);
  if (format === "json") {
    throw new RecordError(
      { file },
      "",
      "swerl writes records as .jsonl or .parquet, not as a .json document",
    );
  }
  return writeJsonl(file, schema, records);
}
