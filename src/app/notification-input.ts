/**
 * Maps check and fix results to the plain NotificationInput the notification builders render. Pure.
 */
import type { PullFacts } from "../core/facts.js";
import type { Finding, Verdict } from "../core/finding.js";
import type { PlanStep } from "../core/plan-step.js";
import { newestFailedExecution } from "../core/pull-failure.js";
import { resourceNameOf, workloadKindOfId } from "../core/resource-id.js";
import type {
  ExecutionSummary,
  JobStartNote,
  NotificationInput,
  NotificationTrigger,
  StillToDo,
} from "../notify/message.js";
import { portalLink } from "../notify/message.js";
import type { CheckResult } from "./check-result.js";
import { describeStep } from "./step-description.js";
import type { Trigger } from "./trigger.js";

export interface AppContext {
  appId: string;
  environmentId: string | null;
  tenantId: string | null;
  /** v2: a job's newest failed execution (null when none failed or they were not read); absent for an app. */
  lastFailedExecution?: ExecutionSummary | null;
}

/**
 * Where the app lives, for messages and portal links: its environment and its tenant; (v2) for a job, its last failed
 * execution, which its messages show where an app's speak of the revision.
 */
export function appContextOf(facts: PullFacts): AppContext {
  const tenant =
    facts.app.identity.tenantId ?? facts.subscriptionTenants[facts.app.subscriptionId.toLowerCase()] ?? null;
  const context: AppContext = { appId: facts.app.id, environmentId: facts.app.environmentId, tenantId: tenant };
  if (facts.app.kind !== "job") return context;
  const failed = newestFailedExecution(facts);
  return {
    ...context,
    lastFailedExecution: failed ? { name: failed.name, startTime: failed.startTime, status: failed.status } : null,
  };
}

/** The context's parts every notification carries: the workload, where it lives, and (a job) its last failure. */
function about(
  context: AppContext,
): Pick<NotificationInput, "appId" | "appName" | "environment" | "tenantId"> &
  Partial<Pick<NotificationInput, "lastFailedExecution">> {
  return {
    appId: context.appId,
    appName: resourceNameOf(context.appId),
    environment: context.environmentId,
    tenantId: context.tenantId,
    ...(context.lastFailedExecution !== undefined ? { lastFailedExecution: context.lastFailedExecution } : {}),
  };
}

function notificationTrigger(trigger: Trigger): NotificationTrigger {
  return {
    source: trigger.source,
    ...(trigger.eventId ? { eventId: trigger.eventId } : {}),
    ...(trigger.correlationId ? { correlationId: trigger.correlationId } : {}),
    ...(trigger.caller ? { caller: trigger.caller } : {}),
  };
}

/** What a person must still do: every finding's fix that PullGuard did not (or may not) apply. */
export function stillToDo(
  findings: readonly Finding[],
  tenantId: string | null,
  appliedReasons: ReadonlySet<string>,
): StillToDo[] {
  const seen = new Set<string>();
  const out: StillToDo[] = [];
  for (const f of findings) {
    if (appliedReasons.has(f.code)) continue;
    const summary = f.fix?.summary ?? f.message;
    if (seen.has(summary)) continue;
    seen.add(summary);
    const target = f.registry?.id ?? null;
    out.push({
      summary,
      ...(f.fix?.az ? { az: f.fix.az } : {}),
      ...(target ? { portalUrl: portalLink(tenantId, target) } : {}),
    });
  }
  return out;
}

export function diagnosisNotification(
  context: AppContext,
  check: Pick<CheckResult, "verdict" | "findings">,
  trigger: Trigger,
  at: Date,
): NotificationInput {
  return {
    kind: "diagnosis",
    ...about(context),
    verdict: check.verdict,
    findings: check.findings,
    applied: [],
    stillToDo: stillToDo(check.findings, context.tenantId, new Set()),
    trigger: notificationTrigger(trigger),
    at: at.toISOString(),
  };
}

type AppliedLike = PlanStep & { result: string; auditId?: string; execution?: string };

/**
 * v2, a job: whether its fix started an execution (applied, with its name when known), deferred one until the grant
 * has propagated (a skipped start the policy lets through, due after `now`: its follow-up makes it), or neither.
 */
export function jobStartOf(applied: readonly AppliedLike[], skipped: readonly PlanStep[], now: Date): JobStartNote {
  const started = applied.find((s) => s.kind === "start-job-execution" && s.result === "done");
  if (started) return { status: "started", execution: started.execution ?? null };
  const deferred = skipped.find(
    (s) =>
      s.kind === "start-job-execution" &&
      s.decision === "apply" &&
      !!s.notBefore &&
      Date.parse(s.notBefore) > now.getTime(),
  );
  if (deferred?.kind === "start-job-execution" && deferred.notBefore)
    return { status: "deferred", at: deferred.notBefore };
  return { status: "none" };
}

export function fixedNotification(
  context: AppContext,
  before: Pick<CheckResult, "verdict" | "findings">,
  applied: readonly AppliedLike[],
  trigger: Trigger,
  at: Date,
  skipped: readonly PlanStep[] = [],
): NotificationInput {
  const done = applied.filter((s) => s.result === "done" || s.result === "already-in-place");
  const job = workloadKindOfId(context.appId) === "job";
  return {
    kind: "fixed",
    ...about(context),
    ...(job ? { jobStart: jobStartOf(applied, skipped, at) } : {}),
    verdict: before.verdict,
    findings: before.findings,
    applied: done.map((s) => ({
      kind: s.kind,
      summary: describeStep(s),
      ...(s.auditId ? { auditId: s.auditId } : {}),
    })),
    stillToDo: stillToDo(before.findings, context.tenantId, new Set(done.map((s) => s.reason))),
    trigger: notificationTrigger(trigger),
    at: at.toISOString(),
  };
}

export function followUpNotification(
  context: AppContext,
  outcome: "resolved" | "unresolved",
  verdict: Verdict,
  remaining: readonly Finding[],
  auditIds: readonly string[],
  trigger: Trigger,
  at: Date,
): NotificationInput {
  return {
    kind: outcome,
    ...about(context),
    verdict,
    findings: [...remaining],
    applied: auditIds.map((id) => ({ kind: "audit", summary: "change recorded in the audit table", auditId: id })),
    stillToDo: outcome === "unresolved" ? stillToDo(remaining, context.tenantId, new Set()) : [],
    trigger: notificationTrigger(trigger),
    at: at.toISOString(),
  };
}
