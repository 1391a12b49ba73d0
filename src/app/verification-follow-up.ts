/**
 * A scheduled verification comes due (queue message): re-read and judge the app (verify.ts), then either it is
 * rescheduled, or people are told whether the fix resolved the pull failure.
 *
 * v2, a job: the look judges the executions since the fix; one that failed is told with the fresh diagnosis's
 * findings (`unresolved`), one that succeeded as `resolved`; none by the deadline is `pending` and told to no one.
 */
import { verdictOf } from "../core/diagnose.js";
import { parseVerificationMessage } from "../core/verification-message.js";
import type { Logger } from "../shared/logger.js";
import type { FlowContext } from "./flow-deps.js";
import { appContextOf, followUpNotification } from "./notification-input.js";
import type { SignalOutcome } from "./outcomes.js";
import type { Trigger } from "./trigger.js";
import { finishVerification } from "./verify.js";

export async function followUpVerification(
  ctx: FlowContext,
  message: unknown,
  trigger: Trigger,
  log: Logger,
): Promise<SignalOutcome> {
  const { deps } = ctx;
  const result = await finishVerification(message, {
    readFacts: deps.readFacts,
    diagnose: deps.diagnose,
    now: deps.now,
    scheduler: deps.scheduler,
    baseDelaySeconds: deps.settings.verifyDelaySeconds,
    // The app of the parsed message: the queue may hand it over as text (plain or base64), not only as an object.
    followUp: deps.followUp(appIdOfMessage(message), trigger),
  });
  if (result.status === "rejected") return { outcome: "rejected", reason: result.reason };
  const { verification } = result;
  if (result.status === "rescheduled") {
    const rescheduled = { action: "verification-rescheduled", writes: result.auditIds.length };
    return { outcome: "handled", apps: [{ appId: result.appId, verdict: verification.outcome, ...rescheduled }] };
  }
  // v2: a job whose next run has not come (or not ended) by the deadline has nothing to tell yet: no notification.
  if (verification.outcome === "pending" && result.facts.app.kind === "job") {
    const pending = { action: "verified: pending (no execution of the job has ended since the fix)", writes: 0 };
    return { outcome: "handled", apps: [{ appId: result.appId, verdict: verification.outcome, ...pending }] };
  }
  const followTrigger: Trigger = {
    ...trigger,
    eventId: result.message.trigger?.eventId ?? null,
    correlationId: result.message.trigger?.correlationId ?? null,
  };
  await deps.notify(
    followUpNotification(
      appContextOf(result.facts),
      verification.outcome === "resolved" ? "resolved" : "unresolved",
      verdictOf(verification.remaining),
      verification.remaining,
      [...result.message.auditIds, ...result.auditIds],
      followTrigger,
      deps.now(),
    ),
    log,
  );
  const verified = { action: `verified: ${verification.outcome}`, writes: 0 };
  return { outcome: "handled", apps: [{ appId: result.appId, verdict: verification.outcome, ...verified }] };
}

function appIdOfMessage(message: unknown): string {
  const parsed = parseVerificationMessage(message);
  return parsed.ok ? parsed.message.appId : "";
}
