import { describe, expect, it } from "vitest";
import type { AppSummary } from "../../src/core/app-summary.js";
import type { JobExecutionFacts } from "../../src/core/facts.js";
import {
  failureAnswered,
  isJobsTurn,
  JOB_TURN_PERIOD_MS,
  jobSweepLook,
  MIN_JOB_LOOKBACK_MS,
  newestExecutionFailed,
  sweepLookbackMs,
  sweepWindow,
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

/** A window as the default sweep (every 15 minutes) sees it at `now`: a one-hour lookback, its last 15 minutes. */
const window15 = (now: string) => sweepWindow("0 */15 * * * *", new Date(now));

describe("jobSweepLook: which jobs a sweep reads the executions of", () => {
  const nightly = job({ type: "Schedule", cronExpression: "0 2 * * *" });

  it.each([
    ["10 minutes after its 02:00 run", "2026-12-07T02:10:00Z", "read-executions"],
    ["59 minutes after", "2026-12-07T02:59:00Z", "read-executions"],
    ["just over an hour after", "2026-12-07T03:00:30Z", "skip"],
    ["at 09:00, seven hours after", "2026-12-07T09:00:00Z", "skip"],
  ] as const)("a Schedule job whose cron fired %s: %s", (_when, now, expected) => {
    expect(jobSweepLook(nightly, new Date(now), window15(now))).toBe(expected);
  });

  it("a wider window (a slower sweep) reaches further back", () => {
    const now = new Date("2026-12-07T09:00:00Z");
    expect(jobSweepLook(nightly, now, sweepWindow("0 0 */6 * * *", now))).toBe("read-executions");
  });

  it("Event, Manual, hourly and unreadable-cron jobs are read on their turn: once in the eight sweeps of 2 hours", () => {
    const untimed = [
      job({ type: "Event", cronExpression: null }),
      job({ type: "Manual", cronExpression: null }),
      job({ type: "Schedule", cronExpression: "17 * * * *" }),
      job({ type: "Schedule", cronExpression: "every night" }),
      job(null),
    ];
    // The eight sweeps from 10:15 to 12:00 cover (10:00, 12:00]: one period, each job's turn exactly once.
    const sweeps = Array.from({ length: 8 }, (_, k) => new Date(Date.parse("2026-12-07T10:15:00Z") + k * 15 * 60_000));
    for (const j of untimed) {
      const looks = sweeps.map((now) => jobSweepLook(j, now, sweepWindow("0 */15 * * * *", now)));
      expect(looks.filter((l) => l === "read-executions")).toHaveLength(1);
      expect(looks.filter((l) => l === "skip")).toHaveLength(7);
    }
  });

  it("turns are spread over the period: 800 jobs, about 100 per sweep", () => {
    const now = new Date("2026-12-07T09:30:00Z");
    const manual = Array.from({ length: 800 }, (_, i) => ({
      ...job({ type: "Manual", cronExpression: null }),
      id: `/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-batch/providers/Microsoft.App/jobs/job-${i}`,
    }));
    const read = manual.filter((j) => jobSweepLook(j, now, window15("2026-12-07T09:30:00Z")) === "read-executions");
    expect(read.length).toBeGreaterThan(70);
    expect(read.length).toBeLessThan(130);
  });

  it("a sweep as slow as the period (or a schedule PullGuard cannot read) reads every untimed job", () => {
    const manual = job({ type: "Manual", cronExpression: null });
    const now = new Date("2026-12-07T09:00:10Z");
    expect(jobSweepLook(manual, now, sweepWindow("0 0 */2 * * *", now))).toBe("read-executions");
    expect(isJobsTurn(manual.id, sweepWindow("0 0 */6 * * MONDAYS", now))).toBe(true);
  });

  it("a job that failed to provision is fixed without reading its executions; an app is never a job candidate", () => {
    const now = "2026-12-07T09:00:00Z";
    expect(jobSweepLook({ ...nightly, provisioningState: "Failed" }, new Date(now), window15(now))).toBe("fix");
    expect(jobSweepLook({ ...nightly, kind: "app", trigger: null }, new Date(now), window15(now))).toBe("skip");
  });
});

describe("sweepWindow: the sweep's lookback and the span of turns it takes", () => {
  it("a sweep a few seconds after 09:30 takes (09:15, 09:30]; the next one (09:30, 09:45]", () => {
    const w = sweepWindow("0 */15 * * * *", new Date("2026-12-07T09:30:04Z"));
    expect(w).toEqual({
      lookbackMs: MIN_JOB_LOOKBACK_MS,
      turnFrom: Date.parse("2026-12-07T09:15:00Z"),
      turnTo: Date.parse("2026-12-07T09:30:00Z"),
    });
    expect(sweepWindow("0 */15 * * * *", new Date("2026-12-07T09:45:00Z")).turnFrom).toBe(w.turnTo);
  });

  it("the turn period is 2 hours", () => {
    expect(JOB_TURN_PERIOD_MS).toBe(2 * HOUR);
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
