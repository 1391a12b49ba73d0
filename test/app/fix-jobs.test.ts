/**
 * v2: fixing a job over the ArmTransport seam (pull-path.md "Workloads: apps and jobs"): the same writes as an app's,
 * PATCHes of the job; nothing restarted; an execution started only with PULLGUARD_START_JOBS_AFTER_FIX and a Manual
 * trigger; the verification a fresh diagnosis, then a follow-up on the queue due after the job's next run.
 */
import { describe, expect, it } from "vitest";
import { createRestartFollowUp, type FixDeps, fixApp } from "../../src/app/fix-app.js";
import { finishVerification } from "../../src/app/verify.js";
import type { JobExecutionFacts, PullFacts } from "../../src/core/facts.js";
import type { Finding } from "../../src/core/finding.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import { FakeArm } from "../azure/fake-arm.js";
import { finding, JOB_ID, jobFacts, REGISTRY_ID, SERVER, SYSTEM_PRINCIPAL } from "../core/builders.js";
import { FIX_START, fakeFixDeps } from "./fake-fix-deps.js";

const START = FIX_START;

/** A job whose system identity holds no pull role (the fake's state), of the trigger type given. */
function world(triggerType: string) {
  const arm = new FakeArm();
  arm.put({
    id: JOB_ID,
    name: "nightly-export",
    type: "Microsoft.App/jobs",
    identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL },
    properties: {
      configuration: {
        triggerType,
        replicaTimeout: 1800,
        ...(triggerType === "Schedule" ? { scheduleTriggerConfig: { cronExpression: "0 2 * * *" } } : {}),
        registries: [{ server: SERVER, identity: "system" }],
      },
      template: { containers: [{ name: "export", image: `${SERVER}/checkout/web:1.8.0` }] },
    },
  });
  arm.put({ id: REGISTRY_ID, name: "fabrikamacr", type: "Microsoft.ContainerRegistry/registries", properties: {} });
  return arm;
}

/** The fake's job read into facts (trigger, grants, executions), and a one-rule diagnosis (pull-role-missing). */
function reader(arm: FakeArm, triggerType: string) {
  return {
    async readFacts() {
      const list = (await arm.send({ method: "GET", url: `${arm.endpoint}${JOB_ID}/executions` })).body as {
        value: Array<{ name: string; properties: { status: string; startTime: string } }>;
      };
      const executions: JobExecutionFacts[] = list.value.map((e) => ({
        name: e.name,
        status: e.properties.status,
        startTime: e.properties.startTime,
        endTime: null,
      }));
      const f = jobFacts({ triggerType, executions });
      return {
        facts: { ...f, readAt: arm.clock().toISOString() },
        stats: { armRequests: 3, waves: 1, dataPlaneRequests: 0, ms: 1 },
      };
    },
    diagnose(_facts: PullFacts) {
      const findings: Finding[] = arm.assignments().length === 0 ? [finding("pull-role-missing")] : [];
      return { verdict: findings.length > 0 ? ("broken" as const) : ("healthy" as const), findings };
    },
  };
}

function deps(arm: FakeArm, triggerType: string, overrides: Partial<FixDeps> & { startJobs?: boolean } = {}) {
  const { startJobs, ...rest } = overrides;
  const scheduled: Array<{ message: VerificationMessage; delaySeconds: number }> = [];
  const fixDeps: FixDeps = {
    ...fakeFixDeps(arm, reader(arm, triggerType), startJobs !== undefined ? { startJobsAfterFix: startJobs } : {}),
    ...rest,
  };
  const scheduler = {
    async schedule(message: VerificationMessage, delaySeconds: number) {
      scheduled.push({ message, delaySeconds });
      return `m${scheduled.length}`;
    },
  };
  return { fixDeps, scheduled, scheduler };
}

const starts = (arm: FakeArm) => arm.writes().filter((w) => /\/jobs\/[^/]+\/start\?/i.test(w.url));

