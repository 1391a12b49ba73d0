/**
 * v2: which jobs a sweep looks at closely. The job list shows no execution state, so a job is a candidate when its
 * provisioningState is Failed (`looksUnhealthy`, app-summary.ts), or when it could have run since the sweep looked last
 * and its newest finished execution Failed. Reading a job's executions costs one request (job-executions.ts), so the
 * sweep reads them only when that can tell something new, keeping its cost per workload constant:
 *   - a Schedule job that runs less often than the lookback window: when its cron fired within the window
 *     (cron.ts `previousCronTime`), so each run is looked at by the sweeps that follow it ("timed");
 *   - every other job (Event: its runs follow a queue; Manual: the `jobs/start/action` event of its last start may
 *     have been lost; a Schedule job that runs at least once per window, so "fired lately" is always true; a cron
 *     PullGuard cannot read): once per JOB_TURN_PERIOD_MS, on its turn. A job's turn is a fixed time within the
 *     period (a hash of its ID), and each sweep takes the turns that fell between its schedule's last two fire times,
 *     so consecutive sweeps share the period out without gaps or overlaps. A pull failure fails every run until it is
 *     fixed, so such a job's newest finished execution stays Failed and the sweep finds it within one period after its
 *     failed run (plus the sweep's own interval, and one more period for each sweep that did not run). The event paths
 *     (the start event, the pull-failure alert) remain the fast signal; this is the backstop.
 * A failed run that PullGuard already answered with a change of its own is left to the follow-up that change queued
 * (`failureAnswered`). Pure: the caller passes the clock's time.
 *
 *   jobSweepLook({ kind: "job", trigger: { type: "Schedule", cronExpression: "0 2 * * *" }, ... },
 *                new Date("2026-12-07T02:10:00Z"), sweepWindow("0 *\/15 * * * *", ...))  → "read-executions"
 *   ... at 2026-12-07T09:00:00Z                                                       → "skip"
 *   a Manual job                                     → "read-executions" at one sweep in eight (every 2 h), else "skip"
 */
import type { AppSummary } from "./app-summary.js";
import { looksUnhealthy } from "./app-summary.js";
import { previousCronTime } from "./cron.js";
import type { JobExecutionFacts } from "./facts.js";
import { executionsPullFailure, isPullFailure, newestEndedExecution } from "./pull-failure.js";

export type JobSweepLook = "fix" | "read-executions" | "skip";

const MINUTE_MS = 60_000;
/** The floor of the lookback window: 1 hour, four times the default sweep interval (`0 *\/15 * * * *`). */
export const MIN_JOB_LOOKBACK_MS = 60 * MINUTE_MS;
/** How often a job whose runs the sweep cannot time has its executions read: every 2 hours (8 default sweeps). */
export const JOB_TURN_PERIOD_MS = 120 * MINUTE_MS;

/** The sweep's five-field cron (PULLGUARD_SWEEP_SCHEDULE has six fields, seconds first: config.ts). */
function sweepCron(sweepSchedule: string): string {
  const fields = sweepSchedule.trim().split(/\s+/);
  return (fields.length === 6 ? fields.slice(1) : fields).join(" ");
}

/**
 * How far back a sweep looks for a scheduled job's run: twice the interval between the sweep's own last two fire
 * times (so a sweep that was skipped or late leaves no gap), at least MIN_JOB_LOOKBACK_MS. A schedule cron.ts cannot
 * read gets the floor.
 *
 *   sweepLookbackMs("0 *\/15 * * * *", now) → 3_600_000 (the floor: 2 × 15 minutes is less)
 *   sweepLookbackMs("0 0 *\/6 * * *", now)  → 43_200_000 (2 × 6 hours)
 */
export function sweepLookbackMs(sweepSchedule: string, now: Date): number {
  const cron = sweepCron(sweepSchedule);
  const last = previousCronTime(cron, now);
  const before = last ? previousCronTime(cron, last) : null;
  if (!last || !before) return MIN_JOB_LOOKBACK_MS;
  return Math.max(MIN_JOB_LOOKBACK_MS, 2 * (last.getTime() - before.getTime()));
}

/** What a sweep at `now` looks back over: the lookback window, and the turns it takes (`turnFrom`, `turnTo`]. */
export interface SweepWindow {
  lookbackMs: number;
  turnFrom: number;
  turnTo: number;
}

