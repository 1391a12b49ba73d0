/**
 * v2: the notification input of a job carries its newest failed execution (from the facts' executions, newest
 * first); an app's carries none.
 */
import { describe, expect, it } from "vitest";
import { appContextOf, diagnosisNotification, fixedNotification } from "../../src/app/notification-input.js";
import { diagnose } from "../../src/core/diagnose.js";
import { webhookPayload } from "../../src/notify/webhook-payload.js";
import { CASES } from "../core/checks/scenarios.js";
import { asJob, JOB_ID } from "../core/checks/world.js";

const AT = new Date("2026-11-22T12:00:00Z");

describe("notification input of a job", () => {
  it("the context names the newest failed execution; every notification carries it", () => {
    const facts = asJob(CASES["pull-role-missing"]());
    const context = appContextOf(facts);
    expect(context).toMatchObject({
      appId: JOB_ID,
      lastFailedExecution: {
        name: "checkout-nightly-29304000",
        startTime: "2026-11-22T02:00:05.000Z",
        status: "Failed",
      },
    });
    const diagnosis = diagnosisNotification(context, diagnose(facts), { source: "sweep" }, AT);
    expect(diagnosis).toMatchObject({ appName: "checkout-nightly", lastFailedExecution: context.lastFailedExecution });
    const fixed = fixedNotification(context, diagnose(facts), [], { source: "sweep" }, AT);
    expect(webhookPayload(fixed).data).toMatchObject({
      appKind: "job",
      lastFailedExecution: context.lastFailedExecution,
    });
  });

  it("a job's fixed notification says whether an execution was started, deferred, or not", () => {
    const facts = asJob(CASES["pull-role-missing"]());
    const context = appContextOf(facts);
    const start = { kind: "start-job-execution" as const, target: JOB_ID, reason: "role-assignment-propagating" };
    const fixed = (applied: unknown[], skipped: unknown[] = []) =>
      fixedNotification(context, diagnose(facts), applied as never, { source: "alert" }, AT, skipped as never).jobStart;
    expect(fixed([])).toEqual({ status: "none" });
    expect(fixed([{ ...start, decision: "apply", result: "done", execution: "checkout-nightly-x1" }])).toEqual({
      status: "started",
      execution: "checkout-nightly-x1",
    });
    expect(fixed([{ ...start, decision: "apply", result: "done" }])).toEqual({ status: "started", execution: null });
    // A start that failed started nothing.
    expect(fixed([{ ...start, decision: "apply", result: "failed" }])).toEqual({ status: "none" });
    const later = "2026-11-22T12:10:00.000Z";
    expect(fixed([], [{ ...start, decision: "apply", notBefore: later, why: "waits" }])).toEqual({
      status: "deferred",
      at: later,
    });
    // Report-only (a Schedule job) or already due: nothing will start it later.
    expect(fixed([], [{ ...start, decision: "report-only", notBefore: later, why: "x" }])).toEqual({ status: "none" });
    expect(fixed([], [{ ...start, decision: "apply", notBefore: "2026-11-22T11:59:00.000Z", why: "budget" }])).toEqual({
      status: "none",
    });
  });

  it("an app's fixed notification has no jobStart", () => {
    const fixed = fixedNotification(
      appContextOf(CASES["pull-role-missing"]()),
      diagnose(CASES["pull-role-missing"]()),
      [],
      { source: "alert" },
      AT,
    );
    expect("jobStart" in fixed).toBe(false);
  });

  it("a job whose executions all succeeded, or were not read: null", () => {
    const facts = asJob(CASES["pull-role-missing"]());
    facts.executions = {
      readable: true,
      found: true,
      items: [{ name: "n-1", status: "Succeeded", startTime: null, endTime: null }],
    };
    expect(appContextOf(facts).lastFailedExecution).toBeNull();
    facts.executions = { readable: false, resource: `${JOB_ID}/executions`, message: "403" };
    expect(appContextOf(facts).lastFailedExecution).toBeNull();
  });

  it("an app: no execution at all (the field is absent)", () => {
    const context = appContextOf(CASES["pull-role-missing"]());
    expect("lastFailedExecution" in context).toBe(false);
    expect(
      "lastFailedExecution" in
        diagnosisNotification(context, diagnose(CASES["pull-role-missing"]()), { source: "cli" }, AT),
    ).toBe(false);
  });
});
