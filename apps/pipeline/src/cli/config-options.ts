/**
 * Command-line flags generated from a package's config schema, so a flag, a pipeline stage option and a
 * library option are one field with one default and one help text.
 *
 * A package declares each operation's options once, as a zod object (`RolloutConfig`), every field with
 * its default (`.default(…)`) and its help (`.describe("…")`). A command adds its flags from it:
 *
 * ```ts
 * const rollout = program.command("rollout").description("…");
 * const flags = addConfigOptions(rollout, RolloutConfig, {
 *   flags: { n: { short: "-n" }, workers: { aliases: ["concurrency"] } },
 *   required: ["instances", "out"],
 *   omit: { tokenizerOverrides: "set in the model directory's tokenizer_config.json" },
 * });
 * rollout.action(async (raw) => {
 *   const config = flags.read(raw); // z.output<typeof RolloutConfig>, validated, defaults applied
 * });
 * ```
 *
 * - Flag names are the fields in kebab-case (`maxTokens` → `--max-tokens`) unless `flags.<field>.name`
 *   says otherwise (official names such as `max_workers`); nested objects flatten with `.`
 *   (`optimizer.learningRate` → `--optimizer.learning-rate`).
 * - Values are coerced by the field's type: numbers, integers, booleans (`--x` and `--no-x`), enums
 *   (listed as choices), string lists (repeat the flag or separate with commas). Records, unions of
 *   objects and other shapes that have no flag form must be listed in `omit` with the reason.
 * - Commander gets no defaults: the schema applies them, so an absent flag is the library default; the
 *   help shows it (`(default: 4)`).
 * - `aliases` keep old names for one release; using one prints `--old is deprecated: use --new`.
 * - A value that does not validate is a {@link UsageError} naming every bad flag.
 *
 * The binding is recorded on the command, so `option-consistency.test.ts` can check that every field of
 * every command's schema has a flag and that help and defaults come from the schema.
 */
import { SwerlError, zodIssues } from "@swerl/schema";
import { type Command, Option } from "commander";
import type { z } from "zod";
import { UsageError } from "../usage-error.js";

/** How one field appears on the command line. */
export interface FlagSpec {
  /** The long flag without dashes; default: the field path in kebab-case, joined with `.`. */
  name?: string;
  /** A short flag such as `-n`. */
  short?: string;
  /** Old long names (without dashes) still accepted for one release, with a deprecation line. */
  aliases?: readonly string[];
  /** The value's placeholder in help, e.g. `<dir>`; default from the type. */
  placeholder?: string;
  /** Help text; default: the schema's `.describe()`. Prefer describing the field in the schema. */
  description?: string;
}

/** Dotted field paths of a schema (`"maxTokens"`, `"optimizer.learningRate"`), for typing specs. */
export type FieldPath<T> = T extends readonly unknown[]
  ? never
  : T extends object
    ? {
        [K in keyof T & string]: NonNullable<T[K]> extends readonly unknown[]
          ? K
          : NonNullable<T[K]> extends Record<string, unknown>
            ? K | `${K}.${FieldPath<NonNullable<T[K]>>}`
            : K;
      }[keyof T & string]
    : never;

export interface ConfigOptionsSpec<S extends z.ZodObject> {
  flags?: Partial<Record<FieldPath<z.input<S>>, FlagSpec>>;
  /** Fields without a flag, each with the reason (shown by the consistency test). */
  omit?: Partial<Record<FieldPath<z.input<S>>, string>>;
  /** Fields the command line must give even though the library has a default or leaves them optional. */
  required?: readonly FieldPath<z.input<S>>[];
  /** Environment variables read when the flag is absent, e.g. `{ apiKey: "OPENAI_API_KEY" }`. */
  env?: Partial<Record<FieldPath<z.input<S>>, string>>;
}

/** The kinds of value a flag can carry. */
export type FlagKind = "string" | "number" | "integer" | "boolean" | "enum" | "list";

