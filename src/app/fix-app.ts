/**
 * The `fix` use case, shared by the CLI and the function app:
 * read → diagnose → plan (policy from the settings and the app's tags) → confirm → apply → verify → result.
 *
 * The result is the `fix --json` document of cli.md (`appId, before, applied, skipped, verification, auditIds`), plus
 * `requests` (the exact ARM writes that were or would have been sent) and `writes` (how many went out).
 * Verification either waits (CLI: `verifyUntil`) or is scheduled on the queue (function app: nothing is held open).
 */
import {
  type AppliedStep,
  type ApplyDeps,
  applyPlan,
  type RecordedRequest,
  type SkippedStep,
} from "../azure/apply-plan.js";
import type { ChangeTrigger } from "../azure/audit-log.js";
import type { WorkloadLease } from "../azure/workload-lease.js";
import type { PullFacts } from "../core/facts.js";
import type { Finding } from "../core/finding.js";
import { followUpKey, followUpRestart, followUpStart, planFixes } from "../core/plan.js";
import type { PlanStep } from "../core/plan-step.js";
import { type PolicySettings, policyFromSettings } from "../core/policy.js";
import { holdRepeatedRestarts, onlyRestarts } from "../core/restart-guard.js";
import {
  jobFollowUpDelaySeconds,
  priorExecutionNames,
  type VerificationMessage,
} from "../core/verification-message.js";
import {
  isTerminallyFailed,
  judgeVerification,
  revisionStateOf,
  type Verification,
} from "../core/verification-outcome.js";
import { type LeaseRow, leaseHeldMessage } from "../core/workload-lease.js";
import type { CheckResult } from "./check-result.js";
import { type AppContext, appContextOf } from "./notification-input.js";
import {
  type FollowUp,
  type JobFollowUp,
  publicPart,
  type VerificationScheduling,
  type VerifyDeps,
  type VerifyUntilResult,
  verifyOnce,
  verifyUntil,
} from "./verify.js";

/** applyPlan's dependencies except what each run sets itself (the deadline: from `invocationMs` at its start). */
export type ApplyEnvironment = Omit<ApplyDeps, "trigger" | "dryRun" | "approveNeedsApproval" | "deadline"> & {
  /**
   * How long one invocation may take, from the start of its fix: the composition root sets it below the host's
   * functionTimeout (runtime.ts), the CLI a generous default. Absent: no deadline.
   */
  invocationMs?: number;
};

/** The deadline of an invocation that starts now. */
export function deadlineFrom(apply: ApplyEnvironment, start: Date): { deadline?: Date } {
  return apply.invocationMs === undefined ? {} : { deadline: new Date(start.getTime() + apply.invocationMs) };
}

export type VerificationMode =
  | {
      mode: "wait";
      sleep: (ms: number) => Promise<void>;
      deadlineMs: number;
      initialDelayMs?: number;
      maxDelayMs?: number;
    }
  | { mode: "schedule"; scheduler: VerificationScheduling; delaySeconds: number; deadlineMinutes: number };

export interface FixDeps extends VerifyDeps {
  settings: PolicySettings;
  apply: ApplyEnvironment;
  trigger: ChangeTrigger;
  dryRun: boolean;
  /** Asked once before anything is written, with the plan; false sends nothing. */
  confirm(plan: PlanStep[]): Promise<boolean>;
  /** Apply `needs-approval` steps too (a person approved them explicitly). Default false. */
  approveNeedsApproval?: boolean;
  verification: VerificationMode;
  /**
   * The lease per workload across instances and CLI runs (workload-lease.ts), taken before planning writes and
   * released after the writes and the verification (scheduled or waited for). Absent: only the in-process lock.
   */
  lease?: WorkloadLease;
}

export interface FixVerification extends Verification {
  /** Set when the verification was handed to the queue. */
  scheduled?: { messageId: string; delaySeconds: number; deadline: string };
}

export interface FixResult {
  appId: string;
  before: CheckResult;
  applied: AppliedStep[];
  skipped: SkippedStep[];
  verification: FixVerification;
  auditIds: string[];
  requests: RecordedRequest[];
  writes: number;
  /** Remarks about the policy (e.g. a tag that could not raise the mode). */
  notes: string[];
  /** Where the app lives (environment, tenant), for notifications. */
  context: AppContext;
  /** Set when another run held the app's lease: this run diagnosed, sent nothing and left. */
  leaseHeld?: LeaseRow;
}

