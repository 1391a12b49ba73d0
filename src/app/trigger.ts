/** Who or what asked PullGuard to look, and how the audit log records it. */
import type { ChangeTrigger } from "../azure/audit-log.js";

/** Who or what asked PullGuard to look (recorded in audit rows, logs, telemetry and notifications). */
export interface Trigger {
  source: "event" | "alert" | "http" | "sweep" | "cli" | "verification";
  eventId?: string | null;
  correlationId?: string | null;
  /** HTTP caller, CLI user or event principal, when known. */
  caller?: string | null;
  invocationId?: string | null;
}

/** The trigger as the audit log records it. */
export function changeTrigger(trigger: Trigger): ChangeTrigger {
  return {
    source: trigger.source,
    eventId: trigger.eventId ?? null,
    correlationId: trigger.correlationId ?? null,
    caller: trigger.caller ?? null,
  };
}
