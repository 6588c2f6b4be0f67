import { SwerlError } from "@swerl/schema";

/** A workspace could not be prepared or used: the message names the repository, commit or path at fault. */
export class ExecutorError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_EXECUTOR", message, options);
  }
}
