import { SwerlError } from "./errors.js";

/**
 * An invariant of swerl's own code was broken (never a problem with the user's input): the message
 * says which, and asks for a report.
 */
export class InternalError extends SwerlError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "E_INTERNAL",
      `${detail} (an internal error of swerl: please report it with the command that led here)`,
      options,
    );
  }
}
