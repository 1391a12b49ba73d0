/**
 * v2: which jobs a sweep looks at closely. The job list shows no execution state, so a job is a candidate when its
 * provisioningState is Failed (`looksUnhealthy`, app-summary.ts), or when it could have run since the sweep looked last
 * and its newest finished execution Failed. "Could have run":
 *   - a Schedule job whose cron fired within the lookback window (cron.ts `previousCronTime`), or whose cron
 *     PullGuard cannot read (better one read too many than a broken job missed);
 *   - an Event job, always (its runs follow a queue, not a clock);
 *   - a Manual job, always (the `jobs/start/action` event of its last start may have been lost).
 * For those the sweep reads the executions, one request per job (job-executions.ts), so the cost stays constant per
 * workload. A failed run that PullGuard already answered with a change of its own is left to the follow-up that change
 * queued (`failureAnswered`). Pure: the caller passes the clock's time.
 *
 *   jobSweepLook({ kind: "job", trigger: { type: "Schedule", cronExpression: "0 2 * * *" }, ... },
 *                new Date("2026-12-07T02:10:00Z"), 3_600_000)            → "read-executions"
 *   ... at 2026-12-07T09:00:00Z                                          → "skip"
 */
import type { AppSummary } from "./app-summary.js";
import { looksUnhealthy } from "./app-summary.js";
import { previousCronTime } from "./cron.js";
import type { JobExecutionFacts } from "./facts.js";

export type JobSweepLook = "fix" | "read-executions" | "skip";

const MINUTE_MS = 60_000;
/** The floor of the lookback window: 1 hour, four times the default sweep interval (`0 *\/15 * * * *`). */
export const MIN_JOB_LOOKBACK_MS = 60 * MINUTE_MS;

/**
 * How far back a sweep looks for a scheduled job's run: twice the interval between the sweep's own last two fire
 * times (so a sweep that was skipped or late leaves no gap), at least MIN_JOB_LOOKBACK_MS. The sweep's schedule is
 * PULLGUARD_SWEEP_SCHEDULE, an NCRONTAB expression with six fields (seconds first, config.ts); its last five are a
 * five-field cron. A schedule cron.ts cannot read gets the floor.
 *
 *   sweepLookbackMs("0 *\/15 * * * *", now) → 3_600_000 (the floor: 2 × 15 minutes is less)
 *   sweepLookbackMs("0 0 *\/6 * * *", now)  → 43_200_000 (2 × 6 hours)
 */
export function sweepLookbackMs(sweepSchedule: string, now: Date): number {
  const fields = sweepSchedule.trim().split(/\s+/);
  const cron = (fields.length === 6 ? fields.slice(1) : fields).join(" ");
  const last = previousCronTime(cron, now);
  const before = last ? previousCronTime(cron, last) : null;
  if (!last || !before) return MIN_JOB_LOOKBACK_MS;
  return Math.max(MIN_JOB_LOOKBACK_MS, 2 * (last.getTime() - before.getTime()));
}

const lower = (s: string | null | undefined) => (s ?? "").toLowerCase();

/** What a sweep does about a job from its summary alone; an app (kind "app") is never a job candidate: "skip". */
export function jobSweepLook(job: AppSummary, now: Date, lookbackMs: number): JobSweepLook {
  if (job.kind !== "job") return "skip";
  if (looksUnhealthy(job)) return "fix";
  const type = lower(job.trigger?.type);
  if (type !== "schedule") return "read-executions";
  const cron = job.trigger?.cronExpression;
  const fired = cron ? previousCronTime(cron, now) : null;
  if (!fired) return "read-executions";
  return now.getTime() - fired.getTime() <= lookbackMs ? "read-executions" : "skip";
}

/** Statuses of an execution still under way (pull-path.md v2): it has no outcome yet. */
const UNDER_WAY = new Set(["running", "processing"]);

/**
 * Whether the job's newest finished execution Failed (the executions newest first, as job-executions.ts returns
 * them). Executions still Running or Processing are passed over: a job that runs every minute always has one under
 * way. Only Failed counts (Stopped is a person's doing; Degraded and Unknown are not read as a pull failure: an
 * assumption, the statuses are listed in the REST spec's JobExecution without their meaning).
 */
export function newestExecutionFailed(executions: readonly JobExecutionFacts[]): boolean {
  return lower(newestFinished(executions)?.status) === "failed";
}

const newestFinished = (executions: readonly JobExecutionFacts[]) =>
  executions.find((e) => !UNDER_WAY.has(lower(e.status)));

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
  const started = Date.parse(newestFinished(executions)?.startTime ?? "");
  if (Number.isNaN(started)) return false;
  return changes.some((c) => c.outcome === "done" && Date.parse(c.time) >= started);
}
