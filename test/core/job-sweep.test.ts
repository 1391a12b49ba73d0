import { describe, expect, it } from "vitest";
import type { AppSummary } from "../../src/core/app-summary.js";
import type { JobExecutionFacts } from "../../src/core/facts.js";
import {
  failureAnswered,
  jobSweepLook,
  MIN_JOB_LOOKBACK_MS,
  newestExecutionFailed,
  sweepLookbackMs,
} from "../../src/core/job-sweep.js";

const HOUR = 3_600_000;
const job = (trigger: AppSummary["trigger"], provisioningState = "Succeeded"): AppSummary => ({
  kind: "job",
  id: "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-batch/providers/Microsoft.App/jobs/nightly-export",
  name: "nightly-export",
  environmentId: null,
  provisioningState,
  latestRevisionName: null,
  latestReadyRevisionName: null,
  trigger,
  registryHosts: ["contosoprod.azurecr.io"],
  identityRefs: [],
  tags: {},
});
const execution = (status: string | null, startTime: string): JobExecutionFacts => ({
  name: `nightly-export-${startTime.slice(11, 13)}`,
  status,
  startTime,
  endTime: null,
});

describe("jobSweepLook: which jobs a sweep reads the executions of", () => {
  const nightly = job({ type: "Schedule", cronExpression: "0 2 * * *" });

  it.each([
    ["10 minutes after its 02:00 run", "2026-12-07T02:10:00Z", "read-executions"],
    ["59 minutes after", "2026-12-07T02:59:00Z", "read-executions"],
    ["just over an hour after", "2026-12-07T03:00:30Z", "skip"],
    ["at 09:00, seven hours after", "2026-12-07T09:00:00Z", "skip"],
  ] as const)("a Schedule job whose cron fired %s: %s", (_when, now, expected) => {
    expect(jobSweepLook(nightly, new Date(now), MIN_JOB_LOOKBACK_MS)).toBe(expected);
  });

  it("a wider window (a slower sweep) reaches further back", () => {
    expect(jobSweepLook(nightly, new Date("2026-12-07T09:00:00Z"), 12 * HOUR)).toBe("read-executions");
  });

  it("Event and Manual jobs are always read (a start event may have been lost); so is a cron PullGuard cannot read", () => {
    const now = new Date("2026-12-07T09:00:00Z");
    const looks = [
      job({ type: "Event", cronExpression: null }),
      job({ type: "Manual", cronExpression: null }),
      job({ type: "Schedule", cronExpression: "every night" }),
      job(null),
    ].map((j) => jobSweepLook(j, now, MIN_JOB_LOOKBACK_MS));
    expect(looks).toEqual(["read-executions", "read-executions", "read-executions", "read-executions"]);
  });

  it("a job that failed to provision is fixed without reading its executions; an app is never a job candidate", () => {
    const now = new Date("2026-12-07T09:00:00Z");
    expect(jobSweepLook({ ...nightly, provisioningState: "Failed" }, now, MIN_JOB_LOOKBACK_MS)).toBe("fix");
    expect(jobSweepLook({ ...nightly, kind: "app", trigger: null }, now, MIN_JOB_LOOKBACK_MS)).toBe("skip");
  });
});

describe("newestExecutionFailed: the newest finished execution decides", () => {
  it.each([
    [
      "the newest Failed",
      [execution("Failed", "2026-12-07T02:00:00Z"), execution("Succeeded", "2026-12-06T02:00:00Z")],
      true,
    ],
    [
      "the newest Succeeded after a failure",
      [execution("Succeeded", "2026-12-07T02:00:00Z"), execution("Failed", "2026-12-06T02:00:00Z")],
      false,
    ],
    [
      "one Running, the one before Failed",
      [execution("Running", "2026-12-07T02:01:00Z"), execution("Failed", "2026-12-07T02:00:00Z")],
      true,
    ],
    [
      "one Processing, the one before Succeeded",
      [execution("Processing", "2026-12-07T02:01:00Z"), execution("Succeeded", "2026-12-07T02:00:00Z")],
      false,
    ],
    [
      "the newest Stopped by a person",
      [execution("Stopped", "2026-12-07T02:00:00Z"), execution("Failed", "2026-12-06T02:00:00Z")],
      false,
    ],
    ["no execution yet", [], false],
    ["only one under way", [execution("Running", "2026-12-07T02:00:00Z")], false],
  ] as const)("%s: %s", (_what, executions, expected) => {
    expect(newestExecutionFailed(executions)).toBe(expected);
  });
});

describe("sweepLookbackMs: sized from the sweep's own schedule (PULLGUARD_SWEEP_SCHEDULE, six fields)", () => {
  const now = new Date("2026-12-07T09:07:00Z");

  it.each([
    ["the default, every 15 minutes: the one-hour floor", "0 */15 * * * *", MIN_JOB_LOOKBACK_MS],
    ["hourly: twice the interval, 2 hours", "0 0 * * * *", 2 * HOUR],
    ["every 6 hours: twice that", "0 0 */6 * * *", 12 * HOUR],
    ["unreadable: the floor", "0 0 */6 * * MONDAYS", MIN_JOB_LOOKBACK_MS],
  ] as const)("%s", (_what, schedule, expected) => {
    expect(sweepLookbackMs(schedule, now)).toBe(expected);
  });

  it("the floor is one hour, four default sweeps", () => {
    expect(MIN_JOB_LOOKBACK_MS).toBe(HOUR);
  });
});

describe("failureAnswered: a failed run PullGuard already answered with a change is the follow-up's", () => {
  const failed = [execution("Failed", "2026-12-07T02:00:00Z"), execution("Succeeded", "2026-12-06T02:00:00Z")];
  const change = (time: string, outcome = "done") => ({ time, outcome });

  it.each([
    ["a change done 14 minutes after the run started", failed, [change("2026-12-07T02:14:00Z")], true],
    ["a change done as the run started", failed, [change("2026-12-07T02:00:00Z")], true],
    ["only a change before the run (the run failed after the fix)", failed, [change("2026-12-07T01:30:00Z")], false],
    ["a change after the run that failed", failed, [change("2026-12-07T02:14:00Z", "failed")], false],
    ["a change whose reply was lost (unknown)", failed, [change("2026-12-07T02:14:00Z", "unknown")], false],
    ["no change at all", failed, [], false],
    [
      "the newest finished run is the one that counts, not one under way",
      [execution("Running", "2026-12-07T03:00:00Z"), ...failed],
      [change("2026-12-07T02:14:00Z")],
      true,
    ],
    [
      "a run without a start time",
      [{ ...execution("Failed", "x"), startTime: null }],
      [change("2026-12-07T02:14:00Z")],
      false,
    ],
    ["no execution", [], [change("2026-12-07T02:14:00Z")], false],
  ] as const)("%s: %s", (_what, executions, changes, expected) => {
    expect(failureAnswered(executions, changes)).toBe(expected);
  });
});
