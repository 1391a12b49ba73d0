/**
 * The flow behind every trigger: target → read → diagnose → plan → apply (per policy) → schedule verification →
 * notify → telemetry. Everything it touches is injected (FlowDeps), so the same code runs in the function app, in the
 * CLI, in the demo and in tests against the emulator.
 */

import type { ChangeTrigger } from "../azure/audit-log.js";
import type { Settings } from "../config.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import { appsPullingFrom, appsUsingIdentity, loginServersUnder, looksUnhealthy } from "../core/app-summary.js";
import type { PullFacts, ReadStats } from "../core/facts.js";
import { isAllowed, policyFromSettings } from "../core/policy.js";
import { type ArmEventTarget, readArmEvent } from "../core/signals/arm-event.js";
import { type PullFailureAlert, readPullFailureAlert } from "../core/signals/pull-failure-alert.js";
import { parseVerificationMessage } from "../core/verification-message.js";
import type { NotificationInput } from "../notify/message.js";
import { checkApp } from "./check-app.js";
import type { CheckResult } from "./check-result.js";
import { AppNotFoundError, OutsideAllowlistError } from "./errors.js";
import { type ApplyEnvironment, type FixResult, fixApp } from "./fix-app.js";
import type { AppOutcome, HttpCheckRequest, PullGuardFlow, SignalOutcome, SweepOutcome, Trigger } from "./flow.js";
import { createFreshLooks } from "./fresh-looks.js";
import type { Logger } from "./logger.js";
import { mapBounded } from "./map-bounded.js";
import { appsForNetworkChange, type NetworkChangeReads } from "./network-targets.js";
import {
  type AppContext,
  appContextOf,
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
  /**
   * Runs a sweep (or, with `since`, an event) as one run: its reads share what does not depend on the app (the
   * registry index, role definitions, environments, identities, role assignments) (azure-access.ts).
   */
  inRun?<T>(work: () => Promise<T>, options?: { since?: Date | null }): Promise<T>;
  apply: ApplyEnvironment;
  scheduler: VerificationScheduling;
  followUp(appId: string, trigger: Trigger): FollowUp;
  notify(input: NotificationInput, log: Logger): Promise<void>;
  telemetry: Telemetry;
  /**
   * Answer an ARM event with a look at the app (or a list) that started after the event's change, when there is one,
   * instead of looking again (fresh-looks.ts). Default true; false handles every event on its own.
   */
  coalesceEvents?: boolean;
  /** v2: the reads that map a network change to environments (app/network-targets.ts); absent: such events do nothing. */
  networkReads?: NetworkChangeReads;
}

const subscriptionOf = (id: string): string => (id.split("/")[2] ?? "").toLowerCase();

/** Apps a sweep handles at once (each request that gets a 429 waits out its Retry-After in the SDK's retry policy). */
const SWEEP_CONCURRENCY = 4;

/** The trigger as the audit log records it. */
export function changeTrigger(trigger: Trigger): ChangeTrigger {
  return {
    source: trigger.source,
    eventId: trigger.eventId ?? null,
    correlationId: trigger.correlationId ?? null,
    caller: trigger.caller ?? null,
  };
}

