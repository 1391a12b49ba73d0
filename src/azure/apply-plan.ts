/**
 * applyPlan: sends the plan's writes to ARM, step by step, safely.
 *
 * Each step passes its gates first (approval or dry run, change budget, blockers, allowlist, not-before; the named
 * functions below). Then its module (`src/core/steps/<kind>.ts`) runs through `StepRunner`: a fresh read (so the
 * write keeps what is there now, and notices a change already made by a concurrent run), the exact request, the
 * forbidden list, one unit of the change budget, the write through the SDK client's pipeline, the operation, the
 * re-read, and an audit row. A dry run (and every step the policy does not let through) builds the same requests and
 * sends none.
 */

import { assertAllowed, ForbiddenChangeError, type WriteContext } from "../core/forbidden.js";
import type { PlanStep } from "../core/plan-step.js";
import { isAllowed } from "../core/policy.js";
import { followsFixes, moduleOf } from "../core/steps/index.js";
import { stepDependencies } from "../core/steps/order.js";
import type { Confirmation } from "../core/steps/step-module.js";
import { type ArmRequest, type ArmTransport, DeadlineReached, isIdempotent, isTransient } from "./arm-transport.js";
import type { AuditLog, AuditOutcome, ChangeOutcome, ChangeTrigger } from "./audit-log.js";
import type { ChangeBudget } from "./change-budget.js";
import { describeError, type Prepared, type PreparedWrite, StepRunner, WriteOutcomeUnknown } from "./step-runner.js";

export interface ApplyDeps {
  /** ARM through an SDK client's pipeline (armTransportFrom). */
  arm: ArmTransport;
  now: () => Date;
  /** Waits between long-running-operation polls and after Retry-After. Default: real time. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The invocation's deadline (set by the composition root, below the host's functionTimeout): no wait goes past it,
   * no step starts within DEADLINE_MARGIN_MS of it, and what is left is reported `pending` for the verification.
   * Absent: no deadline (unit tests).
   */
  deadline?: Date;
  budget: ChangeBudget;
  audit: AuditLog;
  trigger: ChangeTrigger;
  dryRun: boolean;
  /** Defense in depth: a step whose target is outside these scopes is never sent, whatever its decision. */
  allowedScopes?: readonly string[];
  /** Apply `needs-approval` steps too (a person approved them). Default false. */
  approveNeedsApproval?: boolean;
  /**
   * v2: a person switched on starting a manual job's execution after its fix (PULLGUARD_START_JOBS_AFTER_FIX). The
   * forbidden list refuses any start without it, whatever the plan says. Default false.
   */
  startJobsAfterFix?: boolean;
}

export type AppliedStep = PlanStep & {
  result: ChangeOutcome;
  error?: string;
  auditId?: string;
  /** v2, a start-job-execution step that went out: the name of the execution ARM started, when its answer gave one. */
  execution?: string;
};

/** The execution a start's confirmation names (start-job-execution.ts `confirm`), for the fix's notification. */
function startedExecution(step: PlanStep, after: unknown): { execution?: string } {
  if (step.kind !== "start-job-execution" || typeof after !== "object" || after === null) return {};
  const name = (after as { execution?: unknown }).execution;
  return typeof name === "string" && name.length > 0 ? { execution: name } : {};
}

export type SkippedStep = PlanStep & { why: string };

export interface RecordedRequest {
  /** Index of the step in the plan. */
  step: number;
  method: string;
  url: string;
  body: unknown;
  /** Whether it went out (false: dry run, report-only, needs approval, budget). */
  sent: boolean;
  /** When the request could not be built exactly (e.g. the resource could not be read). */
  note?: string;
}

export interface ApplyResult {
  applied: AppliedStep[];
  skipped: SkippedStep[];
  auditIds: string[];
  requests: RecordedRequest[];
  /** Write requests sent. */
  writes: number;
  /** True when the deadline stopped the run: steps were left (skipped, `deadline`) or an operation was still running. */
  pending: boolean;
}

/** No step starts when less than this is left before the deadline (a step is reads, a write and audit rows). */
export const DEADLINE_MARGIN_MS = 30_000;

