import type { z } from "zod";
import { ConfigError } from "../config.js";
import type { StageContext } from "../stage.js";

/** Validates `value` with `schema`; the first problem names its field under `path` (`stages.grpo.steps`). */
export function validateSection<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(
    "pipeline config",
    `${[path, ...issue.path.map(String)].join(".")}: ${issue.message}`,
  );
}

/**
 * Validates a stage's section of the config (`stages.<name>`) with the stage's schema when it runs;
 * the first problem names the field, e.g. `stages.grpo.steps: expected a number`.
 */
export function stageOptions<S extends z.ZodType>(
  schema: S,
  context: StageContext,
  stage: string,
): z.output<S> {
  return validateSection(schema, context.options, `stages.${stage}`);
}