function appIdOfMessage(message: unknown): string {
  const parsed = parseVerificationMessage(message);
  return parsed.ok ? parsed.message.appId : "";
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
    return (await fixAndTell(appId, trigger, log)).outcome;
  }

  /**
   * One fix of an app at a time in this process: a duplicate delivery arriving while the first is being handled
   * waits for it, then reads the app again and finds nothing left to do (instead of sending the same writes twice).
   */
  const appQueues = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(appId: string, work: () => Promise<T>): Promise<T> {
    const key = appId.toLowerCase();
    const run = (appQueues.get(key) ?? Promise.resolve()).then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    appQueues.set(key, settled);
    void settled.then(() => {
      if (appQueues.get(key) === settled) appQueues.delete(key);
    });
    return run;
  }

  /** handleApp, with the fix result too (the HTTP check with `fix: true` returns it). */
  function fixAndTell(
    appId: string,
    trigger: Trigger,
    log: Logger,
  ): Promise<{ outcome: AppOutcome; fix: FixResult | null }> {
    return oneAtATime(appId, () => fixAndTellNow(appId, trigger, log));
  }

  async function fixAndTellNow(
    appId: string,
    trigger: Trigger,
    log: Logger,
  ): Promise<{ outcome: AppOutcome; fix: FixResult | null }> {
    const appLog = log.with({ appId, eventId: trigger.eventId ?? null, correlationId: trigger.correlationId ?? null });
    if (settings.mode === "off")
      return { outcome: { appId, verdict: "unknown", action: "skipped: PULLGUARD_MODE is off", writes: 0 }, fix: null };
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
    const context: AppContext = fix.context;
    const wrote = fix.applied.some((s) => s.result === "done");
    if (wrote) {
      await deps.notify(fixedNotification(context, before, fix.applied, trigger, deps.now()), appLog);
      appLog.info(
        `fixed ${fix.applied.length} step(s); verification ${fix.verification.scheduled ? "scheduled" : fix.verification.outcome}`,
      );
      return { outcome: { appId, verdict: before.verdict, action: "fixed", writes: fix.writes }, fix };
    }
    if (before.verdict !== "healthy") {
      await deps.notify(diagnosisNotification(context, before, trigger, deps.now()), appLog);
      return { outcome: { appId, verdict: before.verdict, action: "reported", writes: fix.writes }, fix };
    }
    return { outcome: { appId, verdict: before.verdict, action: "healthy", writes: fix.writes }, fix };
  }

  const looks = deps.coalesceEvents === false ? null : createFreshLooks({ now: deps.now });

  /** `read()`, or the result of one that started after the event's change (`since`; undefined: not an event). */
  async function fresh<T>(
    key: string,
    since: Date | null | undefined,
    read: () => Promise<T>,
  ): Promise<{ value: T; joined: boolean }> {
    if (!looks || since === undefined) return { value: await read(), joined: false };
    return looks.after(key, since, read);
  }

  /** Runs an event's work so that its reads are shared with the looks of other events when fresh enough. */
  function inEventRun<T>(since: Date | null, work: () => Promise<T>): Promise<T> {
    return looks && deps.inRun ? deps.inRun(work, { since }) : work();
  }

  async function appsForTarget(target: ArmEventTarget, since?: Date | null): Promise<string[]> {
    if (target.kind === "app") return [target.appId];
    if (target.kind === "network") {
      const list = async (s: string) => (await fresh(`apps:${s}`, since, () => deps.listApps(s))).value;
      return appsForNetworkChange(target.resourceId, [...watched], list, deps.networkReads);
    }
    const subscription = subscriptionOf(
      target.kind === "registry" ? target.registryId : target.kind === "identity" ? target.identityId : target.scope,
    );
    const subscriptions = subscription ? [subscription] : [...watched];
    const listApps = async (s: string) => (await fresh(`apps:${s}`, since, () => deps.listApps(s))).value;
    const listRegistries = async (s: string) =>
      (await fresh(`registries:${s}`, since, () => deps.listRegistries(s))).value;
    const apps = (await Promise.all([...watched].map(listApps))).flat();
    if (target.kind === "identity") return appsUsingIdentity(apps, target.identityId).map((a) => a.id);
    const registries = (await Promise.all(subscriptions.map(listRegistries))).flat();
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

  /** `since`: the time of the event's change (null when unknown); undefined when not answering an event. */
  async function handleApps(
    appIds: string[],
    trigger: Trigger,
    log: Logger,
    since?: Date | null,
  ): Promise<SignalOutcome> {
    const outcomes: AppOutcome[] = [];
    for (const appId of appIds) {
      const { value, joined } = await fresh(`app:${appId.toLowerCase()}`, since, () => handleApp(appId, trigger, log));
      // A look another event started answered this one: it made no write of its own.
      outcomes.push(joined ? { ...value, action: `coalesced: ${value.action}`, writes: 0 } : value);
    }
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
      const since = signal.eventTime ? new Date(signal.eventTime) : null;
      const appIds = await inEventRun(since, () => appsForTarget(signal.target, since));
      if (appIds.length === 0)
        return { outcome: "ignored", reason: `no container app pulls through ${signal.subject}` };
      try {
        return await inEventRun(since, () => handleApps(appIds, withIds, log, since));
      } catch (error) {
        // An event for an app that no longer exists (deleted since, or never there) is not worth a retry.
        if (error instanceof AppNotFoundError && signal.target.kind === "app") {
          return { outcome: "ignored", reason: `${error.message}: nothing left to fix` };
        }
        throw error;
      }
    },

    async handleAlert(body, trigger, log) {
      const reading = readPullFailureAlert(body);
      if (reading.outcome === "reject") return { outcome: "rejected", reason: reading.reason };
      const alert = reading.alert;
      if (alert.monitorCondition === "Resolved") {
        log.info(`alert ${alert.alertRule ?? ""} resolved for ${alert.appName ?? alert.appId ?? "an app"}`);
        return { outcome: "ignored", reason: "a resolved alert only updates state" };
      }
      const named = alert.appId ?? (alert.environment && "id" in alert.environment ? alert.environment.id : null);
      if (named && !watched.has(subscriptionOf(named))) {
        return {
          outcome: "ignored",
          reason: `subscription ${subscriptionOf(named)} is not watched (PULLGUARD_SUBSCRIPTIONS)`,
        };
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
      const { outcome, fix } = await fixAndTell(request.appId, trigger, log);
      if (!fix) return { ...outcome };
      // The `fix --json` document of cli.md, with what the function app did about it.
      return {
        appId: fix.appId,
        before: fix.before,
        applied: fix.applied,
        skipped: fix.skipped,
        verification: fix.verification,
        auditIds: fix.auditIds,
        notes: fix.notes,
        action: outcome.action,
        writes: outcome.writes,
      };
    },

    async sweep(trigger, log) {
      const inRun = deps.inRun ?? (<T>(work: () => Promise<T>) => work());
      const { value, armRequests } = await deps.countArmRequests(() =>
        inRun(async () => {
          const apps = (await Promise.all([...watched].map((s) => deps.listApps(s)))).flat();
          const handled: AppOutcome[] = await mapBounded(apps.filter(looksUnhealthy), SWEEP_CONCURRENCY, (app) =>
            handleApp(app.id, trigger, log),
          );
          return { apps: apps.length, handled };
        }),
      );
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
        // The app of the parsed message: the queue may hand it over as text (plain or base64), not only as an object.
        followUp: deps.followUp(appIdOfMessage(message), trigger),
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
          appContextOf(result.facts),
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
