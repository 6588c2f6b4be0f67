import type { z } from "zod";
import { ConfigError } from "../config.js";
import type { StageContext } from "../stage.js";

/**
 * Validates a stage's section of the config (`stages.<name>`) with the stage's schema when it runs;
 * the first problem names the field, e.g. `stages.grpo.steps: expected a number`.
 */
export function stageOptions<S extends z.ZodType>(
  schema: S,
  context: StageContext,
  stage: string,
): z.output<S> {
  const result = schema.safeParse(context.options);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = ["stages", stage, ...issue.path.map(String)].join(".");
  throw new ConfigError("pipeline config", `${path}: ${issue.message}`);
}
