import { SwerlError } from "@swerl/schema";

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
