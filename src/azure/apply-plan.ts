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

import { assertAllowed, ForbiddenChangeError } from "../core/forbidden.js";
import type { PlanStep } from "../core/plan-step.js";
import { isAllowed } from "../core/policy.js";
import { followsFixes, moduleOf } from "../core/steps/index.js";
import { stepDependencies } from "../core/steps/order.js";
import { type ArmRequest, type ArmTransport, isTransient } from "./arm-transport.js";
import type { AuditLog, ChangeOutcome, ChangeTrigger } from "./audit-log.js";
import type { ChangeBudget } from "./change-budget.js";
import { describeError, type Prepared, type PreparedWrite, StepRunner } from "./step-runner.js";

export interface ApplyDeps {
  /** ARM through an SDK client's pipeline (armTransportFrom). */
  arm: ArmTransport;
  now: () => Date;
  /** Waits between long-running-operation polls. Default: real time. */
  sleep?: (ms: number) => Promise<void>;
  budget: ChangeBudget;
  audit: AuditLog;
  trigger: ChangeTrigger;
  dryRun: boolean;
  /** Defense in depth: a step whose target is outside these scopes is never sent, whatever its decision. */
  allowedScopes?: readonly string[];
  /** Apply `needs-approval` steps too (a person approved them). Default false. */
  approveNeedsApproval?: boolean;
}

export type AppliedStep = PlanStep & {
  result: ChangeOutcome;
  error?: string;
  auditId?: string;
};

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
}

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
  outcome: ChangeOutcome;
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

/** A step that is not sent: show the exact request it would send (reads only, no write). */
async function showOnly(run: Run, index: number, planned: PlanStep, step: PlanStep): Promise<void> {
  const dryRunOfSendable = run.deps.dryRun && mayBeSent(planned, { ...run.deps, dryRun: false });
  let why = dryRunOfSendable ? "dry run: nothing sent" : (planned.why ?? planned.decision);
  try {
    const prepared = await run.runner.preview(step);
    if (prepared.kind === "write") {
      assertAllowed(prepared.step, { ...prepared.request, before: prepared.before });
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

/** Checks, charges and sends a prepared write; records its outcome. */
async function write(run: Run, index: number, prepared: PreparedWrite, sending: { sent: boolean }): Promise<void> {
  assertAllowed(prepared.step, { ...prepared.request, before: prepared.before });
  if (!(await run.deps.budget.tryConsume(run.deps.now()))) {
    run.budgetExhausted = true;
    run.result.requests.push(recorded(index, prepared.request, false, "change budget exhausted"));
    skip(run, index, prepared.step, "change budget exhausted", "blocked");
    return;
  }
  run.result.requests.push(recorded(index, prepared.request, true));
  run.result.writes++;
  sending.sent = true;
  const sent = await run.runner.send(prepared);
  const step = run.runner.resolve(prepared.step);
  const auditId = await audit(run, step, { ...sent, before: prepared.before, request: prepared.request });
  run.status[index] = sent.outcome;
  if (sent.outcome === "done") run.changed = true;
  run.result.applied.push({ ...step, result: sent.outcome, ...(sent.error ? { error: sent.error } : {}), auditId });
}

/** A step that failed: a transient failure before any change is rethrown (a retry of all is safe), else recorded. */
async function failed(
  run: Run,
  index: number,
  step: PlanStep,
  prepared: Prepared | null,
  sent: boolean,
  error: unknown,
): Promise<void> {
  const request = prepared?.kind === "write" ? prepared.request : null;
  if (isTransient(error) && !run.changed) {
    // The write went out and may have taken effect (e.g. only its operation's polls failed): audit it before the
    // retry, so that no change ARM accepted is missing from the audit table.
    if (sent && prepared?.kind === "write") {
      const outcome = `outcome unknown: ${describeError(step, error)}`;
      await audit(run, prepared.step, {
        outcome: "failed",
        before: prepared.before,
        after: null,
        request,
        error: outcome,
      });
    }
    throw new TransientApplyError(describeError(step, error), error);
  }
  const message = error instanceof ForbiddenChangeError ? error.message : describeError(step, error);
  const failedStep = prepared?.kind === "write" ? prepared.step : step;
  const before = prepared && prepared.kind !== "unbuildable" ? prepared.before : null;
  const auditId = await audit(run, failedStep, { outcome: "failed", before, after: null, request, error: message });
  run.status[index] = "failed";
  run.result.applied.push({ ...failedStep, result: "failed", error: message, auditId });
}

async function applyStep(run: Run, index: number, step: PlanStep): Promise<void> {
  let prepared: Prepared | null = null;
  /** Set once this step's write is on its way: from then on ARM may have applied it, whatever happens next. */
  const sending = { sent: false };
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
    await failed(run, index, step, prepared, sending.sent, error);
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
    runner: new StepRunner(deps.arm, sleep),
    result: { applied: [], skipped: [], auditIds: [], requests: [], writes: 0 },
    status: [],
    budgetExhausted: false,
    changed: false,
  };
  for (const [index, planned] of plan.entries()) {
    const step = run.runner.resolve(planned);
    if (!mayBeSent(planned, deps)) {
      await showOnly(run, index, planned, step);
      continue;
    }
    const closed = closedGate(run, index, step);
    if (closed) skip(run, index, step, closed, "blocked");
    else await applyStep(run, index, step);
  }
  return run.result;
}
