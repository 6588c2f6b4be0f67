import type { z } from "zod";
import { TrainerConfigError } from "../errors.js";

/** A zod failure as one error naming every failing field path (switch to @swerl/schema's configError once on main). */
export function configErrorFrom(source: string, error: z.ZodError): TrainerConfigError {
  const issues = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return new TrainerConfigError(source, error.issues[0]?.path.join(".") ?? "", issues.join("; "));
}
