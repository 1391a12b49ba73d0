/**
 * Verification after a fix: re-read the app, re-diagnose, and judge by the revision (core/verification-outcome.ts).
 *
 * - `verifyOnce`: one look.
 * - `verifyUntil`: polls with exponential backoff until resolved, unresolved or the deadline (the CLI; with the
 *   emulator, `now` and `sleep` come from its clock so a run takes seconds).
 * - `finishVerification`: one look per queue message (the function app never holds an invocation open): a pending
 *   outcome re-schedules the message with backoff until the deadline.
 *
 * While a grant propagates, the revision that failed before it stays failed: a follow-up restarts it once the
 * window has passed (the `followUp` hook, see fix-app.ts), once per due time.
 *
 * v2, a job: a look with `since` (the message's `fixedAt`) judges the job's executions since its fix; without, the
 * diagnosis (verification-outcome.ts). Nothing is restarted for a job.
 */
import type { AppliedStep } from "../azure/apply-plan.js";
import type { PullFacts, ReadStats } from "../core/facts.js";
import type { Finding, Verdict } from "../core/finding.js";
import { backoffSeconds, parseVerificationMessage, type VerificationMessage } from "../core/verification-message.js";
import { judgeVerification, type Verification } from "../core/verification-outcome.js";

export interface Diagnosis {
  verdict: Verdict;
  findings: Finding[];
}

export interface VerifyDeps {
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  diagnose(facts: PullFacts): Diagnosis;
}

/** What a follow-up did: the key of a restart it made, its audit IDs, or when a restart becomes due. */
export interface FollowUpResult {
  done?: string;
  auditIds: string[];
  dueAt?: string;
  /** The steps the follow-up applied (with their results), for the fix result's `applied`. */
  applied?: AppliedStep[];
}

export interface FollowUp {
  /**
   * Restarts the failed revision when that is all that is left and it is due; `done` lists keys already made. v2, a
   * job: makes the start its fix deferred while a grant propagated (`job.startAfter`), once due, unless an execution
   * started since the fix (`job.since`).
   */
  restartIfDue(
    facts: PullFacts,
    findings: Finding[],
    done: readonly string[],
    job?: JobFollowUp,
  ): Promise<FollowUpResult>;
}

/**
 * v2: what a job's follow-up knows of its fix: when it was made, when its deferred start is due (if any), and the
 * executions the fix's read listed (never runs since the fix, whatever their startTime: verification-outcome.ts).
 */
export interface JobFollowUp {
  since: string | null;
  startAfter: string | null;
  prior?: readonly string[];
}

export interface VerificationLook extends Verification {
  facts: PullFacts;
  findings: Finding[];
}

/**
 * One fresh read and diagnosis, judged; for a job, by its executions since its fix (`job.since`, less the executions
 * its read listed, `job.prior`) when given (v2).
 */
export async function verifyOnce(
  appId: string,
  deps: VerifyDeps,
  job: { since?: string | null | undefined; prior?: readonly string[] | undefined } = {},
): Promise<VerificationLook> {
  const { facts } = await deps.readFacts(appId);
  const { findings } = deps.diagnose(facts);
  const judged = judgeVerification(facts, findings, { since: job.since ?? null, prior: job.prior ?? [] });
  return { ...judged, facts, findings };
}

export const publicPart = (look: VerificationLook): Verification => ({
  outcome: look.outcome,
  revision: look.revision,
  state: look.state,
  remaining: look.remaining,
  ...(look.execution !== undefined ? { execution: look.execution } : {}),
});

export interface VerifyUntilDeps extends VerifyDeps {
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  deadline: Date;
  followUp?: FollowUp;
  /** First wait between looks (default 2 s), doubled up to `maxDelayMs` (default 60 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** v2, a job whose execution the fix started: judge its executions since this time (ISO). */
  since?: string;
  /** v2, a job whose start the fix deferred while its grants propagate: the follow-up starts it from then (ISO). */
  startAfter?: string;
  /** v2, a job: the executions the fix's read listed, never judged as runs since the fix (priorExecutionNames). */
  prior?: readonly string[];
}

export interface VerifyUntilResult {
  verification: Verification;
  attempts: number;
  /** Audit IDs of follow-up restarts. */
  auditIds: string[];
  /** The follow-up restarts made while waiting. */
  applied: AppliedStep[];
}

