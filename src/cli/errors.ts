/**
 * Errors the CLI knows how to explain. Anything else reaching the boundary is a bug and is shown with its stack.
 * Every message says what was wrong and what to do next.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The command ran but could not complete (Azure unreachable, app missing, ...): exit 1 with the reason. */
export class CouldNotRunError extends Error {
  override name = "CouldNotRunError";
  constructor(
    message: string,
    readonly nextStep?: string,
  ) {
    super(message);
  }
}