/**
 * The sweep's window at `now`: its lookback, and as its turn span the time between its schedule's last fire time at
 * or before `now` and the one before that (the span the previous sweep did not cover). A schedule cron.ts cannot
 * read takes a whole period as its span: every untimed job is read (more reads, none missed).
 *
 *   sweepWindow("0 *\/15 * * * *", new Date("2026-12-07T09:30:04Z"))
 *     → { lookbackMs: 3_600_000, turnFrom: 09:15:00, turnTo: 09:30:00 } (as epoch milliseconds)
 */
export function sweepWindow(sweepSchedule: string, now: Date): SweepWindow {
  const lookbackMs = sweepLookbackMs(sweepSchedule, now);
  const cron = sweepCron(sweepSchedule);
  const last = previousCronTime(cron, new Date(now.getTime() + 1));
  const before = last ? previousCronTime(cron, last) : null;
  if (!last || !before) return { lookbackMs, turnFrom: now.getTime() - JOB_TURN_PERIOD_MS, turnTo: now.getTime() };
  return { lookbackMs, turnFrom: before.getTime(), turnTo: last.getTime() };
}

/** FNV-1a (32 bits) of the lower-cased ID: where in the period the job's turn falls. */
function turnOffset(id: string): number {
  let h = 0x811c9dc5;
  for (const c of id.toLowerCase()) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % JOB_TURN_PERIOD_MS;
}

/** Whether the job's turn (its offset, once per JOB_TURN_PERIOD_MS) fell within (turnFrom, turnTo]. */
export function isJobsTurn(jobId: string, window: SweepWindow): boolean {
  if (window.turnTo - window.turnFrom >= JOB_TURN_PERIOD_MS) return true;
  const offset = turnOffset(jobId);
  const latest = offset + Math.floor((window.turnTo - offset) / JOB_TURN_PERIOD_MS) * JOB_TURN_PERIOD_MS;
  return latest > window.turnFrom;
}

const lower = (s: string | null | undefined) => (s ?? "").toLowerCase();

/** The job's last fire time and the gap to the one before (null: the cron cannot be read or never fired). */
function lastRun(cron: string | null | undefined, now: Date): { at: Date; gapMs: number } | null {
  const at = cron ? previousCronTime(cron, now) : null;
  const before = at && cron ? previousCronTime(cron, at) : null;
  return at && before ? { at, gapMs: at.getTime() - before.getTime() } : null;
}

/** What a sweep does about a job from its summary alone; an app (kind "app") is never a job candidate: "skip". */
export function jobSweepLook(job: AppSummary, now: Date, window: SweepWindow): JobSweepLook {
  if (job.kind !== "job") return "skip";
  if (looksUnhealthy(job)) return "fix";
  const run = lower(job.trigger?.type) === "schedule" ? lastRun(job.trigger?.cronExpression, now) : null;
  if (run && run.gapMs > window.lookbackMs) {
    return now.getTime() - run.at.getTime() <= window.lookbackMs ? "read-executions" : "skip";
  }
  return isJobsTurn(job.id, window) ? "read-executions" : "skip";
}

/**
 * Whether the job's newest ended execution failed its pull, or may have (pull-failure.ts `executionsPullFailure`:
 * executions newest first, as job-executions.ts returns them; one still Running or Processing is passed over). Only
 * the failed statuses of pull-failure-terms.json count (Stopped is a person's doing; Degraded and Unknown are not read
 * as a pull failure: an assumption, the statuses are listed in the REST spec's JobExecution without their meaning).
 */
export function newestExecutionFailed(executions: readonly JobExecutionFacts[]): boolean {
  const failure = executionsPullFailure(executions);
  return failure !== null && isPullFailure(failure.verdict);
}

/**
 * Whether PullGuard already answered the job's newest finished run: a change of its own that ended `done` (an audit
 * row: its time and outcome) at or after that execution started. The fix queued a follow-up that judges the job's
 * next run and diagnoses it again if that run fails too; until a run after the fix fails, a sweep has nothing to do
 * for the job (an app's fixed revision leaves the sweep's list the same way). An execution without a start time is
 * never answered.
 *
 *   failureAnswered([Failed started 02:00], [{ time: "02:14", outcome: "done" }]) → true
 *   failureAnswered([Failed started 02:00], [{ time: "01:30", outcome: "done" }]) → false (a fix before that run)
 */
export function failureAnswered(
  executions: readonly JobExecutionFacts[],
  changes: ReadonlyArray<{ time: string; outcome: string }>,
): boolean {
  const started = Date.parse(newestEndedExecution(executions)?.startTime ?? "");
  if (Number.isNaN(started)) return false;
  return changes.some((c) => c.outcome === "done" && Date.parse(c.time) >= started);
}
