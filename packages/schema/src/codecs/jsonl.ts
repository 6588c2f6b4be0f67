import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { z } from "zod";
import { RecordError } from "../errors.js";
import { fromFileLayout, toFileLayout } from "./layout.js";
import { type RecordsToWrite, readOrReport, validateRecord } from "./validate.js";

export interface ReadOptions {
  /**
   * Called with each bad record instead of throwing; the read then goes on. Without it the first
   * bad record ends the read — after every good record before it has been yielded.
   */
  onInvalid?: (error: RecordError) => void;
}

function openLines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (err) => input.destroy(err));
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/**
 * Streams the records of a JSONL file (optionally gzipped, by a `.gz` name), validating each with
 * `schema`. Blank lines are skipped. Memory use does not depend on the file's size.
 */
export async function* readJsonl<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadOptions = {},
): AsyncGenerator<z.output<S>, void, undefined> {
  let line = 0;
  const lines = openLines(file)[Symbol.asyncIterator]();
  while (true) {
    let next: IteratorResult<string>;
    try {
      next = await lines.next();
    } catch (err) {
      throw new RecordError(
        { file, ...(line ? { line: line + 1 } : {}) },
        "",
        `cannot read: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (next.done) break;
    const text = next.value;
    line++;
    if (text.trim() === "") continue;
    const read = readOrReport(() => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new RecordError({ file, line }, "", `invalid JSON: ${(err as Error).message}`, { cause: err });
      }
      return validateRecord(schema, fromFileLayout(schema, value), { file, line });
    }, options.onInvalid);
    if (read) yield read.record;
  }
}

/**
 * Writes validated records to a JSONL file, one per line. `append` continues an existing file
 * (for resumable stages); otherwise the file is written under a temporary name and renamed into
 * place on {@link JsonlWriter.close}, so a crash never leaves a half-written file behind.
 */
export class JsonlWriter<S extends z.ZodType> {
  private readonly stream: WriteStream;
  private line = 0;

  private constructor(
    readonly file: string,
    private readonly schema: S,
    private readonly tempFile: string | null,
  ) {
    this.stream = createWriteStream(tempFile ?? file, { flags: tempFile ? "w" : "a" });
  }

  static async open<S extends z.ZodType>(
    file: string,
    schema: S,
    options: { append?: boolean } = {},
  ): Promise<JsonlWriter<S>> {
    await mkdir(dirname(file), { recursive: true });
    const temp = options.append ? null : `${file}.${process.pid}.partial`;
    const writer = new JsonlWriter(file, schema, temp);
    await new Promise<void>((resolve, reject) => {
      writer.stream.once("open", () => resolve());
      writer.stream.once("error", reject);
    });
    return writer;
  }

  /** Validates and writes one record; waits when the disk is slower than the producer. */
  async write(record: z.input<S> | z.output<S>): Promise<void> {
    this.line++;
    const valid = validateRecord(this.schema, record, { file: this.file, line: this.line });
    if (!this.stream.write(`${JSON.stringify(toFileLayout(this.schema, valid))}\n`)) {
      await new Promise<void>((resolve) => this.stream.once("drain", () => resolve()));
    }
  }

  /** How many records this writer has written. */
  get count(): number {
    return this.line;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (this.tempFile) await rename(this.tempFile, this.file);
  }

  /** Closes without publishing: a non-append writer's partial output is deleted. */
  async abort(): Promise<void> {
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
    if (this.tempFile) await rm(this.tempFile, { force: true });
  }
}

/** Writes all `records` to `file` (atomically) and returns how many were written. */
export async function writeJsonl<S extends z.ZodType>(
  file: string,
  schema: S,
  records: RecordsToWrite<S>,
): Promise<number> {
  const writer = await JsonlWriter.open(file, schema);
  try {
    for await (const record of records) await writer.write(record);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.close();
  return writer.count;
}
