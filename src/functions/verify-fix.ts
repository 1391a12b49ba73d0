/**
 * Queue trigger that finishes a scheduled verification (the message becomes visible after its delay) and sends
 * the follow-up. A malformed message is logged and dropped; a transient failure is rethrown so the queue retries.
 */
import { app, type InvocationContext } from "@azure/functions";
import type { SignalOutcome } from "../app/outcomes.js";
import { flowFromEnvironment } from "../app/runtime.js";
import { contextLogger } from "./context-logger.js";

export async function verifyFix(message: unknown, context: InvocationContext): Promise<SignalOutcome> {
  const log = contextLogger(context);
  const flow = await flowFromEnvironment();
  const outcome = await flow.finishVerification(
    message,
    { source: "verification", invocationId: context.invocationId },
    log,
  );
  if (outcome.outcome === "rejected") log.warn(`dropped a verification message: ${outcome.reason}`);
  return outcome;
}

app.storageQueue("verifyFix", { queueName: "pullguard-verify", connection: "AzureWebJobsStorage", handler: verifyFix });
