/**
 * v2: verifying a job's fix (pull-path.md "Workloads: apps and jobs"): the fresh diagnosis right after it, the
 * executions since it at the follow-up, when the follow-up is due, and the queue message that carries it.
 */
import { describe, expect, it } from "vitest";
import type { JobExecutionFacts } from "../../src/core/facts.js";
import {
  JOB_FOLLOW_UP_MAX_SECONDS,
  JOB_RUN_GRACE_SECONDS,
  jobFollowUpDelaySeconds,
  MAX_PRIOR_EXECUTIONS,
  parseVerificationMessage,
  priorExecutionNames,
} from "../../src/core/verification-message.js";
import { judgeVerification } from "../../src/core/verification-outcome.js";
import { APP_ID, facts, finding, JOB_ID, jobFacts } from "./builders.js";

const FIXED_AT = "2026-11-22T12:00:00.000Z";
const run = (status: string, startTime: string | null): JobExecutionFacts => ({
  name: `nightly-export-${status.toLowerCase()}-${startTime ?? "none"}`,
  status,
  startTime,
  endTime: null,
});

describe("a job's verification right after its fix: the fresh diagnosis", () => {
  it("resolved when no error remains; a propagating grant stays listed as a warning", () => {
    const warning = finding("role-assignment-propagating", { severity: "warning" });
    const v = judgeVerification(jobFacts(), [warning, finding("registry-not-acr", { severity: "info" })]);
    expect(v).toEqual({
      outcome: "resolved",
      revision: null,
      state: { provisioningState: null, runningState: null, healthState: null },
      remaining: [warning],
    });
  });

  it("pending, never resolved, when the fresh diagnosis could not read a fact (check-incomplete is never a pass)", () => {
    const incomplete = finding("check-incomplete", { severity: "warning" });
    const v = judgeVerification(jobFacts(), [incomplete]);
    expect([v.outcome, v.remaining]).toEqual(["pending", [incomplete]]);
  });

  it("unresolved with the cause when an error remains, whatever the executions say", () => {
    const error = finding("pull-role-missing");
    const v = judgeVerification(jobFacts({ executions: [run("Succeeded", "2026-11-22T12:01:00Z")] }), [error]);
    expect(v.outcome).toBe("unresolved");
    expect(v.remaining).toEqual([error]);
  });
});

describe("a job's follow-up: the executions since the fix", () => {
  const cases: Array<[string, JobExecutionFacts[], "resolved" | "unresolved" | "pending", string | null]> = [
    ["a run since the fix Succeeded", [run("Succeeded", "2026-11-22T14:00:02Z")], "resolved", "Succeeded"],
    ["a run since the fix Failed", [run("Failed", "2026-11-22T14:00:02Z")], "unresolved", "Failed"],
    ["only runs before the fix (Failed)", [run("Failed", "2026-11-22T02:00:02Z")], "pending", null],
    ["a run since the fix still Running", [run("Running", "2026-11-22T14:00:02Z")], "pending", null],
    ["a run since the fix Stopped by a person", [run("Stopped", "2026-11-22T14:00:02Z")], "pending", null],
    ["a run without a start time", [run("Failed", null)], "pending", null],
    ["no runs at all", [], "pending", null],
    [
      "the newest decided run counts (an earlier Failed, then Succeeded, then one Running)",
      [
        run("Running", "2026-11-22T16:00:02Z"),
        run("Succeeded", "2026-11-22T15:00:02Z"),
        run("Failed", "2026-11-22T14:00:02Z"),
      ],
      "resolved",
      "Succeeded",
    ],
    ["a run that started at the very moment of the fix", [run("succeeded", FIXED_AT)], "resolved", "succeeded"],
  ];
  it.each(cases)("%s", (_name, executions, outcome, status) => {
    const v = judgeVerification(jobFacts({ executions }), [], { since: FIXED_AT });
    expect(v.outcome).toBe(outcome);
    expect(v.execution?.status ?? null).toBe(status);
  });

  it("executions that could not be read leave it pending (never resolved on no evidence)", () => {
    const f = {
      ...jobFacts(),
      executions: {
        readable: false as const,
        resource: `${JOB_ID}/executions`,
        status: 403,
        errorCode: "AuthorizationFailed",
        message: "The client does not have authorization to perform action 'Microsoft.App/jobs/executions/read'",
      },
    };
    expect(judgeVerification(f, [], { since: FIXED_AT }).outcome).toBe("pending");
  });

  it("an app ignores `since`: its outcome follows the revision as before", () => {
    const healthy = facts({
      revision: { name: "r", provisioningState: "Provisioned", runningState: "Running", healthState: "Healthy" },
    });
    expect(judgeVerification(healthy, [], { since: FIXED_AT }).outcome).toBe("resolved");
    expect(judgeVerification(facts(), [], { since: FIXED_AT }).outcome).toBe("pending");
  });
});

