/**
 * The file layout of records: field names in snake_case (the SWE-RL and SWE-bench names:
 * `instance_id`, `problem_statement`, `code_context`, …) and, for Parquet, one native DuckDB type per
 * field (STRUCT for objects, MAP(VARCHAR, …) for path -> content records, LIST for arrays). Both are
 * derived from the record's zod schema, so the in-memory (camelCase) types stay the only declaration.
 * Records whose fields are already snake_case (SweBenchInstance, Prediction) map onto themselves.
 */
import type { z } from "zod";

interface Def {
  type: string;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  getter?: () => Schema;
}
type Schema = z.ZodType;

function defOf(schema: Schema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional"]);

/** The schema under optional/nullable/default wrappers (and lazy), with whether null is a value. */
function unwrap(schema: Schema): { schema: Schema; nullable: boolean } {
  let nullable = false;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === "nullable") nullable = true;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "lazy" && def.getter) current = def.getter();
    else return { schema: current, nullable };
  }
}

/** The side of a pipe whose shape the data has: the target of a preprocess, else the input. */
function pipeSide(def: Def): Schema | undefined {
  return def.in && defOf(def.in).type === "transform" ? def.out : def.in;
}

/** A camelCase field name in snake_case; names that are not camelCase (`FAIL_TO_PASS`, `repo`) stay. */
export function snakeCase(name: string): string {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) return name;
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** The object schema a value is laid out by, for unions: the first object option. */
function objectOf(schema: Schema): Record<string, Schema> | null {
  const inner = unwrap(schema).schema;
  const def = defOf(inner);
  if (def.type === "object") return def.shape ?? {};
  if (def.type === "pipe") {
    const side = pipeSide(def);
    return side ? objectOf(side) : null;
  }
  return null;
}

/** An in-memory (validated) value in the file layout: object keys snake_case, recursively. */
export function toFileLayout(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const inner = unwrap(schema).schema;
  const def = defOf(inner);
  if (def.type === "pipe")
    return def.out && defOf(def.out).type !== "transform" ? toFileLayout(def.out, value) : value;
  if (def.type === "union" && def.options) {
    const option = def.options.find((o) => o.safeParse(value).success);
    return option ? toFileLayout(option, value) : value;
  }
  if (def.type === "object" && def.shape && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      const fieldSchema = def.shape[key];
      out[fieldSchema ? snakeCase(key) : key] = fieldSchema ? toFileLayout(fieldSchema, field) : field;
    }
    return out;
  }
  if (def.type === "array" && def.element && Array.isArray(value)) {
    return value.map((v) => toFileLayout(def.element as Schema, v));
  }
  if (def.type === "record" && def.valueType && typeof value === "object") {
    const valueType = def.valueType;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toFileLayout(valueType, v)]));
  }
  return value;
}

function isMapEntries(value: unknown): value is { key: unknown; value: unknown }[] {
  return (
    Array.isArray(value) &&
    value.every(
      (e) => e !== null && typeof e === "object" && "key" in e && "value" in e && Object.keys(e).length === 2,
    )
  );
}

/**
 * A decoded file value back in the in-memory layout, ready for the schema: snake_case keys (or the
 * previous camelCase ones) to the schema's names, DuckDB MAP entries to objects, JSON-typed columns
 * parsed, BIGINTs to numbers, and NULL to `null` where the field is nullable, else to an absent key.
 */
