import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { z } from "zod";
import { RecordError } from "../errors.js";
import type { ReadOptions } from "./jsonl.js";
import { columnsOf, fromFileLayout, toFileLayout } from "./layout.js";
import { type RecordsToWrite, readOrReport, validateRecord } from "./validate.js";

/**
 * Parquet key-value metadata of the previous layout (JSON text columns named here, camelCase names).
 * Files written now carry none: their columns are native types; this is read for old files only.
 */
const METADATA_KEY = "swerl.columns";

interface ColumnsMetadata {
  json: string[];
  nullIsNull: string[];
}

async function withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Writes validated records to a Parquet file through DuckDB, one column per field of the record
 * schema, named in snake_case (`instance_id`, `code_context`, …) and typed natively: objects as
 * STRUCT, path -> content records as MAP(VARCHAR, VARCHAR), arrays as LIST (see layout.ts). DuckDB,
 * pyarrow and pandas read it as a plain table. The file appears atomically.
 */
export async function writeParquet<S extends z.ZodType>(
  file: string,
  schema: S,
  records: RecordsToWrite<S>,
): Promise<number> {
  const columns = columnsOf(schema);
  if (!columns) throw new RecordError({ file }, "", "only object records can be written to Parquet");
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.partial`;
  const rowsFile = `${temp}.jsonl`;
  let count = 0;
  try {
    const lines: string[] = [];
    for await (const record of records) {
      const valid = validateRecord(schema, record, { file, row: count });
      lines.push(JSON.stringify(toFileLayout(schema, valid)));
      count++;
    }
    await writeFile(rowsFile, lines.length ? `${lines.join("\n")}\n` : "");
    await withConnection(async (connection) => {
      const ddl = columns.length
        ? columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")
        : `"__empty" VARCHAR`;
      await connection.run(`CREATE TABLE records (${ddl})`);
      if (count > 0 && columns.length) {
        const types = columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ");
        await connection.run(
          `INSERT INTO records SELECT * FROM read_json(${sqlString(rowsFile)}, format = 'newline_delimited', columns = {${types}}, maximum_object_size = 1073741824)`,
        );
      }
      await connection.run(`COPY records TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION zstd)`);
    });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    await rm(rowsFile, { force: true });
  }
  return count;
}

async function readColumnsMetadata(
  connection: DuckDBConnection,
  file: string,
): Promise<ColumnsMetadata | null> {
  const result = await connection.runAndReadAll(
    `SELECT decode(value) AS value FROM parquet_kv_metadata(${sqlString(file)}) WHERE decode(key) = ${sqlString(METADATA_KEY)}`,
  );
  const row = result.getRowObjectsJS()[0];
  return row ? (JSON.parse(String(row.value)) as ColumnsMetadata) : null;
}

/**
 * Streams the rows of a Parquet file (written by swerl, re-saved by DuckDB/pyarrow, or by anyone else)
 * as validated records: native or JSON-text columns, snake_case or (previous layout) camelCase names.
 * Rows are counted from 0 in error messages: `file[row N]: field: message`.
 */
export async function* readParquet<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadOptions = {},
): AsyncGenerator<z.output<S>, void, undefined> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    let metadata: ColumnsMetadata | null;
    try {
      metadata = await readColumnsMetadata(connection, file);
    } catch (err) {
      throw new RecordError({ file }, "", `not a readable Parquet file: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const json = new Set(metadata?.json ?? []);
    const nullIsNull = metadata ? new Set(metadata.nullIsNull) : null;
    const result = await connection.stream(`SELECT * FROM read_parquet(${sqlString(file)})`);
    let row = 0;
    for await (const chunk of result.yieldRowObjectJs()) {
      for (const raw of chunk) {
        const location = { file, row };
        row++;
        const read = readOrReport(() => {
          const value: Record<string, unknown> = metadata ? {} : raw;
          for (const [key, cell] of metadata ? Object.entries(raw) : []) {
            if (cell === null) {
              if (nullIsNull?.has(key)) value[key] = null;
              continue;
            }
            if (json.has(key)) {
              try {
                value[key] = JSON.parse(String(cell));
              } catch (err) {
                throw new RecordError(location, key, "column is marked JSON but holds invalid JSON", {
                  cause: err,
                });
              }
            } else value[key] = cell;
          }
          return validateRecord(schema, fromFileLayout(schema, value), location);
        }, options.onInvalid);
        if (read) yield read.record;
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