/** A follow-up that restarts a failed revision once nothing else is left to fix (see verify.ts). */
export function createRestartFollowUp(options: {
  appId: string;
  settings: PolicySettings;
  apply: ApplyEnvironment;
  trigger: ChangeTrigger;
}): FollowUp {
  return {
    async restartIfDue(facts: PullFacts, findings: Finding[], done: readonly string[], job?: JobFollowUp) {
      const policy = policyFromSettings(options.settings, facts.app.tags);
      let step: PlanStep | null;
      if (facts.app.kind === "job")
        step = followUpStart(facts, findings, policy, job ?? { since: null, startAfter: null });
      else if (!isTerminallyFailed(revisionStateOf(facts).state)) return { auditIds: [] };
      else step = followUpRestart(facts, findings, policy);
      if (!step) return { auditIds: [] };
      const key = followUpKey(step);
      if (done.includes(key)) return { auditIds: [] };
      const notBefore = deferredUntil(step);
      if (notBefore && Date.parse(notBefore) > options.apply.now().getTime()) return { auditIds: [], dueAt: notBefore };
      const result = await applyPlan([step], options.appId, {
        ...options.apply,
        ...deadlineFrom(options.apply, options.apply.now()),
        trigger: options.trigger,
        dryRun: false,
        startJobsAfterFix: options.settings.startJobsAfterFix === true,
      });
      return { done: key, auditIds: result.auditIds, applied: result.applied };
    },
  };
}

function sendable(step: PlanStep, approve: boolean): boolean {
  return step.decision === "apply" || (approve && step.decision === "needs-approval");
}

/**
 * Fixes the app under its lease when one is configured and this run may write (mode fix, not a dry run); a run that
 * cannot take the lease diagnoses, reports who holds it (`leaseHeld`, each planned step skipped with that reason)
 * and leaves. Diagnosis-only runs (dry run, mode report or off) take no lease.
 */
export async function fixApp(appId: string, deps: FixDeps): Promise<FixResult> {
  if (!deps.lease || deps.dryRun || deps.settings.mode !== "fix") return fixOnce(appId, deps);
  const take = await deps.lease.take(appId);
  if (!take.taken) return leaseHeldResult(appId, deps, take.held);
  try {
    return await fixOnce(appId, deps);
  } finally {
    await take.release();
  }
}

async function leaseHeldResult(appId: string, deps: FixDeps, held: LeaseRow): Promise<FixResult> {
  const { facts, stats } = await deps.readFacts(appId);
  const diagnosis = deps.diagnose(facts);
  const policy = policyFromSettings(deps.settings, facts.app.tags);
  const plan = planFixes(facts, diagnosis.findings, policy);
  const why = leaseHeldMessage(held);
  const verification = judgeVerification(facts, diagnosis.findings);
  return {
    appId,
    before: { appId, verdict: diagnosis.verdict, findings: diagnosis.findings, plan, stats },
    applied: [],
    skipped: plan.map((step) => ({ ...step, why })),
    // The holder is fixing it: not resolved yet is pending (its verification decides), not unresolved.
    verification: verification.outcome === "resolved" ? verification : { ...verification, outcome: "pending" },
    auditIds: [],
    requests: [],
    writes: 0,
    notes: policy.notes,
    context: appContextOf(facts),
    leaseHeld: held,
  };
}

