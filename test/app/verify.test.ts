import { describe, expect, it } from "vitest";
import { type FollowUp, finishVerification, verifyUntil } from "../../src/app/verify.js";
import type { PullFacts } from "../../src/core/facts.js";
import type { Finding } from "../../src/core/finding.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import { judgeVerification } from "../../src/core/verification-outcome.js";
import { APP_ID, facts, finding } from "../core/builders.js";

const running = {
  name: "checkout-web--r1",
  runningState: "Running",
  healthState: "Healthy",
  provisioningState: "Provisioned",
};
const failed = {
  name: "checkout-web--r1",
  runningState: "Failed",
  healthState: "Unhealthy",
  provisioningState: "Failed",
};
const provisioning = {
  name: "checkout-web--r1",
  runningState: "Processing",
  healthState: "None",
  provisioningState: "Provisioning",
};
const propagating = finding("role-assignment-propagating", { severity: "warning" });

describe("judgeVerification", () => {
  it("Running/Healthy is resolved even while a fresh grant still shows as propagating", () => {
    expect(judgeVerification(facts({ revision: running }), [propagating])).toMatchObject({
      outcome: "resolved",
      revision: "checkout-web--r1",
      state: { provisioningState: "Provisioned", runningState: "Running", healthState: "Healthy" },
      remaining: [propagating],
    });
  });

  it("a remaining error is unresolved, with the cause", () => {
    const missing = finding("image-not-found");
    expect(judgeVerification(facts({ revision: failed }), [missing])).toMatchObject({
      outcome: "unresolved",
      remaining: [missing],
    });
  });

  it("no error left but the revision not running yet is pending", () => {
    expect(judgeVerification(facts({ revision: provisioning }), []).outcome).toBe("pending");
    expect(judgeVerification(facts({ revision: failed }), [propagating]).outcome).toBe("pending");
  });
});

/** A sequence of looks: each readFacts returns the next state (the last one repeats). */
function looks(states: Array<{ revision: typeof running; findings: Finding[] }>) {
  let i = 0;
  const current = () => states[Math.min(i, states.length - 1)] as { revision: typeof running; findings: Finding[] };
  return {
    reads: () => i,
    readFacts: async () => {
      const f = facts({ revision: current().revision });
      i++;
      return { facts: f, stats: { armRequests: 0, waves: 0, dataPlaneRequests: 0, ms: 0 } };
    },
    diagnose: (f: PullFacts) => {
      const s = states[Math.min(i - 1, states.length - 1)];
      void f;
      return { verdict: "broken" as const, findings: s?.findings ?? [] };
    },
  };
}

