/**
 * The flow behind every trigger: target → read → diagnose → plan → apply (per policy) → schedule verification →
 * notify → telemetry. Everything it touches is injected (FlowDeps), so the same code runs in the function app, in the
 * CLI, in the demo and in tests against the emulator.
 */
import type { Settings } from "../config.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import { appsPullingFrom, appsUsingIdentity, loginServersUnder, looksUnhealthy } from "../core/app-summary.js";
import type { PullFacts, ReadStats } from "../core/facts.js";
import { isAllowed, policyFromSettings } from "../core/policy.js";
import { type ArmEventTarget, readArmEvent } from "../core/signals/arm-event.js";
import { type PullFailureAlert, readPullFailureAlert } from "../core/signals/pull-failure-alert.js";
import type { NotificationInput } from "../notify/message.js";
import { checkApp } from "./check-app.js";
import type { CheckResult } from "./check-result.js";
import { OutsideAllowlistError } from "./errors.js";
import { type ApplyEnvironment, type FixResult, fixApp } from "./fix-app.js";
import type { AppOutcome, HttpCheckRequest, PullGuardFlow, SignalOutcome, SweepOutcome, Trigger } from "./flow.js";
import type { Logger } from "./logger.js";
import {
  type AppContext,
  diagnosisNotification,
  fixedNotification,
  followUpNotification,
} from "./notification-input.js";
import type { Telemetry } from "./telemetry.js";
import { type Diagnosis, type FollowUp, finishVerification, type VerificationScheduling } from "./verify.js";

export interface FlowDeps {
  settings: Settings;
  now(): Date;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  diagnose(facts: PullFacts): Diagnosis;
  /** One cheap list of the apps of a subscription. */
  listApps(subscriptionId: string): Promise<AppSummary[]>;
  /** One cheap list of the registries of a subscription. */
  listRegistries(subscriptionId: string): Promise<RegistrySummary[]>;
  /** Counts the ARM requests `work` sends. */
  countArmRequests<T>(work: () => Promise<T>): Promise<{ value: T; armRequests: number }>;
  apply: ApplyEnvironment;
  scheduler: VerificationScheduling;
  followUp(appId: string, trigger: Trigger): FollowUp;
  notify(input: NotificationInput, log: Logger): Promise<void>;
  telemetry: Telemetry;
}

const subscriptionOf = (id: string): string => (id.split("/")[2] ?? "").toLowerCase();

function changeTrigger(trigger: Trigger) {
  return {
    source: trigger.source,
    eventId: trigger.eventId ?? null,
    correlationId: trigger.correlationId ?? null,
    caller: trigger.caller ?? null,
  };
}

function contextOf(facts: PullFacts): AppContext {
  const tenant =
    facts.app.identity.tenantId ?? facts.subscriptionTenants[facts.app.subscriptionId.toLowerCase()] ?? null;
  return { appId: facts.app.id, environmentId: facts.app.environmentId, tenantId: tenant };
}