async function fixOnce(appId: string, deps: FixDeps): Promise<FixResult> {
  const started = deps.apply.now();
  const { facts, stats } = await deps.readFacts(appId);
  const diagnosis = deps.diagnose(facts);
  const policy = policyFromSettings(deps.settings, facts.app.tags);
  const planned = planFixes(facts, diagnosis.findings, policy);
  // Only a plan of restarts can loop; the audit is read just for that case.
  const plan = onlyRestarts(planned)
    ? holdRepeatedRestarts(planned, facts, await deps.apply.audit.list(appId))
    : planned;
  const before: CheckResult = { appId, verdict: diagnosis.verdict, findings: diagnosis.findings, plan, stats };
  const approve = deps.approveNeedsApproval === true;

  const wouldWrite = plan.some((s) => sendable(s, approve));
  const confirmed = deps.dryRun || !wouldWrite ? true : await deps.confirm(plan);
  const applyDeps: ApplyDeps = {
    ...deps.apply,
    ...deadlineFrom(deps.apply, started),
    trigger: deps.trigger,
    dryRun: deps.dryRun || !confirmed,
    approveNeedsApproval: approve,
    // v2: the forbidden list lets a job's start through only with the switch (a follow-up never starts one).
    startJobsAfterFix: deps.settings.startJobsAfterFix === true,
  };
  const applied = await applyPlan(plan, appId, applyDeps);
  const skipped = confirmed
    ? applied.skipped
    : applied.skipped.map((s) => (sendable(s, approve) ? { ...s, why: "not confirmed: nothing sent" } : s));

  const result: FixResult = {
    appId,
    before,
    applied: applied.applied,
    skipped,
    verification: judgeVerification(facts, diagnosis.findings),
    auditIds: [...applied.auditIds],
    requests: applied.requests,
    writes: applied.writes,
    notes: policy.notes,
    context: appContextOf(facts),
  };
  const now = deps.apply.now();
  const deferred = applyDeps.dryRun ? [] : deferredRestarts(applied.skipped, approve, now);
  // Nothing changed, nothing is due later and the deadline left nothing: the diagnosis just made is the verification.
  if (applied.applied.length === 0 && deferred.length === 0 && !applied.pending) return result;
  if (deps.verification.mode === "wait" && applied.pending) {
    // The deadline stopped the run: no waiting past it; the next run settles and finishes what was left.
    result.verification = { ...result.verification, outcome: "pending" };
    return result;
  }
  if (facts.app.kind === "job") {
    return verifyJob(result, { deps, facts, auditIds: applied.auditIds, started, now, startDue: deferred });
  }
  if (deps.verification.mode === "wait") return waitForVerification(result, deps, now);
  return scheduleVerification(result, { deps, facts, auditIds: applied.auditIds, deferred, now });
}

/**
 * Restarts the policy lets through but that must wait for a grant to propagate (role-assignment-propagating): the
 * verification makes them once due (followUp), so they count as work to verify. Their due times, later than now.
 */
function deferredRestarts(skipped: SkippedStep[], approve: boolean, now: Date): number[] {
  return skipped
    .filter((s) => !!deferredUntil(s) && sendable(s, approve))
    .map((s) => Date.parse(deferredUntil(s) ?? ""))
    .filter((t) => !Number.isNaN(t) && t > now.getTime());
}

/** The time a step waits for (a restart or, v2, a job's start, while a grant propagates), if any. */
function deferredUntil(step: PlanStep): string | undefined {
  return step.kind === "restart-revision" || step.kind === "start-job-execution" ? step.notBefore : undefined;
}

/** The CLI's way: verify here, polling until the app runs or the verify deadline passes. */
async function waitForVerification(result: FixResult, deps: FixDeps, now: Date): Promise<FixResult> {
  if (deps.verification.mode !== "wait") return result;
  const waited = await waitWithFollowUp(result, deps, now, {});
  // A deferred restart the verification made is applied now, no longer skipped.
  const restarted = new Set(
    waited.applied.flatMap((s) => (s.kind === "restart-revision" && s.result !== "failed" ? [s.revision] : [])),
  );
  result.skipped = result.skipped.filter(
    (s) => !(s.kind === "restart-revision" && s.notBefore && restarted.has(s.revision)),
  );
  return result;
}

/**
 * Polls the verification until it is decided or the verify deadline passes, letting the follow-up make what the fix
 * deferred (a restart, v2 a job's start) once due; what it waited and made goes into the result.
 */
async function waitWithFollowUp(
  result: FixResult,
  deps: FixDeps,
  now: Date,
  job: { since?: string; startAfter?: string; prior?: readonly string[] },
): Promise<VerifyUntilResult> {
  const v = deps.verification;
  if (v.mode !== "wait") throw new Error("waitWithFollowUp needs the CLI's wait mode");
  const followUp = createRestartFollowUp({
    appId: result.appId,
    settings: deps.settings,
    apply: deps.apply,
    trigger: deps.trigger,
  });
  const waited = await verifyUntil(result.appId, {
    readFacts: deps.readFacts,
    diagnose: deps.diagnose,
    now: deps.apply.now,
    sleep: v.sleep,
    deadline: new Date(now.getTime() + v.deadlineMs),
    followUp,
    ...job,
    ...(v.initialDelayMs !== undefined ? { initialDelayMs: v.initialDelayMs } : {}),
    ...(v.maxDelayMs !== undefined ? { maxDelayMs: v.maxDelayMs } : {}),
  });
  result.verification = waited.verification;
  result.auditIds.push(...waited.auditIds);
  result.applied.push(...waited.applied);
  return waited;
}