describe("a job's follow-up when ARM's clock runs ahead of PullGuard's (clock skew)", () => {
  // The developer's run was listed when the fix read the job; ARM dated it 3 seconds after PullGuard's fix time.
  const skewed: JobExecutionFacts = { ...run("Failed", "2026-11-22T12:00:03Z"), name: "adhoc-export-dev01" };

  it("without the names the fix's read listed, the skewed run passes for the first run since the fix", () => {
    expect(judgeVerification(jobFacts({ executions: [skewed] }), [], { since: FIXED_AT }).outcome).toBe("unresolved");
  });

  it("a run the fix's read listed is never since the fix, whatever its startTime: pending", () => {
    const v = judgeVerification(jobFacts({ executions: [skewed] }), [], { since: FIXED_AT, prior: [skewed.name] });
    expect(v).toMatchObject({ outcome: "pending", execution: null });
  });

  it("a run that was not listed (one PullGuard or the schedule started since) still counts", () => {
    const started: JobExecutionFacts = { ...run("Succeeded", "2026-11-22T12:00:05Z"), name: "adhoc-export-pg001" };
    const v = judgeVerification(jobFacts({ executions: [started, skewed] }), [], {
      since: FIXED_AT,
      prior: [skewed.name.toUpperCase()],
    });
    expect(v).toMatchObject({ outcome: "resolved", execution: { name: "adhoc-export-pg001" } });
  });

  it("the names a fix carries: listed runs whose startTime is within the skew allowance of the fix, after it, or none", () => {
    const executions = [
      { ...run("Running", "2026-11-22T12:00:03Z"), name: "ahead" },
      { ...run("Failed", "2026-11-22T11:58:00Z"), name: "just-before" },
      { ...run("Failed", null), name: "undated" },
      { ...run("Failed", "2026-11-22T02:00:00Z"), name: "last-night" },
    ];
    expect(priorExecutionNames(jobFacts({ executions }), FIXED_AT)).toEqual(["ahead", "just-before", "undated"]);
    expect(priorExecutionNames(facts(), FIXED_AT)).toEqual([]);
  });

  it("at most MAX_PRIOR_EXECUTIONS names, the newest", () => {
    const many = Array.from({ length: MAX_PRIOR_EXECUTIONS + 5 }, (_, i) => ({
      ...run("Failed", new Date(Date.parse(FIXED_AT) - i * 1000).toISOString()),
      name: `run-${i}`,
    }));
    const names = priorExecutionNames(jobFacts({ executions: many }), FIXED_AT);
    expect(names).toHaveLength(MAX_PRIOR_EXECUTIONS);
    expect(names[0]).toBe("run-0");
  });
});