/** Thrown (instead of recording a failure) when a transient error hit before any write: retrying all is safe. */
export class TransientApplyError extends Error {
  override name = "TransientApplyError";
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

type Status = "done" | "already-in-place" | "failed" | "blocked" | "not-approved";

/** Everything applyPlan remembers while it goes through one plan. */
interface Run {
  plan: readonly PlanStep[];
  appId: string;
  deps: ApplyDeps;
  runner: StepRunner;
  result: ApplyResult;
  status: Status[];
  budgetExhausted: boolean;
  /** Whether a write has taken effect: until then a transient failure is rethrown, as a retry of all is safe. */
  changed: boolean;
}

function recorded(index: number, request: ArmRequest, sent: boolean, note?: string): RecordedRequest {
  return {
    step: index,
    method: request.method,
    url: request.url,
    body: request.body ?? null,
    sent,
    ...(note ? { note } : {}),
  };
}

function skip(run: Run, index: number, step: PlanStep, why: string, state: Status): void {
  run.status[index] = state;
  run.result.skipped.push({ ...step, why });
}

interface AuditFacts {
  outcome: AuditOutcome;
  before: unknown;
  after: unknown;
  request: ArmRequest | null;
  error?: string;
}

async function audit(run: Run, step: PlanStep, facts: AuditFacts): Promise<string> {
  const id = await run.deps.audit.record({
    appId: run.appId,
    step,
    before: moduleOf(step).auditBefore(facts.before),
    after: facts.after,
    trigger: run.deps.trigger,
    time: run.deps.now(),
    outcome: facts.outcome,
    ...(facts.error ? { error: facts.error } : {}),
    request: facts.request ? { method: facts.request.method, url: facts.request.url } : null,
  });
  run.result.auditIds.push(id);
  return id;
}

// ---- Gates: each returns why the step may not be sent now, or null. ----

/** Approval or dry run: only `apply` steps (and approved `needs-approval` ones) are sent, and none in a dry run. */
function mayBeSent(step: PlanStep, deps: ApplyDeps): boolean {
  const sendable =
    step.decision === "apply" || (step.decision === "needs-approval" && deps.approveNeedsApproval === true);
  return sendable && !deps.dryRun;
}

function budgetGate(run: Run): string | null {
  return run.budgetExhausted ? "change budget exhausted" : null;
}

/** A failed or blocked step blocks what depends on it (a step the policy held back does not block a restart). */
function blockersGate(run: Run, index: number, step: PlanStep): string | null {
  const blockers = stepDependencies(run.plan, index).filter((d) => {
    const s = run.status[d];
    return s === "failed" || s === "blocked" || (!followsFixes(step) && s === "not-approved");
  });
  const first = blockers[0];
  if (first === undefined) return null;
  const what = run.status[first] === "failed" ? "failed" : "was not applied";
  return `depends on ${run.plan[first]?.kind ?? "an earlier step"}, which ${what}`;
}

function allowlistGate(run: Run, step: PlanStep): string | null {
  const scopes = run.deps.allowedScopes;
  if (!scopes || isAllowed({ allowedScopes: [...scopes] }, step.target)) return null;
  return `outside the allowlist: ${step.target}`;
}

function notBeforeGate(run: Run, step: PlanStep): string | null {
  const notBefore = moduleOf(step).notBefore?.(step);
  if (!notBefore || Date.parse(notBefore) <= run.deps.now().getTime()) return null;
  return `not before ${notBefore}: a new role assignment can take up to 10 minutes to work`;
}

function closedGate(run: Run, index: number, step: PlanStep): string | null {
  return budgetGate(run) ?? blockersGate(run, index, step) ?? allowlistGate(run, step) ?? notBeforeGate(run, step);
}

// ---- The step's lifecycle. ----

function writeContext(run: Run): WriteContext {
  return { startJobsAfterFix: run.deps.startJobsAfterFix === true };
}

/** A step that is not sent: show the exact request it would send (reads only, no write). */
async function showOnly(run: Run, index: number, planned: PlanStep, step: PlanStep): Promise<void> {
  const dryRunOfSendable = run.deps.dryRun && mayBeSent(planned, { ...run.deps, dryRun: false });
  let why = dryRunOfSendable ? "dry run: nothing sent" : (planned.why ?? planned.decision);
  try {
    const prepared = await run.runner.preview(step);
    if (prepared.kind === "write") {
      assertAllowed(prepared.step, { ...prepared.request, before: prepared.before }, writeContext(run));
      run.result.requests.push(recorded(index, prepared.request, false));
    } else if (prepared.kind === "unbuildable") {
      run.result.requests.push(recorded(index, prepared.request, false, prepared.note));
    } else {
      why = `${why} (already in place: nothing would be sent)`;
    }
  } catch (error) {
    if (error instanceof ForbiddenChangeError) why = `${why}; ${error.message}`;
    else why = `${why}; the request could not be built: ${describeError(step, error)}`;
  }
  skip(run, index, step, why, dryRunOfSendable ? "done" : "not-approved");
}

/** A write on its way: its intended audit row and when it went out (set once it may have reached ARM). */
interface Sending {
  auditId: string;
  at: string;
}

/** The write-ahead row: the intent, before anything is sent. */
async function intend(run: Run, prepared: PreparedWrite): Promise<Sending> {
  const at = run.deps.now();
  const auditId = await audit(run, prepared.step, {
    outcome: "intended",
    before: prepared.before,
    after: prepared.request.body ?? null,
    request: prepared.request,
  });
  return { auditId, at: at.toISOString() };
}

/** How a sent write ended: the module's confirmation, or `unknown` after a lost reply. */
type Settled = Omit<Confirmation, "outcome"> & { outcome: Confirmation["outcome"] | "unknown" };

/** Records a write's outcome on its intended row and in the result. */
async function settled(run: Run, index: number, sending: Sending, step: PlanStep, outcome: Settled) {
  const { auditId } = sending;
  const settlement = { ...outcome, time: run.deps.now() };
  await run.deps.audit.settle(run.appId, auditId, settlement);
  const result: ChangeOutcome = outcome.outcome === "unknown" ? "failed" : outcome.outcome;
  run.status[index] = result;
  if (result === "done") run.changed = true;
  const error = outcome.error ? { error: outcome.error } : {};
  run.result.applied.push({ ...step, result, ...error, auditId, ...startedExecution(step, outcome.after) });
}

/** Checks, charges and sends a prepared write; records its outcome. */
async function write(run: Run, index: number, prepared: PreparedWrite, sending: { now?: Sending }): Promise<void> {
  assertAllowed(prepared.step, { ...prepared.request, before: prepared.before }, writeContext(run));
  // Charged before sending (the cross-instance cap holds: change-budget.ts), given back below when nothing changed.
  const chargedAt = run.deps.now();
  if (!(await run.deps.budget.tryConsume(chargedAt))) {
    run.budgetExhausted = true;
    run.result.requests.push(recorded(index, prepared.request, false, "change budget exhausted"));
    skip(run, index, prepared.step, "change budget exhausted", "blocked");
    return;
  }
  sending.now = await intend(run, prepared);
  run.result.requests.push(recorded(index, prepared.request, true));
  run.result.writes++;
  const sent = await run.runner.send(prepared);
  await settled(run, index, sending.now, run.runner.resolve(prepared.step), sent);
  if (sent.outcome === "already-in-place") await run.deps.budget.refund(chargedAt);
}

/**
 * A write whose reply was lost: re-read to learn whether it took effect, never send it again. Not applied and
 * idempotent: a transient failure like any other (retrying all is safe). Unknown: recorded as such; for a write that
 * is not idempotent (a restart) nothing retries it.
 */
async function settleLost(
  run: Run,
  index: number,
  prepared: PreparedWrite,
  sending: Sending,
  lost: WriteOutcomeUnknown,
) {
  const learned = await run.runner.settle(prepared.step, { before: prepared.before, at: sending.at });
  const step = run.runner.resolve(prepared.step);
  if (learned.effect === "applied") {
    const note = `the reply was lost; the re-read shows the change in place (${lost.message})`;
    return settled(run, index, sending, step, { ...learned.confirmation, error: note });
  }
  const idempotent = isIdempotent(prepared.request.method);
  if (learned.effect === "unknown") {
    const error = idempotent
      ? `outcome unknown: ${describeError(step, lost.cause)}`
      : `outcome unknown: ${lost.message}; the re-read cannot tell whether it took effect, and PullGuard never sends it twice: check ${step.target} before you repeat it`;
    if (idempotent && isTransient(lost.cause) && !run.changed)
      return settleAndRetry(run, step, sending, "unknown", error, lost);
    return settled(run, index, sending, step, { outcome: "unknown", after: null, error });
  }
  const error = `not applied: ${describeError(step, lost.cause)}`;
  if (isTransient(lost.cause) && !run.changed) return settleAndRetry(run, step, sending, "failed", error, lost);
  return settled(run, index, sending, step, { outcome: "failed", after: null, error });
}

/** A lost write, transient, before anything changed: its intended row gets `outcome`, and the whole apply is retried. */
async function settleAndRetry(
  run: Run,
  step: PlanStep,
  sending: Sending,
  outcome: "unknown" | "failed",
  error: string,
  lost: WriteOutcomeUnknown,
): Promise<never> {
  await run.deps.audit.settle(run.appId, sending.auditId, { outcome, after: null, error, time: run.deps.now() });
  throw new TransientApplyError(describeError(step, lost.cause), lost.cause);
}

/** A step that failed: a transient failure before any change is rethrown (a retry of all is safe), else recorded. */
async function failed(
  run: Run,
  index: number,
  step: PlanStep,
  prepared: Prepared | null,
  sending: Sending | undefined,
  error: unknown,
): Promise<void> {
  if (error instanceof WriteOutcomeUnknown && sending && prepared?.kind === "write") {
    return settleLost(run, index, prepared, sending, error);
  }
  if (error instanceof DeadlineReached && sending) return leftAtDeadline(run, index, step, sending, error);
  const message = error instanceof ForbiddenChangeError ? error.message : describeError(step, error);
  if (sending) {
    // ARM answered and refused the write (or its operation failed): the intended row says so.
    const time = run.deps.now();
    await run.deps.audit.settle(run.appId, sending.auditId, { outcome: "failed", after: null, error: message, time });
    if (isTransient(error) && !run.changed) throw new TransientApplyError(describeError(step, error), error);
    run.status[index] = "failed";
    const failedStep = prepared?.kind === "write" ? prepared.step : step;
    run.result.applied.push({ ...failedStep, result: "failed", error: message, auditId: sending.auditId });
    return;
  }
  if (isTransient(error) && !run.changed) throw new TransientApplyError(describeError(step, error), error);
  const failedStep = prepared?.kind === "write" ? prepared.step : step;
  const before = prepared && prepared.kind !== "unbuildable" ? prepared.before : null;
  const request = prepared?.kind === "write" ? prepared.request : null;
  const auditId = await audit(run, failedStep, { outcome: "failed", before, after: null, request, error: message });
  run.status[index] = "failed";
  run.result.applied.push({ ...failedStep, result: "failed", error: message, auditId });
}

/**
 * The deadline came while the write's operation ran (outcome `unknown` until a re-read: the next apply of the app
 * settles it, settleLeftovers) or while it was throttled (not applied: `failed`, sent again by the next run). Either
 * way the step is left to the verification and the run reports `pending`.
 */
async function leftAtDeadline(run: Run, index: number, step: PlanStep, sending: Sending, error: DeadlineReached) {
  const outcome = error.mayHaveApplied ? "unknown" : "failed";
  await run.deps.audit.settle(run.appId, sending.auditId, {
    outcome,
    after: null,
    error: error.message,
    time: run.deps.now(),
  });
  if (error.mayHaveApplied) run.changed = true;
  run.result.pending = true;
  skip(run, index, step, `deadline: ${error.message}`, "blocked");
}

/** Whether the deadline is too near for another step to start. */
function deadlineNear(run: Run): boolean {
  const deadline = run.deps.deadline;
  return !!deadline && deadline.getTime() - run.deps.now().getTime() <= DEADLINE_MARGIN_MS;
}

async function applyStep(run: Run, index: number, step: PlanStep): Promise<void> {
  let prepared: Prepared | null = null;
  /** Set once this step's write is on its way: from then on ARM may have applied it, whatever happens next. */
  const sending: { now?: Sending } = {};
  try {
    prepared = await run.runner.prepare(step);
    if (prepared.kind === "unbuildable") throw new Error(prepared.note);
    if (prepared.kind === "write") return await write(run, index, prepared, sending);
    const { before } = prepared;
    const auditId = await audit(run, step, {
      outcome: "already-in-place",
      before,
      after: prepared.after ?? before,
      request: null,
    });
    run.status[index] = "already-in-place";
    run.result.applied.push({ ...step, result: "already-in-place", auditId });
  } catch (error) {
    await failed(run, index, step, prepared, sending.now, error);
  }
}

/**
 * How old an `intended` row must be before another run settles it: an invocation never outlives the host's
 * functionTimeout (host.json: 10 minutes), so an older row is a write whose invocation ended without settling it. A
 * younger one may belong to a run still in flight, which settles it itself. (A CLI run that stalls longer than this
 * mid-write is the assumption's limit.)
 */
export const LEFTOVER_AGE_MS = 10 * 60 * 1000;

/**
 * Settles the `intended` and `unknown` rows earlier invocations left for this app, from a re-read of ARM (never a
 * write). An `unknown` row the re-read still cannot tell stays as it is.
 */
async function settleLeftovers(run: Run): Promise<void> {
  const now = run.deps.now();
  const rows = await run.deps.audit.list(run.appId);
  for (const row of rows) {
    // `unknown`: settled by a run that ended (a lost reply, the deadline); `intended`: old enough that its run ended.
    const left =
      row.outcome === "unknown" ||
      (row.outcome === "intended" && now.getTime() - Date.parse(row.time) >= LEFTOVER_AGE_MS);
    if (!left) continue;
    const learned = await run.runner.settle(row.step, { before: row.before, at: row.time });
    if (learned.effect === "unknown" && row.outcome === "unknown") continue;
    const why =
      row.outcome === "unknown"
        ? "its outcome was unknown when the run that sent it ended"
        : "the invocation that sent it ended before its outcome was known";
    const settlement =
      learned.effect === "applied"
        ? { ...learned.confirmation, error: `${why}; the re-read shows the change in place` }
        : learned.effect === "not-applied"
          ? { outcome: "failed" as const, after: null, error: `${why}; the re-read shows it did not take effect` }
          : { outcome: "unknown" as const, after: null, error: `${why}; the re-read cannot tell` };
    await run.deps.audit.settle(run.appId, row.id, { ...settlement, time: now });
  }
}

/** Applies the plan (see the module comment). Never throws for a step's failure; rethrows only transient errors
 * that hit before anything was written (then a retry of the whole fix is safe). */
export async function applyPlan(plan: readonly PlanStep[], appId: string, deps: ApplyDeps): Promise<ApplyResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const run: Run = {
    plan,
    appId,
    deps,
    runner: new StepRunner(deps.arm, { sleep, now: deps.now, ...(deps.deadline ? { deadline: deps.deadline } : {}) }),
    result: { applied: [], skipped: [], auditIds: [], requests: [], writes: 0, pending: false },
    status: [],
    budgetExhausted: false,
    changed: false,
  };
  // Not in a dry run: a dry run sends nothing and records nothing. Otherwise even with nothing to send, so the rows an
  // earlier run left unknown are resolved on the next run.
  if (!deps.dryRun) await settleLeftovers(run);
  for (const [index, planned] of plan.entries()) {
    const step = run.runner.resolve(planned);
    if (!mayBeSent(planned, deps)) {
      await showOnly(run, index, planned, step);
      continue;
    }
    if (deadlineNear(run)) {
      run.result.pending = true;
      skip(run, index, step, "deadline: the invocation's deadline is near; left to the verification", "blocked");
      continue;
    }
    const closed = closedGate(run, index, step);
    if (closed) skip(run, index, step, closed, "blocked");
    else await applyStep(run, index, step);
  }
  return run.result;
}