export function createPullGuardFlow(deps: FlowDeps): PullGuardFlow {
  const { settings } = deps;
  const watched = new Set(settings.subscriptions);

  async function check(appId: string): Promise<{ result: CheckResult; facts: PullFacts }> {
    const started = deps.now().getTime();
    const checked = await checkApp(appId, { readFacts: deps.readFacts, diagnose: deps.diagnose, settings });
    deps.telemetry.diagnosis({
      appId: checked.result.appId,
      verdict: checked.result.verdict,
      codes: checked.result.findings.map((f) => f.code),
      trigger: "check",
      durationMs: deps.now().getTime() - started,
      armRequests: checked.result.stats.armRequests,
    });
    return checked;
  }

  /** Fix one app per policy, schedule its verification, tell people. */
  async function handleApp(appId: string, trigger: Trigger, log: Logger): Promise<AppOutcome> {
    const appLog = log.with({ appId, eventId: trigger.eventId ?? null, correlationId: trigger.correlationId ?? null });
    if (settings.mode === "off")
      return { appId, verdict: "unknown", action: "skipped: PULLGUARD_MODE is off", writes: 0 };
    const started = deps.now().getTime();
    const fix: FixResult = await fixApp(appId, {
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
    });
    const before = fix.before;
    deps.telemetry.diagnosis({
      appId,
      verdict: before.verdict,
      codes: before.findings.map((f) => f.code),
      trigger: trigger.source,
      durationMs: deps.now().getTime() - started,
      armRequests: before.stats.armRequests,
      eventId: trigger.eventId ?? null,
      correlationId: trigger.correlationId ?? null,
    });
    for (const step of fix.applied) {
      deps.telemetry.step({
        appId,
        kind: step.kind,
        reason: step.reason,
        result: step.result,
        auditId: step.auditId ?? null,
        eventId: trigger.eventId ?? null,
        correlationId: trigger.correlationId ?? null,
      });
      deps.telemetry.metric(step.result === "failed" ? "PullGuard.FixFailures" : "PullGuard.Fixes", 1, {
        kind: step.kind,
      });
    }
    const context: AppContext = {
      appId: before.appId,
      environmentId: null,
      tenantId: null,
    };
    const wrote = fix.applied.some((s) => s.result === "done");
    if (wrote) {
      await deps.notify(fixedNotification(context, before, fix.applied, trigger, deps.now()), appLog);
      appLog.info(
        `fixed ${fix.applied.length} step(s); verification ${fix.verification.scheduled ? "scheduled" : fix.verification.outcome}`,
      );
      return { appId, verdict: before.verdict, action: "fixed", writes: fix.writes };
    }
    if (before.verdict !== "healthy") {
      await deps.notify(diagnosisNotification(context, before, trigger, deps.now()), appLog);
      return { appId, verdict: before.verdict, action: "reported", writes: fix.writes };
    }
    return { appId, verdict: before.verdict, action: "healthy", writes: fix.writes };
  }

  async function appsForTarget(target: ArmEventTarget): Promise<string[]> {
    if (target.kind === "app") return [target.appId];
    const subscription = subscriptionOf(
      target.kind === "registry" ? target.registryId : target.kind === "identity" ? target.identityId : target.scope,
    );
    const subscriptions = subscription ? [subscription] : [...watched];
    const apps = (await Promise.all([...watched].map((s) => deps.listApps(s)))).flat();
    if (target.kind === "identity") return appsUsingIdentity(apps, target.identityId).map((a) => a.id);
    const registries = (await Promise.all(subscriptions.map((s) => deps.listRegistries(s)))).flat();
    const servers =
      target.kind === "registry"
        ? registries.filter((r) => r.id.toLowerCase() === target.registryId.toLowerCase()).map((r) => r.loginServer)
        : loginServersUnder(target.scope, registries);
    if (target.kind === "registry" && servers.length === 0) {
      // A deleted registry is no longer listed: its default login server is still what the apps name.
      servers.push(`${(target.registryId.split("/").at(-1) ?? "").toLowerCase()}.azurecr.io`);
    }
    return appsPullingFrom(apps, servers).map((a) => a.id);
  }

  async function appForAlert(alert: PullFailureAlert): Promise<string | null> {
    if (alert.appId) return alert.appId;
    const environment = alert.environment;
    const name = alert.appName?.toLowerCase();
    if (!environment || !name) return null;
    const subscriptions = "id" in environment ? [subscriptionOf(environment.id)] : [...watched];
    const apps = (await Promise.all(subscriptions.map((s) => deps.listApps(s)))).flat();
    const match = apps.find((a) => {
      if (a.name.toLowerCase() !== name || !a.environmentId) return false;
      return "id" in environment
        ? a.environmentId.toLowerCase() === environment.id.toLowerCase()
        : (a.environmentId.split("/").at(-1) ?? "").toLowerCase() === environment.name.toLowerCase();
    });
    return match?.id ?? null;
  }

  async function handleApps(appIds: string[], trigger: Trigger, log: Logger): Promise<SignalOutcome> {
    const outcomes: AppOutcome[] = [];
    for (const appId of appIds) outcomes.push(await handleApp(appId, trigger, log));
    return { outcome: "handled", apps: outcomes };
  }

  return {
    async handleArmEvent(event, trigger, log) {
      const signal = readArmEvent(event);
      if (signal.outcome === "reject") return { outcome: "rejected", reason: signal.reason };
      if (signal.outcome === "ignore") return { outcome: "ignored", reason: signal.reason };
      if (settings.selfPrincipalId && signal.callerPrincipalId === settings.selfPrincipalId) {
        return {
          outcome: "ignored",
          reason: "caused by PullGuard's own identity: its own writes never start another fix",
        };
      }
      const subscription = subscriptionOf(signal.subject);
      if (!watched.has(subscription)) {
        return { outcome: "ignored", reason: `subscription ${subscription} is not watched (PULLGUARD_SUBSCRIPTIONS)` };
      }
      const withIds: Trigger = { ...trigger, eventId: signal.eventId, correlationId: signal.correlationId };
      const appIds = await appsForTarget(signal.target);
      if (appIds.length === 0)
        return { outcome: "ignored", reason: `no container app pulls through ${signal.subject}` };
      return handleApps(appIds, withIds, log);
    },

    async handleAlert(body, trigger, log) {
      const reading = readPullFailureAlert(body);
      if (reading.outcome === "reject") return { outcome: "rejected", reason: reading.reason };
      const alert = reading.alert;
      if (alert.monitorCondition === "Resolved") {
        log.info(`alert ${alert.alertRule ?? ""} resolved for ${alert.appName ?? alert.appId ?? "an app"}`);
        return { outcome: "ignored", reason: "a resolved alert only updates state" };
      }
      const appId = await appForAlert(alert);
      if (!appId) {
        return {
          outcome: "ignored",
          reason: `no container app named ${alert.appName ?? "?"} in the alert's environment`,
        };
      }
      return handleApps([appId], { ...trigger, eventId: alert.alertId }, log);
    },

    async check(request: HttpCheckRequest, trigger, log) {
      const subscription = subscriptionOf(request.appId);
      if (!watched.has(subscription) && !isAllowed(policyFromSettings(settings), request.appId)) {
        throw new OutsideAllowlistError(request.appId, settings.allowedScopes);
      }
      if (!request.fix) return (await check(request.appId)).result;
      const outcome = await handleApp(request.appId, trigger, log);
      return { ...outcome };
    },

    async sweep(trigger, log) {
      const { value, armRequests } = await deps.countArmRequests(async () => {
        const apps = (await Promise.all([...watched].map((s) => deps.listApps(s)))).flat();
        const handled: AppOutcome[] = [];
        for (const app of apps) {
          if (looksUnhealthy(app)) handled.push(await handleApp(app.id, trigger, log));
        }
        return { apps: apps.length, handled };
      });
      const result: SweepOutcome = {
        apps: value.apps,
        broken: value.handled.filter((h) => h.verdict === "broken").length,
        handled: value.handled,
        armRequests,
      };
      return result;
    },

    async finishVerification(message, trigger, log) {
      const result = await finishVerification(message, {
        readFacts: deps.readFacts,
        diagnose: deps.diagnose,
        now: deps.now,
        scheduler: deps.scheduler,
        baseDelaySeconds: settings.verifyDelaySeconds,
        followUp: deps.followUp(
          typeof message === "object" && message !== null && "appId" in message ? String(message.appId) : "",
          trigger,
        ),
      });
      if (result.status === "rejected") return { outcome: "rejected", reason: result.reason };
      const verification = result.verification;
      if (result.status === "rescheduled") {
        return {
          outcome: "handled",
          apps: [
            {
              appId: result.appId,
              verdict: verification.outcome,
              action: "verification-rescheduled",
              writes: result.auditIds.length,
            },
          ],
        };
      }
      const outcome = verification.outcome === "resolved" ? "resolved" : "unresolved";
      const followTrigger: Trigger = {
        ...trigger,
        eventId: result.message.trigger?.eventId ?? null,
        correlationId: result.message.trigger?.correlationId ?? null,
      };
      await deps.notify(
        followUpNotification(
          { appId: result.appId, environmentId: null, tenantId: null },
          outcome,
          verification.remaining.some((f) => f.severity === "error")
            ? "broken"
            : verification.remaining.length
              ? "degraded"
              : "healthy",
          verification.remaining,
          [...result.message.auditIds, ...result.auditIds],
          followTrigger,
          deps.now(),
        ),
        log,
      );
      return {
        outcome: "handled",
        apps: [
          {
            appId: result.appId,
            verdict: verification.outcome,
            action: `verified: ${verification.outcome}`,
            writes: 0,
          },
        ],
      };
    },
  };
}

export { contextOf };
