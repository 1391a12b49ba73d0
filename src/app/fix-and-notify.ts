/**
 * One app, per policy: read → diagnose → plan → apply → schedule verification (fixApp), then record it (telemetry)
 * and tell people (a "fixed" notification when a write was made, a diagnosis when something is wrong, nothing when
 * healthy, nor when all that is left is a grant PullGuard made, still propagating: own-grants.ts). Runs under the
 * app's lock (FlowContext.fixAndNotify) and, for the writes, under the app's lease across instances (fix-app.ts): a
 * run that finds the lease held reports `skipped: <who holds it>` and tells nobody.
 */
import type { Logger } from "../shared/logger.js";
import { type FixDeps, type FixResult, fixApp } from "./fix-app.js";
import type { FixOutcome, FlowDeps } from "./flow-deps.js";
import { diagnosisNotification, fixedNotification } from "./notification-input.js";
import type { AppOutcome } from "./outcomes.js";
import { grantsMadeByPullGuard, onlyOwnGrantsPropagating, onlyPropagatingGrants } from "./own-grants.js";
import { changeTrigger, type Trigger } from "./trigger.js";

export async function fixAndNotify(deps: FlowDeps, appId: string, trigger: Trigger, log: Logger): Promise<FixOutcome> {
  if (deps.settings.mode === "off") {
    return { outcome: { appId, verdict: "unknown", action: "skipped: PULLGUARD_MODE is off", writes: 0 }, fix: null };
  }
  const started = deps.now().getTime();
  const fix = await fixApp(appId, fixDeps(deps, trigger));
  if (fix.leaseHeld) {
    const why = `skipped: another PullGuard run holds this app's lease (${fix.leaseHeld.holder} since ${fix.leaseHeld.takenAt})`;
    log.with({ appId }).info(why);
    return { outcome: { appId, verdict: fix.before.verdict, action: why, writes: 0 }, fix };
  }
  recordFix(deps, appId, fix, trigger, deps.now().getTime() - started);
  const appLog = log.with({ appId, eventId: trigger.eventId ?? null, correlationId: trigger.correlationId ?? null });
  return { outcome: await notifyFix(deps, appId, fix, trigger, appLog), fix };
}

/** Apply per policy, no prompt, verification scheduled on the queue. */
function fixDeps(deps: FlowDeps, trigger: Trigger): FixDeps {
  const { settings } = deps;
  return {
    readFacts: deps.readFacts,
    diagnose: deps.diagnose,
    settings,
    apply: deps.apply,
    trigger: changeTrigger(trigger),
    dryRun: false,
    confirm: async () => true,
    verification: {
      mode: "schedule",
      scheduler: deps.scheduler,
      delaySeconds: settings.verifyDelaySeconds,
      deadlineMinutes: settings.verifyDeadlineMinutes,
    },
    ...(deps.lease ? { lease: deps.lease } : {}),
  };
}

/** A diagnosis event, a step event per applied step, and the fix metrics. */
function recordFix(deps: FlowDeps, appId: string, fix: FixResult, trigger: Trigger, durationMs: number): void {
  const ids = { eventId: trigger.eventId ?? null, correlationId: trigger.correlationId ?? null };
  deps.telemetry.diagnosis({
    appId,
    verdict: fix.before.verdict,
    codes: fix.before.findings.map((f) => f.code),
    trigger: trigger.source,
    durationMs,
    armRequests: fix.before.stats.armRequests,
    ...ids,
  });
  for (const step of fix.applied) {
    deps.telemetry.step({
      appId,
      kind: step.kind,
      reason: step.reason,
      result: step.result,
      auditId: step.auditId ?? null,
      ...ids,
    });
    deps.telemetry.metric(step.result === "failed" ? "PullGuard.FixFailures" : "PullGuard.Fixes", 1, {
      kind: step.kind,
    });
  }
}

/** Tells people what was done (or what is wrong) and names the action taken. */
async function notifyFix(
  deps: FlowDeps,
  appId: string,
  fix: FixResult,
  trigger: Trigger,
  log: Logger,
): Promise<AppOutcome> {
  const { before, context } = fix;
  const base = { appId, verdict: before.verdict, writes: fix.writes };
  if (fix.applied.some((s) => s.result === "done")) {
    await deps.notify(fixedNotification(context, before, fix.applied, trigger, deps.now(), fix.skipped), log);
    log.info(
      `fixed ${fix.applied.length} step(s); verification ${fix.verification.scheduled ? "scheduled" : fix.verification.outcome}`,
    );
    return { ...base, action: "fixed" };
  }
  if (before.verdict !== "healthy") {
    if (await onlyOwnGrantsLeft(deps, appId, fix)) {
      const why =
        "quiet: only grants PullGuard made are still propagating (its fix's notification and follow-up cover them)";
      log.info(`${why}; no notification sent`);
      return { ...base, action: why };
    }
    await deps.notify(diagnosisNotification(context, before, trigger, deps.now()), log);
    return { ...base, action: "reported" };
  }
  return { ...base, action: "healthy" };
}

/**
 * A re-check whose only findings left are grants PullGuard itself made, still propagating (own-grants.ts): nothing new
 * to tell. The audit is read only for such a re-check.
 */
async function onlyOwnGrantsLeft(deps: FlowDeps, appId: string, fix: FixResult): Promise<boolean> {
  if (!onlyPropagatingGrants(fix.before.findings)) return false;
  const own = grantsMadeByPullGuard(await deps.apply.audit.list(appId));
  return onlyOwnGrantsPropagating(fix.before.findings, own);
}