describe("fixApp on a job", () => {
  it.each([
    "Manual",
    "Schedule",
    "Event",
  ])("%s, switch off: the grant is made, nothing is restarted or started, the fresh diagnosis resolves it", async (trigger) => {
    const arm = world(trigger);
    const result = await fixApp(JOB_ID, deps(arm, trigger).fixDeps);
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([["assign-role", "done"]]);
    expect(arm.writes().map((w) => w.method)).toEqual(["PUT"]);
    expect(starts(arm)).toEqual([]);
    expect(result.verification).toEqual({
      outcome: "resolved",
      revision: null,
      state: { provisioningState: null, runningState: null, healthState: null },
      remaining: [],
    });
  });

  /** The CLI's own verify deadline (30 minutes): long enough to wait out a grant's propagation. */
  const cliWait = (arm: FakeArm) => {
    const d = deps(arm, "Manual", { startJobs: true }).fixDeps;
    return { ...d, verification: { ...d.verification, deadlineMs: 30 * 60_000 } } as FixDeps;
  };

  it("Manual, switch on: one execution is started once the grant has propagated, and the CLI follows it to Succeeded", async () => {
    const arm = world("Manual");
    const result = await fixApp(JOB_ID, cliWait(arm));
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["start-job-execution", "done"],
    ]);
    expect(starts(arm)).toEqual([
      { method: "POST", url: `${arm.endpoint}${JOB_ID}/start?api-version=2025-07-01`, body: null },
    ]);
    expect(result.skipped).toEqual([]);
    expect(result.verification.outcome).toBe("resolved");
    // Not at the grant (12:00) but 10 minutes after it: an execution started before would fail its pull again.
    const started = Date.parse(result.verification.execution?.startTime ?? "");
    expect(started).toBeGreaterThanOrEqual(START + 10 * 60_000);
    expect(result.verification.execution).toMatchObject({ status: "Succeeded" });
  });

  it("Manual, switch on, a verify deadline shorter than the propagation: nothing started, pending", async () => {
    const arm = world("Manual");
    const result = await fixApp(JOB_ID, deps(arm, "Manual", { startJobs: true }).fixDeps);
    expect(starts(arm)).toEqual([]);
    expect(result.skipped.map((s) => [s.kind, s.decision])).toEqual([["start-job-execution", "apply"]]);
    expect(result.verification.outcome).toBe("pending");
  });

  it("Manual, switch on, the started execution fails: unresolved with that execution", async () => {
    const arm = world("Manual");
    arm.executionStatus = "Failed";
    const result = await fixApp(JOB_ID, cliWait(arm));
    expect(starts(arm)).toHaveLength(1);
    expect(result.verification.outcome).toBe("unresolved");
    expect(result.verification.execution?.status).toBe("Failed");
  });

  it("Schedule, switch on: the start is report-only with the reason and never sent", async () => {
    const arm = world("Schedule");
    const result = await fixApp(JOB_ID, deps(arm, "Schedule", { startJobs: true }).fixDeps);
    expect(starts(arm)).toEqual([]);
    expect(result.skipped.map((s) => [s.kind, s.decision])).toEqual([["start-job-execution", "report-only"]]);
  });

  it("function app: the fresh diagnosis now, and a follow-up due after the next scheduled run plus the grace", async () => {
    const arm = world("Schedule");
    const { fixDeps, scheduled, scheduler } = deps(arm, "Schedule");
    const result = await fixApp(JOB_ID, {
      ...fixDeps,
      verification: { mode: "schedule", scheduler, delaySeconds: 120, deadlineMinutes: 30 },
    });
    // 0 2 * * * after 12:00 UTC: 14 hours, then five minutes of grace; the deadline 30 minutes after that.
    const delaySeconds = 14 * 3600 + 300;
    const deadline = new Date(START + delaySeconds * 1000 + 30 * 60_000).toISOString();
    expect(scheduled).toEqual([
      {
        delaySeconds,
        message: {
          appId: JOB_ID,
          revision: null,
          attempt: 1,
          deadline,
          trigger: { source: "cli", caller: "alice" },
          auditIds: result.auditIds,
          restartsDone: [],
          fixedAt: new Date(START).toISOString(),
        },
      },
    ]);
    expect(result.verification).toMatchObject({
      outcome: "resolved",
      scheduled: { messageId: "m1", delaySeconds, deadline },
    });
  });

  it("function app, Manual with the switch: the start waits for the grant; the follow-up makes it once, then judges it", async () => {
    const arm = world("Manual");
    const { fixDeps, scheduled, scheduler } = deps(arm, "Manual", { startJobs: true });
    await fixApp(JOB_ID, {
      ...fixDeps,
      verification: { mode: "schedule", scheduler, delaySeconds: 120, deadlineMinutes: 30 },
    });
    // Nothing started with the grant: the follow-up is due when it has propagated (10 minutes), counted from the fix.
    expect(starts(arm)).toEqual([]);
    expect(scheduled.map((s) => [s.delaySeconds, s.message.fixedAt])).toEqual([[600, new Date(START).toISOString()]]);

    const followUp = createRestartFollowUp({
      appId: JOB_ID,
      settings: fixDeps.settings,
      apply: fixDeps.apply,
      trigger: { source: "verification" },
    });
    const finish = (message: VerificationMessage) =>
      finishVerification(message, { ...fixDeps, now: fixDeps.apply.now, scheduler, baseDelaySeconds: 120, followUp });
    arm.clock = () => new Date(START + 600_000);
    fixDeps.apply.now = () => new Date(START + 600_000);
    const first = await finish(scheduled[0]?.message as VerificationMessage);
    expect(first.status).toBe("rescheduled");
    expect(starts(arm)).toHaveLength(1);
    // The next look sees the execution it started, Succeeded: resolved, and no second start.
    const second = await finish(scheduled[1]?.message as VerificationMessage);
    expect(second).toMatchObject({ status: "final", verification: { outcome: "resolved" } });
    expect(starts(arm)).toHaveLength(1);
  });
});
