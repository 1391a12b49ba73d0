/**
 * Event Grid trigger for the watched subscriptions' ARM events (Event Grid schema; CloudEvents too).
 * Bad input and unrelated events are logged and dropped; transient failures are rethrown so Event Grid retries.
 */
import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import type { SignalOutcome } from "../app/outcomes.js";
import { flowFromEnvironment } from "../app/runtime.js";
import { contextLogger } from "./context-logger.js";

export async function onResourceEvent(event: EventGridEvent, context: InvocationContext): Promise<SignalOutcome> {
  // The host hands over whatever JSON arrived: read the id without trusting the shape (readArmEvent validates it).
  const received: unknown = event;
  const eventId =
    typeof received === "object" && received !== null && "id" in received && typeof received.id === "string"
      ? received.id.slice(0, 128) // it goes on every log line: an oversized id must not flood the logs
      : null;
  const log = contextLogger(context).with({ eventId });
  const flow = await flowFromEnvironment();
  const outcome = await flow.handleArmEvent(
    event,
    { source: "event", eventId, invocationId: context.invocationId },
    log,
  );
  if (outcome.outcome === "rejected") log.warn(`ignored a malformed event: ${outcome.reason}`);
  else if (outcome.outcome === "ignored") log.debug(`ignored: ${outcome.reason}`);
  return outcome;
}

app.eventGrid("onResourceEvent", { handler: onResourceEvent });
