/**
 * No restart loops (src/core/restart-guard.ts): a revision PullGuard restarted after every grant had propagated, and
 * that failed again, is not restarted again within the hour; every other restart goes ahead.
 */
import { describe, expect, it } from "vitest";
import type { PlanStep } from "../../src/core/plan-step.js";
import { holdRepeatedRestarts, type PastChange } from "../../src/core/restart-guard.js";
import { APP_ID, assignment, facts, SYSTEM_PRINCIPAL } from "./builders.js";

const REVISION = `${APP_ID}/revisions/checkout-web--r1`;
// facts() are read at 2026-11-22T12:00:00Z.
const restart: PlanStep = {
  kind: "restart-revision",
  target: REVISION,
  reason: "role-assignment-propagating",
  decision: "apply",
  revision: "checkout-web--r1",
};

function restartedAt(time: string, outcome = "done", target = REVISION): PastChange {
  return { stepKind: "restart-revision", target, outcome, time };
}

/** The principal's AcrPull, created at `createdOn`. */
const grantedAt = (createdOn: string | null) =>
  facts({ assignments: { [SYSTEM_PRINCIPAL]: [assignment({ createdOn })] } });

describe("holdRepeatedRestarts", () => {
  it("holds back a restart when PullGuard restarted the revision 20 minutes ago, long after the grant", () => {
    const [step] = holdRepeatedRestarts([restart], grantedAt("2026-11-22T09:00:00Z"), [
      restartedAt("2026-11-22T11:40:00Z"),
    ]);
    expect(step).toMatchObject({ kind: "restart-revision", decision: "report-only" });
    expect(step?.why).toContain("2026-11-22T11:40:00Z");
    expect(step?.why).toContain("system logs");
  });

  it("an assignment without createdOn is old: the earlier restart counts", () => {
    const [step] = holdRepeatedRestarts([restart], grantedAt(null), [restartedAt("2026-11-22T11:40:00Z")]);
    expect(step?.decision).toBe("report-only");
  });

  it.each([
    ["the earlier restart was more than an hour ago", [restartedAt("2026-11-22T10:59:00Z")]],
    ["the earlier restart failed (nothing was restarted)", [restartedAt("2026-11-22T11:40:00Z", "failed")]],
    [
      "the earlier restart was of another revision",
      [restartedAt("2026-11-22T11:40:00Z", "done", `${APP_ID}/revisions/checkout-web--r0`)],
    ],
    ["PullGuard never restarted it", []],
  ])("near miss: restarts when %s", (_why, history) => {
    const [step] = holdRepeatedRestarts([restart], grantedAt("2026-11-22T09:00:00Z"), history);
    expect(step).toEqual(restart);
  });

  it("near miss: a restart made while the grant was still propagating may fail by design: restart again", () => {
    // Granted 11:30, restarted 11:35 (inside the 10-minute window), failed; now 12:00 the grant works.
    const [step] = holdRepeatedRestarts([restart], grantedAt("2026-11-22T11:30:00Z"), [
      restartedAt("2026-11-22T11:35:00Z"),
    ]);
    expect(step?.decision).toBe("apply");
  });

  it("near miss: a plan that fixes something besides restarting is never held back", () => {
    const grant: PlanStep = {
      kind: "attach-user-identity",
      target: APP_ID,
      reason: "identity-not-attached",
      decision: "apply",
      identityId: `${APP_ID}/x`,
    };
    const plan = holdRepeatedRestarts([grant, restart], grantedAt("2026-11-22T09:00:00Z"), [
      restartedAt("2026-11-22T11:40:00Z"),
    ]);
    expect(plan.map((s) => s.decision)).toEqual(["apply", "apply"]);
  });
});
