import { ConfigError, zodIssues } from "@swerl/schema";
import type { z } from "zod";
import type { StageContext } from "../stage.js";

/** Validates `value` with `schema`; every problem names its field under `path` (`stages.grpo.steps`). */
export function validateSection<S extends z.ZodType>(schema: S, value: unknown, path: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    "pipeline config",
    zodIssues(result.error, (fieldPath) => [path, ...fieldPath.map(String)].join(".")),
  );
}

/**
 * Validates a stage's section of the config (`stages.<name>`) with the stage's schema when it runs;
 * every problem names its field, e.g. `stages.grpo.steps: expected a number`.
 */
export function stageOptions<S extends z.ZodType>(
  schema: S,
  context: StageContext,
  stage: string,
): z.output<S> {
  return validateSection(schema, context.options, `stages.${stage}`);
}
