import type { z } from "zod";
import { SwerlError } from "./errors.js";

/** One failing field of a config or options object: its dotted path (`""` for the whole) and why. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * Options or a config that do not validate. The message names every failing field:
 * `runRollouts: n: expected a positive integer; maxTokens: expected a number`.
 */
export class ConfigError extends SwerlError {
  /** What was being configured: a file, a function (`runRollouts`), a section (`stages.grpo`). */
  readonly where: string;
  readonly issues: readonly ConfigIssue[];

  constructor(where: string, detail: string | readonly ConfigIssue[], options?: { cause?: unknown }) {
    const issues = typeof detail === "string" ? [{ path: "", message: detail }] : detail;
    super("E_CONFIG", `${where}: ${formatIssues(issues)}`, options);
    this.where = where;
    this.issues = issues;
  }
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * Every issue of a zod failure as a {@link ConfigIssue}. `name` turns a field path into the name the
 * user wrote (a flag, a config key under a prefix); by default the dotted path (`grpo.optimizer.lr`,
 * array items as `files.2`).
 */
export function zodIssues(
  error: z.ZodError,
  name: (path: readonly PropertyKey[]) => string = (path) => path.map(String).join("."),
): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: name(issue.path), message: issue.message }));
}

/** A zod failure in one line naming every failing field path (see {@link zodIssues}). */
export function formatZodIssues(error: z.ZodError, name?: (path: readonly PropertyKey[]) => string): string {
  return formatIssues(zodIssues(error, name));
}

/** Validates `value` with `schema`, or throws a {@link ConfigError} for `where` naming every failing field. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(where, zodIssues(result.error));
}