/** One generated flag, as the consistency test and help see it. */
export interface GeneratedFlag {
  /** Dotted field path in the schema. */
  path: string;
  flag: string;
  kind: FlagKind;
  /** The schema's default (undefined when the field has none). */
  defaultValue: unknown;
  description: string;
  aliases: readonly string[];
  required: boolean;
  /** Commander's attribute name for the primary flag. */
  attribute: string;
}

/** What {@link addConfigOptions} returns: the generated flags and the reader of parsed options. */
export interface ConfigOptions<S extends z.ZodObject> {
  readonly schema: S;
  readonly flags: readonly GeneratedFlag[];
  /** Omitted fields and why. */
  readonly omitted: Readonly<Record<string, string>>;
  /** Turns commander's parsed options into the validated config (defaults applied). */
  read(raw: Record<string, unknown>, extra?: Record<string, unknown>): z.output<S>;
}

/** A schema shape the generator cannot turn into a flag: a programming error in a command. */
export class ConfigOptionsError extends SwerlError {
  constructor(message: string) {
    super("E_CONFIG_OPTIONS", message);
  }
}

const bindings = new WeakMap<Command, ConfigOptions<z.ZodObject>>();

/** The config schema binding of a command, if its flags were generated (for tests and docs). */
export function configOptionsOf(command: Command): ConfigOptions<z.ZodObject> | undefined {
  return bindings.get(command);
}

interface Leaf {
  path: string[];
  schema: z.ZodType;
  kind: FlagKind | undefined;
  choices?: string[];
  defaultValue: unknown;
  description: string | undefined;
  optional: boolean;
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; in?: z.ZodType };

