/**
 * The two signals that start a fix: an ARM resource event (Event Grid) and a pull-failure alert (Azure Monitor).
 * Each reads as: read the signal → refuse or ignore what is not ours → resolve its apps (signal-targets.ts) → fix and
 * notify each app (fix-and-notify.ts, under its lock).
 */
import { type ArmEventSignal, readArmEvent } from "../core/signals/arm-event.js";
import { readPullFailureAlert } from "../core/signals/pull-failure-alert.js";
import { AppNotFoundError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { FlowContext } from "./flow-deps.js";
import type { AppOutcome, SignalOutcome } from "./outcomes.js";
import { appsForAlert, appsForArmTarget, unwatchedReason } from "./signal-targets.js";
import type { Trigger } from "./trigger.js";

type ArmLook = Extract<ArmEventSignal, { outcome: "look" }>;

export async function handleArmEvent(
  ctx: FlowContext,
  event: unknown,
  trigger: Trigger,
  log: Logger,
): Promise<SignalOutcome> {
  const signal = readArmEvent(event);
  if (signal.outcome === "reject") return { outcome: "rejected", reason: signal.reason };
  if (signal.outcome === "ignore") return { outcome: "ignored", reason: signal.reason };
  const notOurs = armEventNotOurs(ctx, signal);
  if (notOurs) return { outcome: "ignored", reason: notOurs };
  const withIds: Trigger = { ...trigger, eventId: signal.eventId, correlationId: signal.correlationId };
  const since = signal.eventTime ? new Date(signal.eventTime) : null;
  const appIds = await ctx.looks.inEventRun(since, () => appsForArmTarget(ctx, signal.target, since));
  if (appIds.length === 0) {
    return { outcome: "ignored", reason: `no container app or job pulls through ${signal.subject}` };
  }
  try {
    return await ctx.looks.inEventRun(since, () => fixEach(ctx, appIds, withIds, log, since));
  } catch (error) {
    // An event for an app or job that no longer exists (deleted since, or never there) is not worth a retry.
    if (error instanceof AppNotFoundError && signal.target.kind === "app") {
      return { outcome: "ignored", reason: `${error.message}: nothing left to fix` };
    }
    throw error;
  }
}

/** Why an event is not PullGuard's to act on (its own write, an unwatched subscription), or null. */
function armEventNotOurs(ctx: FlowContext, signal: ArmLook): string | null {
  const self = ctx.deps.settings.selfPrincipalId;
  if (self && signal.callerPrincipalId === self) {
    return "caused by PullGuard's own identity: its own writes never start another fix";
  }
  return unwatchedReason(ctx, signal.subject);
}

export async function handleAlert(
  ctx: FlowContext,
  body: unknown,
  trigger: Trigger,
  log: Logger,
): Promise<SignalOutcome> {
  const reading = readPullFailureAlert(body);
  if (reading.outcome === "reject") return { outcome: "rejected", reason: reading.reason };
  // Not a fired log search alert (metric, activity log, health, budget, ..., resolved): spec/events.md v2.
  if (reading.outcome === "ignore") return { outcome: "ignored", reason: reading.reason };
  const alert = reading.alert;
  if (alert.workloadsLeft > 0) {
    log.warn(
      `alert ${alert.alertRule ?? ""} names ${alert.workloads.length + alert.workloadsLeft} workloads: looking at the first ${alert.workloads.length}, the sweep covers the others`,
    );
  }
  const appIds: string[] = [];
  const why: string[] = [];
  for (const workload of alert.workloads) {
    const environment = workload.environment;
    const named = workload.appId ?? (environment && "id" in environment ? environment.id : null);
    const notOurs = named ? unwatchedReason(ctx, named) : null;
    if (notOurs) {
      why.push(notOurs);
      continue;
    }
    const found = await appsForAlert(ctx, workload);
    appIds.push(...found);
    if (found.length === 0) {
      why.push(
        `no ${workload.kind === "job" ? "job" : "container app or job"} named ${workload.appName ?? "?"} in the alert's environment`,
      );
    }
  }
  if (appIds.length === 0) return { outcome: "ignored", reason: why.join("; ") };
  return fixEach(ctx, [...new Set(appIds)], { ...trigger, eventId: alert.alertId }, log);
}

/**
 * Fixes and notifies each app in turn. `since`: the time of the event's change (null when unknown), so that a fresh
 * look another event started answers this one; undefined when not answering an event.
 */
async function fixEach(
  ctx: FlowContext,
  appIds: string[],
  trigger: Trigger,
  log: Logger,
  since?: Date | null,
): Promise<SignalOutcome> {
  const outcomes: AppOutcome[] = [];
  for (const appId of appIds) {
    const { value, joined } = await ctx.looks.fresh(
      `app:${appId.toLowerCase()}`,
      since,
      async () => (await ctx.fixAndNotify(appId, trigger, log)).outcome,
    );
    // A look another event started answered this one: it made no write of its own.
    outcomes.push(joined ? { ...value, action: `coalesced: ${value.action}`, writes: 0 } : value);
  }
  return { outcome: "handled", apps: outcomes };
}
