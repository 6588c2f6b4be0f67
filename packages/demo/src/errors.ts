import { SwerlError } from "@swerl/schema";

/** A demo-world plan that contradicts itself (a backport before its original, a link to no issue, …). */
export class DemoWorldError extends SwerlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_DEMO_WORLD", message, options);
  }
}