describe("when a job's follow-up is due", () => {
  const fixedAt = new Date("2026-11-22T12:00:00.000Z");
  const delay = (f: ReturnType<typeof jobFacts>, startedExecution = false) =>
    jobFollowUpDelaySeconds(f, fixedAt, { startedExecution, verifyDelaySeconds: 120 });

  it("a Schedule job: its next fire time (UTC cron) plus the grace", () => {
    // 0 2 * * * after 12:00 → 02:00 the next day: 14 hours.
    expect(delay(jobFacts({ cronExpression: "0 2 * * *" }))).toBe(14 * 3600 + JOB_RUN_GRACE_SECONDS);
    // */15 → 12:15.
    expect(delay(jobFacts({ cronExpression: "*/15 * * * *" }))).toBe(15 * 60 + JOB_RUN_GRACE_SECONDS);
  });

  it("never later than a queue message can wait (7 days)", () => {
    // Midnight on the 1st of January: more than a month away.
    expect(delay(jobFacts({ cronExpression: "0 0 1 1 *" }))).toBe(JOB_FOLLOW_UP_MAX_SECONDS);
  });

  it("the verify delay for a started execution, a Manual or Event job, or a cron PullGuard cannot read", () => {
    const cases = [
      delay(jobFacts({ cronExpression: "0 2 * * *" }), true),
      delay(jobFacts({ triggerType: "Manual" })),
      delay(jobFacts({ triggerType: "Event" })),
      delay(jobFacts({ cronExpression: "every night" })),
      delay(jobFacts({ cronExpression: null })),
    ];
    expect(cases).toEqual([120, 120, 120, 120, 120]);
  });
});

describe("the verification message of a job", () => {
  const message = {
    appId: JOB_ID,
    revision: null,
    attempt: 1,
    deadline: "2026-11-23T03:00:00.000Z",
    trigger: { source: "sweep" },
    auditIds: ["a1"],
    restartsDone: [],
    fixedAt: FIXED_AT,
  };

  it("accepts a job ID with the fix time", () => {
    expect(parseVerificationMessage(message)).toEqual({ ok: true, message });
  });

  it("refuses a job's message without the fix time, and an ID that is no workload", () => {
    const { fixedAt: _dropped, ...withoutFixedAt } = message;
    expect(parseVerificationMessage(withoutFixedAt)).toEqual({
      ok: false,
      reason: "invalid verification message: fixedAt: a job's verification needs fixedAt (an ISO 8601 time)",
    });
    expect(parseVerificationMessage({ ...message, appId: `${JOB_ID}/executions/x` })).toEqual({
      ok: false,
      reason: "invalid verification message: appId: a container app or job resource ID",
    });
  });

  it("carries the time a deferred start is due (startAfter), and refuses one that is not a time", () => {
    const deferred = { ...message, startAfter: "2026-11-22T12:10:00.000Z" };
    expect(parseVerificationMessage(deferred)).toEqual({ ok: true, message: deferred });
    const bad = parseVerificationMessage({ ...message, startAfter: "in ten minutes" });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.reason).toMatch(/^invalid verification message: startAfter: /);
  });

  it("carries the executions the fix's read listed (priorExecutions), bounded in number and length", () => {
    const withPrior = { ...message, priorExecutions: ["adhoc-export-dev01"] };
    expect(parseVerificationMessage(withPrior)).toEqual({ ok: true, message: withPrior });
    const tooMany = Array.from({ length: MAX_PRIOR_EXECUTIONS + 1 }, (_, i) => `run-${i}`);
    expect(parseVerificationMessage({ ...message, priorExecutions: tooMany })).toEqual({
      ok: false,
      reason: `invalid verification message: priorExecutions: at most ${MAX_PRIOR_EXECUTIONS} execution names`,
    });
    const empty = parseVerificationMessage({ ...message, priorExecutions: [""] });
    expect(empty.ok ? "" : empty.reason).toMatch(/^invalid verification message: priorExecutions\.0: /);
    const long = parseVerificationMessage({ ...message, priorExecutions: ["x".repeat(261)] });
    expect(long.ok).toBe(false);
  });

  it("an app's message needs no fix time, as before", () => {
    const { fixedAt: _dropped, ...app } = { ...message, appId: APP_ID, revision: "checkout-web--r1" };
    expect(parseVerificationMessage(app).ok).toBe(true);
  });
});
