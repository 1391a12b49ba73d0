/**
 * v2: a job's queued follow-up (finishVerification): the executions since the fix decide; a failed one comes with a
 * fresh diagnosis; none yet is rescheduled with backoff until the deadline, then ends pending.
 */
import { describe, expect, it } from "vitest";
import { finishVerification } from "../../src/app/verify.js";
import type { JobExecutionFacts } from "../../src/core/facts.js";
import type { Finding } from "../../src/core/finding.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import { finding, JOB_ID, jobFacts } from "../core/builders.js";

const FIXED_AT = "2026-11-22T12:00:00.000Z";
const message: VerificationMessage = {
  appId: JOB_ID,
  revision: null,
  attempt: 1,
  deadline: "2026-11-23T02:35:00.000Z",
  trigger: { source: "sweep" },
  auditIds: ["a1"],
  restartsDone: [],
  fixedAt: FIXED_AT,
};

function follow(executions: JobExecutionFacts[], findings: Finding[], now: string) {
  const scheduled: Array<{ message: VerificationMessage; delaySeconds: number }> = [];
  let reads = 0;
  const deps = {
    readFacts: async () => {
      reads++;
      return { facts: jobFacts({ executions }), stats: { armRequests: 2, waves: 1, dataPlaneRequests: 0, ms: 1 } };
    },
    diagnose: () => ({ verdict: findings.length > 0 ? ("broken" as const) : ("healthy" as const), findings }),
    now: () => new Date(now),
    scheduler: {
      async schedule(next: VerificationMessage, delaySeconds: number) {
        scheduled.push({ message: next, delaySeconds });
        return "m2";
      },
    },
    baseDelaySeconds: 120,
  };
  return { run: () => finishVerification(message, deps), scheduled, reads: () => reads };
}

const at = (status: string, startTime: string): JobExecutionFacts => ({
  name: `nightly-export-${status}`,
  status,
  startTime,
  endTime: null,
});

describe("a job's follow-up", () => {
  it("the next run Succeeded: resolved, final", async () => {
    const f = follow([at("Succeeded", "2026-11-23T02:00:03Z")], [], "2026-11-23T02:05:00Z");
    const result = await f.run();
    expect(result).toMatchObject({ status: "final", verification: { outcome: "resolved" } });
    expect(f.scheduled).toEqual([]);
  });

  it("the next run Failed: diagnosed again, unresolved with the findings and that execution", async () => {
    const cause = finding("pull-role-missing");
    const f = follow([at("Failed", "2026-11-23T02:00:03Z")], [cause], "2026-11-23T02:05:00Z");
    const result = await f.run();
    expect(result.status).toBe("final");
    expect(result.status === "final" ? result.verification : null).toEqual({
      outcome: "unresolved",
      revision: null,
      state: { provisioningState: null, runningState: null, healthState: null },
      remaining: [cause],
      execution: at("Failed", "2026-11-23T02:00:03Z"),
    });
    expect(f.reads()).toBe(1);
  });

  it("no run since the fix yet: rescheduled with backoff, keeping the fix time", async () => {
    const f = follow([at("Failed", "2026-11-22T02:00:03Z")], [], "2026-11-23T02:05:00Z");
    const result = await f.run();
    expect(result).toMatchObject({ status: "rescheduled", verification: { outcome: "pending", execution: null } });
    expect(f.scheduled).toEqual([{ delaySeconds: 240, message: { ...message, attempt: 2 } }]);
  });

  it("no run by the deadline: final, pending", async () => {
    const f = follow([], [], "2026-11-23T02:35:00Z");
    expect(await f.run()).toMatchObject({ status: "final", verification: { outcome: "pending" } });
    expect(f.scheduled).toEqual([]);
  });
});
