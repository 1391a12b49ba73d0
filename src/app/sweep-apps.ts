/**
 * The timer sweep: one cheap list of workloads per watched subscription (v2: its container apps and its jobs), then
 * a fix of each that looks unhealthy, a few at a time, all in one run that shares its reads:
 *   - an app or a job whose last deployment failed, or an app whose latest revision never became ready
 *     (app-summary.ts `looksUnhealthy`);
 *   - a job that could have run since it was last looked at and whose newest finished execution Failed
 *     (job-sweep.ts: a scheduled run within the lookback window, or the job's turn, once per 2 hours): its
 *     executions are read once (one request per such job) and kept in the run's shared reads, so its diagnosis
 *     does not list them again; unless PullGuard already answered that run with a change (its audit rows, read for
 *     such a job only): the follow-up that change queued judges the next run.
 */
import { type AppSummary, looksUnhealthy } from "../core/app-summary.js";
import { isFound } from "../core/facts.js";
import { failureAnswered, jobSweepLook, newestExecutionFailed, sweepWindow } from "../core/job-sweep.js";
import type { Logger } from "../shared/logger.js";
import type { FlowContext, FlowDeps } from "./flow-deps.js";
import { mapBounded } from "./map-bounded.js";
import type { AppOutcome, SweepOutcome } from "./outcomes.js";
import type { Trigger } from "./trigger.js";

/** Apps a sweep handles at once (each request that gets a 429 waits out its Retry-After in the SDK's retry policy). */
const SWEEP_CONCURRENCY = 4;

export async function sweepApps(ctx: FlowContext, trigger: Trigger, log: Logger): Promise<SweepOutcome> {
  const { deps } = ctx;
  const inRun = deps.inRun ?? (<T>(work: () => Promise<T>) => work());
  const { value, armRequests } = await deps.countArmRequests(() =>
    inRun(async () => {
      const apps = (await Promise.all([...ctx.watched].map((s) => deps.listApps(s)))).flat();
      const handled: AppOutcome[] = await mapBounded(
        await sweepCandidates(deps, apps, log),
        SWEEP_CONCURRENCY,
        async (app) => (await ctx.fixAndNotify(app.id, trigger, log)).outcome,
      );
      return { apps: apps.length, handled };
    }),
  );
  return {
    apps: value.apps,
    broken: value.handled.filter((h) => h.verdict === "broken").length,
    handled: value.handled,
    armRequests,
  };
}

/** The workloads to fix, in list order: the unhealthy ones, and the jobs whose newest finished execution failed. */
async function sweepCandidates(deps: FlowDeps, workloads: AppSummary[], log: Logger): Promise<AppSummary[]> {
  const now = deps.now();
  const window = sweepWindow(deps.settings.sweepSchedule, now);
  const chosen = await mapBounded(workloads, SWEEP_CONCURRENCY, async (w): Promise<boolean> => {
    if (w.kind !== "job") return looksUnhealthy(w);
    const look = jobSweepLook(w, now, window);
    if (look !== "read-executions") return look === "fix";
    try {
      const executions = await deps.recentExecutions(w.id);
      if (isFound(executions)) {
        if (!newestExecutionFailed(executions.items)) return false;
        return !failureAnswered(executions.items, await deps.apply.audit.list(w.id));
      }
      if (!executions.readable) {
        log.warn(
          `sweep: the executions of job ${w.id} could not be read (${executions.message}); diagnosing it instead`,
        );
        return true;
      }
      return false; // the job is gone since the list
    } catch (error) {
      // A transient failure (of the executions or the audit rows): the diagnosis reads them again and says what it
      // could not read.
      log.warn(
        `sweep: the executions of job ${w.id} or its audit rows could not be read (${String(error)}); diagnosing it instead`,
      );
      return true;
    }
  });
  return workloads.filter((_, i) => chosen[i]);
}
