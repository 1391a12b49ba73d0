/** A PullGuard logger writing through the Functions invocation context, with the invocation id on every line. */
import type { InvocationContext } from "@azure/functions";
import { createLogger, type Logger } from "../shared/logger.js";

export function contextLogger(context: InvocationContext): Logger {
  return createLogger((level, line) => context[level](line), { invocationId: context.invocationId });
}
