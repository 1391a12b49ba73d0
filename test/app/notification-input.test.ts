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