export function fromFileLayout(schema: Schema, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value === null || value === undefined) return value;
  const inner = unwrap(schema).schema;
  const def = defOf(inner);
  if (duckTypeOf(inner) === "JSON" && typeof value === "string" && def.type !== "string") {
    try {
      return fromFileLayout(inner, JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (def.type === "pipe") {
    const side = pipeSide(def);
    return side ? fromFileLayout(side, value) : value;
  }
  if (def.type === "union" && def.options) {
    const shaped = def.options.find((o) => objectOf(o) !== null);
    if (shaped && typeof value === "object" && !Array.isArray(value)) return fromFileLayout(shaped, value);
    const list = def.options.find((o) => defOf(unwrap(o).schema).type === "array");
    if (list && Array.isArray(value)) return fromFileLayout(list, value);
    return value;
  }
  if (def.type === "object" && def.shape && typeof value === "object" && !Array.isArray(value)) {
    const byFileName = new Map(Object.keys(def.shape).map((k) => [snakeCase(k), k]));
    const out: Record<string, unknown> = {};
    for (const [fileKey, cell] of Object.entries(value)) {
      const key = def.shape[fileKey] ? fileKey : (byFileName.get(fileKey) ?? fileKey);
      const fieldSchema = def.shape[key];
      if (!fieldSchema) {
        out[key] = cell;
        continue;
      }
      if (cell === null) {
        if (unwrap(fieldSchema).nullable) out[key] = null;
        continue;
      }
      out[key] = fromFileLayout(fieldSchema, cell);
    }
    return out;
  }
  if (def.type === "array" && def.element && Array.isArray(value)) {
    return value.map((v) => fromFileLayout(def.element as Schema, v));
  }
  if (def.type === "record" && def.valueType) {
    const valueType = def.valueType;
    const entries = isMapEntries(value)
      ? value.map((e) => [String(e.key), e.value] as const)
      : typeof value === "object"
        ? Object.entries(value)
        : null;
    if (entries) return Object.fromEntries(entries.map(([k, v]) => [k, fromFileLayout(valueType, v)]));
  }
  return value;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The DuckDB column type a schema's values are stored as: VARCHAR, BIGINT, DOUBLE, BOOLEAN, STRUCT(…),
 * MAP(VARCHAR, …), T[]; JSON for what has no native form (unions of different shapes, unknown).
 */
export function duckTypeOf(schema: Schema): string {
  const inner = unwrap(schema).schema;
  const def = defOf(inner);
  const format = (inner as unknown as { format?: string | null }).format;
  switch (def.type) {
    case "string":
    case "enum":
    case "template_literal":
      return "VARCHAR";
    case "number":
      return format?.includes("int") ? "BIGINT" : "DOUBLE";
    case "int":
    case "bigint":
      return "BIGINT";
    case "boolean":
      return "BOOLEAN";
    case "literal": {
      const kinds = new Set((def.values ?? []).map((v) => typeof v));
      return kinds.size === 1 && kinds.has("string")
        ? "VARCHAR"
        : kinds.has("boolean") && kinds.size === 1
          ? "BOOLEAN"
          : "JSON";
    }
    case "array":
      return def.element ? `${duckTypeOf(def.element)}[]` : "JSON";
    case "record":
      return def.valueType ? `MAP(VARCHAR, ${duckTypeOf(def.valueType)})` : "JSON";
    case "object": {
      const fields = Object.entries(def.shape ?? {});
      if (!fields.length) return "JSON";
      return `STRUCT(${fields.map(([k, v]) => `${quoteIdent(snakeCase(k))} ${duckTypeOf(v)}`).join(", ")})`;
    }
    case "pipe":
      return def.out && defOf(def.out).type !== "transform" ? duckTypeOf(def.out) : "JSON";
    case "union": {
      const known = (def.options ?? [])
        .filter((o) => !(defOf(unwrap(o).schema).type === "pipe" && duckTypeOf(o) === "JSON"))
        .map(duckTypeOf);
      return known.length && known.every((t) => t === known[0]) ? (known[0] as string) : "JSON";
    }
    default:
      return "JSON";
  }
}

/** The top-level columns of a record schema in the file: snake_case name and DuckDB type. */
export function columnsOf(schema: Schema): { name: string; type: string }[] | null {
  const shape = objectOf(schema);
  if (!shape) return null;
  return Object.entries(shape).map(([k, v]) => ({ name: snakeCase(k), type: duckTypeOf(v) }));
}
