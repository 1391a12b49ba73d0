/**
 * The jobs of a generated bench world (world.ts): one Container Apps job (`Microsoft.App/jobs`) per JOBS_EVERY apps,
 * job j living beside app 10·j + 4 (its subscription, team group, environment and registry), each with its recent
 * executions given in the world (`Microsoft.App/jobs/executions`, spec/world.md v2). The world's `now` is fixed
 * (BENCH_NOW), so which crons fired inside the sweep's lookback window is the same in every run: at 09:30 UTC with
 * the default sweep schedule (every 15 minutes) the window is the hour before (job-sweep.ts `sweepLookbackMs`).
 *
 * The mix, by j % 10 (realistic for a fleet: mostly nightly batch, some hourly, some started by hand or by a queue):
 *   0–4  Schedule, daily   `m h * * *` (hour and minute spread by j): three runs given, all Succeeded
 *   5–6  Schedule, hourly  `m * * * *`: three runs given, all Succeeded
 *   7–8  Manual: two runs given (days ago), Succeeded
 *   9    Event: three runs given (the last hours), Succeeded
 *
 * Planted broken jobs, at the apps' rate (one in 50), each with a fault planted like an app's (world.ts) so that its
 * diagnosis finds it, and always a daily Schedule job:
 *   j % 50 === BROKEN_JOB_OFFSET  `5 9 * * *`: its run of 09:05 today, inside the lookback, Failed (the one before
 *                                 Succeeded): the sweep must read its executions and diagnose it;
 *   j % 50 === STALE_JOB_OFFSET   `0 2 * * *`: its run of 02:00 today Failed, older than the lookback: the sweep
 *                                 must NOT read it closely (no executions list, no diagnosis); the next run will say.
 */
import { previousCronTime } from "../../src/core/cron.js";

export const JOBS_EVERY = 10;
/** The job sits beside this app of its block of ten: its subscription, group, environment and registry. */
export const JOB_APP_OFFSET = 4;
export const BROKEN_JOB_EVERY = 50;
export const BROKEN_JOB_OFFSET = 3;
export const STALE_JOB_OFFSET = 8;
/** The generated worlds' `now` (and the bench flow's clock): a sweep of 09:30 UTC. */
export const BENCH_NOW = "2026-12-07T09:30:00Z";

export type JobTriggerKind = "daily" | "hourly" | "Manual" | "Event";

export interface JobPlan {
  index: number;
  name: string;
  trigger: JobTriggerKind;
  cronExpression: string | null;
  /** "recent": its run inside the lookback Failed; "stale": its failed run is older than the lookback. */
  planted: "recent" | "stale" | null;
}

export function jobPlan(j: number): JobPlan {
  const name = `job-${String(j).padStart(4, "0")}`;
  const at = j % BROKEN_JOB_EVERY;
  if (at === BROKEN_JOB_OFFSET)
    return { index: j, name, trigger: "daily", cronExpression: "5 9 * * *", planted: "recent" };
  if (at === STALE_JOB_OFFSET)
    return { index: j, name, trigger: "daily", cronExpression: "0 2 * * *", planted: "stale" };
  const mix = j % 10;
  if (mix <= 4) {
    return { index: j, name, trigger: "daily", cronExpression: `${(j * 7) % 60} ${(j * 5) % 24} * * *`, planted: null };
  }
  if (mix <= 6) return { index: j, name, trigger: "hourly", cronExpression: `${(j * 11) % 60} * * * *`, planted: null };
  return { index: j, name, trigger: mix <= 8 ? "Manual" : "Event", cronExpression: null, planted: null };
}

const HOUR_MS = 3_600_000;

/** The start times of the runs the world gives the job, oldest first, all before `now`. */
function runTimes(plan: JobPlan, now: Date): Date[] {
  if (plan.cronExpression) {
    const times: Date[] = [];
    let before = now;
    for (let k = 0; k < 3; k++) {
      const t = previousCronTime(plan.cronExpression, before);
      if (!t) break;
      times.unshift(t);
      before = t;
    }
    return times;
  }
  const agoHours = plan.trigger === "Manual" ? [72 + plan.index, 24 + plan.index] : [5, 3, 1 + (plan.index % 3) / 4];
  return agoHours.map((h) => new Date(now.getTime() - h * HOUR_MS));
}

/** The executions of the job as world resources: every run Succeeded but a planted job's newest, which Failed. */
export function jobExecutions(
  jobId: string,
  plan: JobPlan,
  now: Date,
  template: Record<string, unknown>,
): Array<Record<string, unknown>> {
  const times = runTimes(plan, now);
  return times.map((start, k) => {
    const failed = plan.planted !== null && k === times.length - 1;
    const name = `${plan.name}-${Math.floor(start.getTime() / 60_000)}`;
    return {
      id: `${jobId}/executions/${name}`,
      name,
      type: "Microsoft.App/jobs/executions",
      properties: {
        status: failed ? "Failed" : "Succeeded",
        startTime: start.toISOString(),
        endTime: new Date(start.getTime() + (failed ? 300_000 : 60_000)).toISOString(),
        template: structuredClone(template),
      },
    };
  });
}

/** The job's `configuration` beside its registries (Jobs.json JobConfiguration; Job_Get.json's shape). */
export function jobTriggerConfiguration(plan: JobPlan): Record<string, unknown> {
  const common = { replicaTimeout: 1800, replicaRetryLimit: 1 };
  if (plan.cronExpression) {
    return {
      ...common,
      triggerType: "Schedule",
      scheduleTriggerConfig: { cronExpression: plan.cronExpression, parallelism: 1, replicaCompletionCount: 1 },
    };
  }
  if (plan.trigger === "Manual") {
    return { ...common, triggerType: "Manual", manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 } };
  }
  return {
    ...common,
    triggerType: "Event",
    eventTriggerConfig: {
      parallelism: 1,
      replicaCompletionCount: 1,
      scale: {
        minExecutions: 0,
        maxExecutions: 10,
        pollingInterval: 30,
        rules: [{ name: "queue", type: "azure-queue", metadata: { queueName: "work", queueLength: "5" } }],
      },
    },
  };
}