function clock(start = "2026-11-22T12:00:00Z") {
  let t = Date.parse(start);
  const slept: number[] = [];
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe("verifyUntil", () => {
  it("polls with exponential backoff until Running/Healthy", async () => {
    const seq = looks([
      { revision: provisioning, findings: [] },
      { revision: provisioning, findings: [] },
      { revision: provisioning, findings: [] },
      { revision: running, findings: [] },
    ]);
    const c = clock();
    const result = await verifyUntil(APP_ID, {
      ...seq,
      now: c.now,
      sleep: c.sleep,
      deadline: new Date(c.now().getTime() + 600_000),
    });
    expect(result.verification.outcome).toBe("resolved");
    expect(result.attempts).toBe(4);
    expect(c.slept).toEqual([2000, 4000, 8000]);
  });

  it("stops at the deadline with pending", async () => {
    const seq = looks([{ revision: provisioning, findings: [] }]);
    const c = clock();
    const result = await verifyUntil(APP_ID, {
      ...seq,
      now: c.now,
      sleep: c.sleep,
      deadline: new Date(c.now().getTime() + 10_000),
    });
    expect(result.verification.outcome).toBe("pending");
    expect(c.slept.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it("stops early when an error remains", async () => {
    const seq = looks([{ revision: failed, findings: [finding("image-not-found")] }]);
    const c = clock();
    const result = await verifyUntil(APP_ID, {
      ...seq,
      now: c.now,
      sleep: c.sleep,
      deadline: new Date(c.now().getTime() + 600_000),
    });
    expect(result).toMatchObject({ attempts: 1, verification: { outcome: "unresolved" } });
  });

  it("lets the follow-up restart the failed revision once the propagation window is over", async () => {
    const seq = looks([
      { revision: failed, findings: [propagating] },
      { revision: failed, findings: [propagating] },
      { revision: running, findings: [propagating] },
    ]);
    const c = clock();
    const calls: string[][] = [];
    const followUp: FollowUp = {
      async restartIfDue(_f, _findings, done) {
        calls.push([...done]);
        if (c.now() < new Date("2026-11-22T12:07:00Z")) return { auditIds: [], dueAt: "2026-11-22T12:07:00.000Z" };
        return { auditIds: ["audit-restart"], done: "checkout-web--r1|2026-11-22T12:07:00.000Z" };
      },
    };
    const result = await verifyUntil(APP_ID, {
      ...seq,
      now: c.now,
      sleep: c.sleep,
      followUp,
      deadline: new Date(c.now().getTime() + 1_800_000),
    });
    expect(result.verification.outcome).toBe("resolved");
    expect(c.slept[0]).toBe(420_000);
    expect(result.auditIds).toEqual(["audit-restart"]);
    expect(calls).toEqual([[], []]);
  });
});

describe("finishVerification", () => {
  const message: VerificationMessage = {
    appId: APP_ID,
    revision: "checkout-web--r1",
    attempt: 1,
    deadline: "2026-11-22T12:30:00.000Z",
    trigger: { source: "event", eventId: "e-1" },
    auditIds: ["a1"],
    restartsDone: [],
  };
  const scheduled: Array<{ message: VerificationMessage; delaySeconds: number }> = [];
  const scheduler = {
    async schedule(m: VerificationMessage, delaySeconds: number) {
      scheduled.push({ message: m, delaySeconds });
      return `m${scheduled.length}`;
    },
  };

  it("drops a malformed message with a reason", async () => {
    const seq = looks([{ revision: running, findings: [] }]);
    const result = await finishVerification(
      { appId: "nope" },
      { ...seq, now: clock().now, scheduler, baseDelaySeconds: 60 },
    );
    expect(result).toMatchObject({ status: "rejected", reason: expect.stringContaining("appId") });
    expect(seq.reads()).toBe(0);
  });

  it("finishes resolved", async () => {
    const seq = looks([{ revision: running, findings: [] }]);
    const result = await finishVerification(message, { ...seq, now: clock().now, scheduler, baseDelaySeconds: 60 });
    expect(result).toMatchObject({ status: "final", verification: { outcome: "resolved" } });
  });

  it("re-schedules a pending verification with backoff, then ends pending at the deadline", async () => {
    scheduled.length = 0;
    const seq = looks([{ revision: provisioning, findings: [] }]);
    const first = await finishVerification(message, { ...seq, now: clock().now, scheduler, baseDelaySeconds: 60 });
    expect(first).toMatchObject({
      status: "rescheduled",
      delaySeconds: 120,
      message: { attempt: 2, auditIds: ["a1"] },
    });
    const late = await finishVerification(scheduled[0]?.message, {
      ...seq,
      now: clock("2026-11-22T12:30:00Z").now,
      scheduler,
      baseDelaySeconds: 60,
    });
    expect(late).toMatchObject({ status: "final", verification: { outcome: "pending" } });
  });

  it("never schedules past the deadline, and carries follow-up restarts in the message", async () => {
    scheduled.length = 0;
    const seq = looks([{ revision: failed, findings: [propagating] }]);
    const followUp: FollowUp = {
      restartIfDue: async () => ({ auditIds: ["a2"], done: "k1" }),
    };
    const result = await finishVerification(
      { ...message, attempt: 6 },
      { ...seq, now: clock("2026-11-22T12:29:00Z").now, scheduler, baseDelaySeconds: 60, followUp },
    );
    expect(result).toMatchObject({
      status: "rescheduled",
      delaySeconds: 60,
      message: { restartsDone: ["k1"], auditIds: ["a1", "a2"] },
    });
  });
});