export async function verifyUntil(appId: string, deps: VerifyUntilDeps): Promise<VerifyUntilResult> {
  const done: string[] = [];
  const auditIds: string[] = [];
  const applied: AppliedStep[] = [];
  let delay = deps.initialDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    const look = await verifyOnce(appId, deps, { since: deps.since, prior: deps.prior });
    const left = deps.deadline.getTime() - deps.now().getTime();
    if (look.outcome !== "pending" || left <= 0) {
      return { verification: publicPart(look), attempts: attempt, auditIds, applied };
    }
    let wait = delay;
    if (deps.followUp) {
      const follow = await deps.followUp.restartIfDue(look.facts, look.findings, done, {
        since: deps.since ?? null,
        startAfter: deps.startAfter ?? null,
        prior: deps.prior ?? [],
      });
      auditIds.push(...follow.auditIds);
      applied.push(...(follow.applied ?? []));
      if (follow.done) done.push(follow.done);
      if (follow.dueAt) wait = Math.max(wait, Date.parse(follow.dueAt) - deps.now().getTime());
    }
    await deps.sleep(Math.max(0, Math.min(wait, left)));
    delay = Math.min(delay * 2, deps.maxDelayMs ?? 60_000);
  }
}

export interface VerificationScheduling {
  schedule(message: VerificationMessage, delaySeconds: number): Promise<string>;
}

export interface FinishDeps extends VerifyDeps {
  now: () => Date;
  scheduler: VerificationScheduling;
  /** Delay before the second look; doubled each attempt (PULLGUARD_VERIFY_DELAY_SECONDS). */
  baseDelaySeconds: number;
  followUp?: FollowUp;
}

export type FinishResult =
  | { status: "rejected"; reason: string }
  | {
      status: "final";
      appId: string;
      verification: Verification;
      message: VerificationMessage;
      auditIds: string[];
      /** The facts of the last look (who and where, for the follow-up message). */
      facts: PullFacts;
    }
  | {
      status: "rescheduled";
      appId: string;
      verification: Verification;
      message: VerificationMessage;
      delaySeconds: number;
      messageId: string;
      auditIds: string[];
    };

/** Finishes (or re-schedules) a verification from its queue message. Transient read errors propagate (the queue retries). */
export async function finishVerification(input: unknown, deps: FinishDeps): Promise<FinishResult> {
  const parsed = parseVerificationMessage(input);
  if (!parsed.ok) return { status: "rejected", reason: parsed.reason };
  const message = parsed.message;
  const look = await verifyOnce(message.appId, deps, { since: message.fixedAt, prior: message.priorExecutions });
  const verification = publicPart(look);
  const now = deps.now().getTime();
  const deadline = Date.parse(message.deadline);
  const auditIds: string[] = [];
  if (look.outcome !== "pending" || now >= deadline) {
    return { status: "final", appId: message.appId, verification, message, auditIds, facts: look.facts };
  }
  const done = [...(message.restartsDone ?? [])];
  let delaySeconds = backoffSeconds(message.attempt + 1, deps.baseDelaySeconds);
  if (deps.followUp) {
    const follow = await deps.followUp.restartIfDue(look.facts, look.findings, done, {
      since: message.fixedAt ?? null,
      startAfter: message.startAfter ?? null,
      prior: message.priorExecutions ?? [],
    });
    auditIds.push(...follow.auditIds);
    if (follow.done) done.push(follow.done);
    if (follow.dueAt) delaySeconds = Math.max(delaySeconds, Math.ceil((Date.parse(follow.dueAt) - now) / 1000));
  }
  delaySeconds = Math.max(1, Math.min(delaySeconds, Math.ceil((deadline - now) / 1000)));
  const next: VerificationMessage = {
    ...message,
    attempt: message.attempt + 1,
    revision: verification.revision ?? message.revision,
    auditIds: [...message.auditIds, ...auditIds],
    restartsDone: done,
  };
  const messageId = await deps.scheduler.schedule(next, delaySeconds);
  return {
    status: "rescheduled",
    appId: message.appId,
    verification,
    message: next,
    delaySeconds,
    messageId,
    auditIds,
  };
}