/** The function app's way: a verification message on the queue, due once every deferred restart is. */
async function scheduleVerification(
  result: FixResult,
  work: { deps: FixDeps; facts: PullFacts; auditIds: readonly string[]; deferred: number[]; now: Date },
): Promise<FixResult> {
  const { deps, facts, deferred, now } = work;
  const v = deps.verification;
  if (v.mode === "wait") return result;
  const deadline = new Date(now.getTime() + v.deadlineMinutes * 60_000);
  const dueIn = deferred.length > 0 ? Math.ceil((Math.max(...deferred) - now.getTime()) / 1000) : 0;
  const delaySeconds = Math.max(v.delaySeconds, dueIn);
  const { revision } = revisionStateOf(facts);
  const message: VerificationMessage = {
    appId: result.appId,
    revision,
    attempt: 1,
    deadline: deadline.toISOString(),
    trigger: deps.trigger,
    auditIds: [...work.auditIds],
    restartsDone: [],
  };
  const messageId = await v.scheduler.schedule(message, delaySeconds);
  result.verification = {
    outcome: "pending",
    revision,
    state: result.verification.state,
    remaining: result.verification.remaining,
    scheduled: { messageId, delaySeconds, deadline: deadline.toISOString() },
  };
  return result;
}

/**
 * v2, a job (pull-path.md "Workloads: apps and jobs"): nothing is restarted and no revision is waited for. The
 * verification is a fresh diagnosis after the writes; then the next execution is followed up. The CLI (wait) follows
 * the execution PullGuard started, if it started one, until it ends or the deadline passes. The function app
 * (schedule) reports the fresh diagnosis and puts a follow-up on the queue, due after the job's next run
 * (jobFollowUpDelaySeconds), which judges the executions since the fix and, when one failed, diagnoses again.
 */
async function verifyJob(
  result: FixResult,
  work: { deps: FixDeps; facts: PullFacts; auditIds: readonly string[]; started: Date; now: Date; startDue: number[] },
): Promise<FixResult> {
  const { deps, now, startDue } = work;
  const v = deps.verification;
  const startedExecution = result.applied.some((s) => s.kind === "start-job-execution" && s.result === "done");
  // The execution PullGuard started, or will start once its grants propagated (`startDue`, made by a follow-up), goes
  // out after the fix began: count executions from then.
  const fixedAt = (startedExecution || startDue.length > 0 ? work.started : now).toISOString();
  const startAfter = startDue.length > 0 ? new Date(Math.max(...startDue)).toISOString() : null;
  // The executions this fix's read listed: never runs since the fix, whatever ARM's clock dated them.
  const prior = priorExecutionNames(work.facts, fixedAt);
  if (v.mode === "wait") {
    if (!startedExecution && startDue.length === 0) {
      result.verification = publicPart(await verifyOnce(result.appId, deps));
      return result;
    }
    const waited = await waitWithFollowUp(result, deps, now, {
      since: fixedAt,
      ...(startAfter ? { startAfter } : {}),
      prior,
    });
    // The deferred start the verification made is applied now, no longer skipped.
    if (waited.applied.some((s) => s.kind === "start-job-execution" && s.result !== "failed")) {
      result.skipped = result.skipped.filter((s) => s.kind !== "start-job-execution");
    }
    return result;
  }
  const look = await verifyOnce(result.appId, deps);
  const dueIn = startDue.length > 0 ? Math.ceil((Math.max(...startDue) - now.getTime()) / 1000) : 0;
  const delaySeconds = Math.max(
    dueIn,
    jobFollowUpDelaySeconds(look.facts, now, { startedExecution, verifyDelaySeconds: v.delaySeconds }),
  );
  const deadline = new Date(now.getTime() + delaySeconds * 1000 + v.deadlineMinutes * 60_000);
  const message: VerificationMessage = {
    appId: result.appId,
    revision: null,
    attempt: 1,
    deadline: deadline.toISOString(),
    trigger: deps.trigger,
    auditIds: [...work.auditIds],
    restartsDone: [],
    fixedAt,
    ...(startAfter ? { startAfter } : {}),
    ...(prior.length > 0 ? { priorExecutions: prior } : {}),
  };
  const messageId = await v.scheduler.schedule(message, delaySeconds);
  result.verification = {
    ...publicPart(look),
    scheduled: { messageId, delaySeconds, deadline: deadline.toISOString() },
  };
  return result;
}
