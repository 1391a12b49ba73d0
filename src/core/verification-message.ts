/**
 * The message that schedules a verification (queue `pullguard-verify`): which app to look at again, which revision
 * was restarted, the attempt number, the deadline, the trigger and the audit IDs of the changes being verified.
 * Validated on receipt: a malformed message is dropped with a reason, never half-processed.
 *
 * v2: `appId` may name a job. A job's message carries `fixedAt`, the time from which its executions count (the fix's
 * writes, or the start of the fix when PullGuard started an execution), and is due after the job's next run
 * (jobFollowUpDelaySeconds).
 */
import { z } from "zod";
import { nextCronTime } from "./cron.js";
import { isFound, type PullFacts } from "./facts.js";
import { workloadIdOf } from "./resource-id.js";

/** How many prior execution names a message carries at most (the newest first), so that it stays small. */
export const MAX_PRIOR_EXECUTIONS = 20;
/** A generous bound on an execution's name (ACA names a job's execution `<job>-<suffix>`, the job's name ≤ 32). */
const MAX_EXECUTION_NAME = 260;

/**
 * How far apart PullGuard's clock and ARM's may be: an execution the fix's read listed whose startTime is later than
 * `fixedAt` minus this could be taken for a run since the fix. No page states a bound on ARM's clock skew; five
 * minutes is an assumption (Azure's tokens tolerate five minutes of skew, a common allowance).
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/**
 * v2: the executions the fix's read listed (facts.executions, newest first) that could be confused with a run since
 * `fixedAt` (ISO): a startTime within CLOCK_SKEW_ALLOWANCE_MS before it, after it, or none. At most
 * MAX_PRIOR_EXECUTIONS, the newest. An execution PullGuard starts is not among them: it did not exist at the read.
 *
 * Example: fixed 10:00:00; listed runs started 10:00:03 and 09:58 and 02:00 → the first two.
 */
export function priorExecutionNames(facts: Pick<PullFacts, "executions">, fixedAt: string): string[] {
  const read = facts.executions;
  if (!read || !isFound(read)) return [];
  const from = Date.parse(fixedAt) - CLOCK_SKEW_ALLOWANCE_MS;
  return read.items
    .filter((e) => {
      const started = e.startTime ? Date.parse(e.startTime) : Number.NaN;
      return Number.isNaN(started) || Number.isNaN(from) || started >= from;
    })
    .map((e) => e.name)
    .filter((name) => name.length > 0 && name.length <= MAX_EXECUTION_NAME)
    .slice(0, MAX_PRIOR_EXECUTIONS);
}

const triggerSchema = z.object({
  source: z.string().min(1),
  eventId: z.string().nullable().optional(),
  correlationId: z.string().nullable().optional(),
  caller: z.string().nullable().optional(),
  invocationId: z.string().nullable().optional(),
});

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "an ISO 8601 time" });

export const verificationMessageSchema = z
  .object({
    appId: z.string().refine((id) => workloadIdOf(id) !== null, { message: "a container app or job resource ID" }),
    revision: z.string().nullable(),
    attempt: z.number().int().min(1),
    deadline: isoTime,
    trigger: triggerSchema,
    auditIds: z.array(z.string()),
    /** Follow-up restarts the verification already made (their keys), so that none is repeated. */
    restartsDone: z.array(z.string()).optional(),
    /** v2, a job: executions that started at or after this time (ISO) tell whether the fix worked. */
    fixedAt: isoTime.optional(),
    /**
     * v2, a manual job fixed with PULLGUARD_START_JOBS_AFTER_FIX whose start waited for its grants to propagate: the
     * time from which the follow-up makes that one start (plan.ts `followUpStart`). Absent: the follow-up starts nothing.
     */
    startAfter: isoTime.optional(),
    /**
     * v2, a job: the executions its fix's read already listed that a clock skew could pass off as runs since `fixedAt`
     * (priorExecutionNames): never judged as runs since the fix. Absent: none.
     */
    priorExecutions: z
      .array(z.string().min(1).max(MAX_EXECUTION_NAME))
      .max(MAX_PRIOR_EXECUTIONS, { message: `at most ${MAX_PRIOR_EXECUTIONS} execution names` })
      .optional(),
  })
  .refine((m) => workloadIdOf(m.appId)?.kind !== "job" || m.fixedAt !== undefined, {
    message: "a job's verification needs fixedAt (an ISO 8601 time)",
    path: ["fixedAt"],
  });

export type VerificationMessage = z.infer<typeof verificationMessageSchema>;

export type ParsedVerificationMessage = { ok: true; message: VerificationMessage } | { ok: false; reason: string };

/** Accepts the parsed JSON the queue trigger hands over, or its text (plain or base64). */
export function parseVerificationMessage(input: unknown): ParsedVerificationMessage {
  let value = input;
  if (typeof value === "string") {
    const text = value.trim().startsWith("{") ? value : Buffer.from(value, "base64").toString("utf8");
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return { ok: false, reason: "the message is not JSON (expected a verification object)" };
    }
  }
  const parsed = verificationMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid verification message: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown"}`,
    };
  }
  return { ok: true, message: parsed.data };
}

/** Delay before attempt `attempt` (1-based): `base` doubled each attempt, capped at `maxSeconds`. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds = 900): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}

/**
 * v2: how long after a job's fix its follow-up looks at the job's executions. The first run after the fix is what
 * tells: a Schedule job's next fire time (its five-field UTC cron, cron.ts) plus JOB_RUN_GRACE_SECONDS; a job whose
 * execution PullGuard just started, or any other job (Manual without that start, Event, a cron PullGuard cannot read),
 * the configured verify delay (PULLGUARD_VERIFY_DELAY_SECONDS). A follow-up that finds no decided run yet is
 * rescheduled with backoff until its deadline (finishVerification).
 */
export function jobFollowUpDelaySeconds(
  facts: Pick<PullFacts, "app">,
  fixedAt: Date,
  options: { startedExecution: boolean; verifyDelaySeconds: number },
): number {
  const trigger = facts.app.trigger;
  const scheduled = trigger && trigger.type.toLowerCase() === "schedule" && trigger.cronExpression;
  const next = !options.startedExecution && scheduled ? nextCronTime(trigger.cronExpression ?? "", fixedAt) : null;
  if (!next) return options.verifyDelaySeconds;
  const untilRun = Math.ceil((next.getTime() - fixedAt.getTime()) / 1000);
  return Math.min(JOB_FOLLOW_UP_MAX_SECONDS, Math.max(options.verifyDelaySeconds, untilRun + JOB_RUN_GRACE_SECONDS));
}

/**
 * The longest a follow-up can wait: a queue message's visibility timeout may not exceed 7 days (Azure Queue Storage,
 * Put Message: "visibilitytimeout ... cannot be larger than 7 days"). A job that runs less often is looked at after 7
 * days and, with no run since the fix by its deadline, ends `pending` (nothing to tell yet).
 */
export const JOB_FOLLOW_UP_MAX_SECONDS = 7 * 24 * 60 * 60;

/**
 * How long after a scheduled job's fire time its follow-up looks. An execution pulls its images as it starts, and a
 * pull that fails makes it Failed only after ACA's retries; no Microsoft page says how long that takes, so this is an
 * assumption: five minutes covers the start and the first retries, and a run still undecided then is looked at again
 * with backoff until the verification's deadline.
 */
export const JOB_RUN_GRACE_SECONDS = 300;
