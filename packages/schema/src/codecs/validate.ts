import type { z } from "zod";
import { RecordError, type RecordLocation } from "../errors.js";

/** Dotted form of a zod issue path: `tests_status.FAIL_TO_PASS[2]`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Parses one decoded record with its schema, turning the first zod issue into a {@link RecordError}
 * that names the file, the line or row and the field.
 */
export function validateRecord<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: RecordLocation,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more issues)` : "";
  throw new RecordError(location, formatFieldPath(issue.path), issue.message + more, { cause: result.error });
}

/** Records to write: any iterable of them, sync or async, decoded or not yet parsed by the schema. */
export type RecordsToWrite<S extends z.ZodType> =
  | Iterable<z.input<S> | z.output<S>>
  | AsyncIterable<z.input<S> | z.output<S>>;

/**
 * Reads one record with `read`. A bad record (a {@link RecordError}) goes to `onInvalid` when there is
 * one, and `undefined` is returned so that the read goes on; without `onInvalid` it is thrown.
 */
export function readOrReport<T>(
  read: () => T,
  onInvalid: ((error: RecordError) => void) | undefined,
): { record: T } | undefined {
  try {
    return { record: read() };
  } catch (err) {
    if (!(err instanceof RecordError && onInvalid)) throw err;
    onInvalid(err);
    return undefined;
  }
}
