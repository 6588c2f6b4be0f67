import { SwerlError } from "@swerl/schema";
import type { z } from "zod";

/** Bad input to runAgentless: a config field, dataset, mirror, specs or official-format file that cannot be used. */
export class AgentlessInputError extends SwerlError {
  constructor(message: string) {
    super("E_AGENTLESS_INPUT", message);
  }
}

/** A test workspace that cannot be reset to its base commit. */
export class AgentlessWorkspaceError extends SwerlError {
  constructor(message: string) {
    super("E_AGENTLESS_WORKSPACE", message);
  }
}

/**
 * Every failing field of a zod error, `path: message` joined by "; ".
 * TODO(#14): switch to `formatZodIssues` from @swerl/schema once it is on main.
 */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