function def(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Unwraps default/optional/nullable/prefault/pipe layers, collecting the first description and default. */
function unwrap(schema: z.ZodType): {
  inner: z.ZodType;
  defaultValue: unknown;
  description: string | undefined;
  optional: boolean;
} {
  let current = schema;
  let defaultValue: unknown;
  let description = current.description;
  let optional = false;
  for (;;) {
    const d = def(current);
    if (d.type === "default" || d.type === "prefault") {
      if (defaultValue === undefined) defaultValue = d.defaultValue;
      optional = true;
      current = d.innerType!;
    } else if (d.type === "optional" || d.type === "nullable") {
      optional = true;
      current = d.innerType!;
    } else if (d.type === "pipe" && d.in) {
      current = d.in;
    } else break;
    description ??= current.description;
  }
  return { inner: current, defaultValue, description, optional };
}

function kindOf(schema: z.ZodType): { kind: FlagKind | undefined; choices?: string[] } {
  const d = def(schema) as Def & { checks?: Array<{ _zod?: { def?: { format?: string } } }> };
  switch (d.type) {
    case "string":
      return { kind: "string" };
    case "number": {
      const integer = (schema as z.ZodNumber).format === "safeint" || (schema as z.ZodNumber).isInt;
      return { kind: integer ? "integer" : "number" };
    }
    case "boolean":
      return { kind: "boolean" };
    case "enum":
      return { kind: "enum", choices: (schema as z.ZodEnum).options.map(String) };
    case "literal": {
      const values = [...(schema as z.ZodLiteral).values].map(String);
      return { kind: "enum", choices: values };
    }
    case "array": {
      const element = unwrap((schema as z.ZodArray<z.ZodType>).element).inner;
      const elementKind = kindOf(element).kind;
      return { kind: elementKind === "string" || elementKind === "enum" ? "list" : undefined };
    }
    case "union": {
      // A union of string-like members (a literal or a pattern) is one string flag.
      const options = (schema as z.ZodUnion<z.ZodType[]>).options.map((o) => kindOf(unwrap(o).inner));
      if (options.every((o) => o.kind === "string" || o.kind === "enum")) return { kind: "string" };
      if (options.every((o) => o.kind === "number" || o.kind === "integer")) return { kind: "number" };
      return { kind: undefined };
    }
    default:
      return { kind: undefined };
  }
}

function leaves(schema: z.ZodObject, prefix: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const { inner, defaultValue, description, optional } = unwrap(field);
    const path = [...prefix, key];
    if (def(inner).type === "object") {
      out.push(...leaves(inner as z.ZodObject, path));
      continue;
    }
    const { kind, choices } = kindOf(inner);
    out.push({
      path,
      schema: inner,
      kind,
      ...(choices ? { choices } : {}),
      defaultValue,
      description,
      optional,
    });
  }
  return out;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function placeholderOf(leaf: Leaf): string {
  if (leaf.kind === "integer" || leaf.kind === "number") return "<n>";
  if (leaf.kind === "list") return "<items...>";
  if (leaf.kind === "enum") return `<${leaf.choices!.join("|")}>`;
  return "<value>";
}

function showDefault(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (Array.isArray(value)) return value.length ? value.join(",") : undefined;
  if (typeof value === "object") return undefined;
  return String(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return [...(previous ?? []), ...items];
}

/**
 * Adds one flag per field of `schema` to `command` (see the module comment) and returns the reader
 * that turns the parsed flags into the validated config.
 */
export function addConfigOptions<S extends z.ZodObject>(
  command: Command,
  schema: S,
  spec: ConfigOptionsSpec<S> = {},
): ConfigOptions<S> {
  const flagSpecs = (spec.flags ?? {}) as Record<string, FlagSpec>;
  const omitted = (spec.omit ?? {}) as Record<string, string>;
  const required = new Set<string>((spec.required ?? []) as readonly string[]);
  const env = (spec.env ?? {}) as Record<string, string>;
  const flags: GeneratedFlag[] = [];
  const all = leaves(schema);
  const known = new Set(all.map((l) => l.path.join(".")));
  for (const key of [...Object.keys(flagSpecs), ...Object.keys(omitted), ...required, ...Object.keys(env)])
    if (!known.has(key) && !all.some((l) => l.path.join(".").startsWith(`${key}.`)))
      throw new ConfigOptionsError(
        `${command.name()}: the spec names "${key}", which is not a field of its config`,
      );

  for (const leaf of all) {
    const path = leaf.path.join(".");
    if (Object.keys(omitted).some((o) => path === o || path.startsWith(`${o}.`))) continue;
    if (!leaf.kind)
      throw new ConfigOptionsError(
        `${command.name()}: config field "${path}" has no flag form; list it in the spec's omit with the reason`,
      );
    const fs = flagSpecs[path] ?? {};
    const name = fs.name ?? leaf.path.map(kebab).join(".");
    const description = fs.description ?? leaf.description ?? "";
    const isRequired = required.has(path) || (!leaf.optional && leaf.defaultValue === undefined);
    const placeholder = fs.placeholder ?? placeholderOf(leaf);
    const defaultShown = showDefault(leaf.defaultValue);
    const envName = env[path];
    const help = [
      description,
      envName ? `(default: $${envName})` : defaultShown !== undefined ? `(default: ${defaultShown})` : "",
      isRequired ? "(required)" : "",
    ]
      .filter(Boolean)
      .join(" ");
    const flagWords = leaf.kind === "boolean" ? `--${name}` : `--${name} ${placeholder}`;
    const option = new Option(fs.short ? `${fs.short}, ${flagWords}` : flagWords, help);
    if (leaf.kind === "list") option.argParser(collect);
    command.addOption(option);
    if (leaf.kind === "boolean")
      command.addOption(
        new Option(`--no-${name}`, `turn off --${name}`).hideHelp(leaf.defaultValue !== true),
      );
    const aliases = fs.aliases ?? [];
    for (const alias of aliases) {
      const aliasOption = new Option(
        leaf.kind === "boolean" ? `--${alias}` : `--${alias} ${placeholder}`,
        `deprecated: use --${name}`,
      ).hideHelp();
      if (leaf.kind === "list") aliasOption.argParser(collect);
      command.addOption(aliasOption);
    }
    flags.push({
      path,
      flag: `--${name}`,
      kind: leaf.kind,
      defaultValue: leaf.defaultValue,
      description,
      aliases,
      required: isRequired,
      attribute: option.attributeName(),
    });
  }

  const byPath = new Map(flags.map((f) => [f.path, f]));
  const leafByPath = new Map(all.map((l) => [l.path.join("."), l]));
  const attributeOf = (flagName: string) => new Option(`--${flagName} <v>`).attributeName();

  const binding: ConfigOptions<S> = {
    schema,
    flags,
    omitted,
    read(raw, extra = {}) {
      const problems: { path: string; message: string }[] = [];
      const value: Record<string, unknown> = {};
      const set = (path: string[], v: unknown) => {
        let target = value;
        for (const key of path.slice(0, -1)) {
          target[key] ??= {};
          target = target[key] as Record<string, unknown>;
        }
        target[path.at(-1)!] = v;
      };
      for (const flag of flags) {
        const leaf = leafByPath.get(flag.path)!;
        let given = raw[flag.attribute];
        let usedName = flag.flag;
        for (const alias of flag.aliases) {
          const aliasValue = raw[attributeOf(alias)];
          if (aliasValue === undefined) continue;
          process.stderr.write(`swerl: --${alias} is deprecated: use ${flag.flag}\n`);
          if (given === undefined) {
            given = aliasValue;
            usedName = `--${alias}`;
          }
        }
        const envName = env[flag.path];
        if (given === undefined && envName && process.env[envName]) given = process.env[envName];
        if (given === undefined) {
          if (flag.required && !(flag.path in extra)) problems.push({ path: flag.flag, message: "required" });
          continue;
        }
        const coerced = coerce(leaf, given);
        if (coerced.error) problems.push({ path: usedName, message: coerced.error });
        else set(leaf.path, coerced.value);
      }
      for (const [path, v] of Object.entries(extra)) set(path.split("."), v);
      if (problems.length === 0) {
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        problems.push(
          ...zodIssues(result.error, (p) => {
            const path = p.map(String).join(".");
            const flag = byPath.get(path) ?? flags.find((f) => path.startsWith(`${f.path}.`));
            return flag?.flag ?? path;
          }),
        );
      }
      throw new UsageError(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
    },
  };
  bindings.set(command, binding as unknown as ConfigOptions<z.ZodObject>);
  return binding;
}

/** What {@link configCommand} takes: the command's description and its flags' spec. */
export interface ConfigCommandSpec<S extends z.ZodObject> extends ConfigOptionsSpec<S> {
  description?: string;
}

/**
 * `parent.command(name)`, described, with one flag per field of `schema` ({@link addConfigOptions});
 * the caller adds its help text, any flag that is not a config field, and the action.
 */
export function configCommand<S extends z.ZodObject>(
  parent: Command,
  name: string,
  schema: S,
  { description, ...spec }: ConfigCommandSpec<S> = {},
): { command: Command; flags: ConfigOptions<S> } {
  const command = parent.command(name);
  if (description !== undefined) command.description(description);
  return { command, flags: addConfigOptions(command, schema, spec) };
}

function coerce(leaf: Leaf, given: unknown): { value?: unknown; error?: string } {
  if (typeof given !== "string") return { value: given };
  switch (leaf.kind) {
    case "number":
    case "integer": {
      const n = given.trim() === "" ? Number.NaN : Number(given);
      if (!Number.isFinite(n)) return { error: `expected a number, got "${given}"` };
      if (leaf.kind === "integer" && !Number.isInteger(n))
        return { error: `expected an integer, got "${given}"` };
      return { value: n };
    }
    case "enum":
      if (!leaf.choices!.includes(given))
        return { error: `expected one of ${leaf.choices!.join(", ")}, got "${given}"` };
      return { value: given };
    default:
      return { value: given };
  }
}

/** Help text for a whole schema (used by docs and `--help` of config files): field, default, help. */
export function describeConfig(
  schema: z.ZodObject,
): Array<{ path: string; defaultValue: unknown; description: string }> {
  return leaves(schema).map((l) => ({
    path: l.path.join("."),
    defaultValue: l.defaultValue,
    description: l.description ?? "",
  }));
}
