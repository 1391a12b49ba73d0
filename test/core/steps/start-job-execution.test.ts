/**
 * v2: the start-job-execution step module (request shape, in-place and settle rules) and the forbidden list's
 * refusal of a start without the switch. The job and execution bodies follow azure-rest-api-specs
 * Microsoft.App/ContainerApps/stable/2025-07-01/examples: Job_Patch.json (the job as GET returns it), Job_Start.json
 * (the start's 200 answer), Job_Executions_Get.json (the list of executions).
 */
import { describe, expect, it } from "vitest";
import { assertAllowed, ForbiddenChangeError } from "../../../src/core/forbidden.js";
import type { PlanStep, StartJobExecutionStep } from "../../../src/core/plan-step.js";
import { moduleOf, neededRoleOf, STEP_MODULES } from "../../../src/core/steps/index.js";
import { inPhaseOrder } from "../../../src/core/steps/order.js";
import { JOB_ID } from "../builders.js";

const module = STEP_MODULES["start-job-execution"];
const step: StartJobExecutionStep = {
  kind: "start-job-execution",
  target: JOB_ID,
  reason: "pull-role-missing",
  decision: "apply",
};

/** The job as GET returns it (Job_Patch.json's 200 body, renamed), with the trigger type given. */
const job = (triggerType: string) => ({
  id: JOB_ID,
  name: "nightly-export",
  type: "Microsoft.App/jobs",
  location: "East US",
  properties: {
    provisioningState: "Succeeded",
    configuration: {
      replicaTimeout: 10,
      replicaRetryLimit: 10,
      manualTriggerConfig: { replicaCompletionCount: 1, parallelism: 4 },
      triggerType,
    },
    template: { containers: [{ image: "fabrikamacr.azurecr.io/checkout/web:1.8.0", name: "export" }] },
  },
});

const executions = (...starts: string[]) => ({
  value: starts.map((startTime, i) => ({
    name: `nightly-export-${i}`,
    properties: { status: "Running", startTime, endTime: null },
  })),
  nextLink: null,
});

describe("start-job-execution module", () => {
  it("reads the job, then POSTs <job id>/start without a body (the execution runs the job's own template)", () => {
    expect(module.read(step)).toEqual({ method: "GET", path: JOB_ID, api: "containerApps" });
    const prepared = module.prepare(step, job("Manual"));
    expect(prepared).toEqual({
      kind: "write",
      call: { method: "POST", path: `${JOB_ID}/start`, api: "containerApps" },
      before: { name: "nightly-export", triggerType: "Manual" },
      step,
    });
  });

  it("never starts a job that is gone or is no longer manual-trigger (checked on the fresh read)", () => {
    expect(() => module.prepare(step, null)).toThrow(`job ${JOB_ID} no longer exists`);
    expect(() => module.prepare(step, job("Schedule"))).toThrow(
      "job nightly-export now has trigger type Schedule: PullGuard starts executions of manual-trigger jobs only",
    );
  });

  it("is never 'already in place': each start is a new execution", () => {
    expect(module.prepare(step, job("manual")).kind).toBe("write");
  });

  it("a lost reply is settled by the executions: one started at or after the send is the start, else unknown", () => {
    const sent = { before: null, at: "2026-11-22T12:00:00.400Z" };
    expect(module.settleRead?.(step)).toEqual({ method: "GET", path: `${JOB_ID}/executions`, api: "containerApps" });
    const cases: Array<[unknown, string]> = [
      [executions("2026-11-22T12:00:03+00:00"), "applied"],
      // ARM writes startTime to the second: the second the start went out counts.
      [executions("2026-11-22T12:00:00+00:00"), "applied"],
      [executions("2026-11-22T02:00:00+00:00"), "unknown"],
      [executions(), "unknown"],
      [null, "unknown"],
    ];
    expect(cases.map(([reread]) => module.settle?.(step, reread, sent))).toEqual(cases.map(([, effect]) => effect));
  });

  it("confirms with the execution ARM named (Job_Start.json's 200 body)", () => {
    const answer = { status: 200, body: { name: "nightly-export-pjxhsye", id: `${JOB_ID}/executions/x` } };
    expect(module.confirm(step, answer, null)).toEqual({
      outcome: "done",
      after: { execution: "nightly-export-pjxhsye" },
    });
  });

  it("follows every fix, in the last phase, and says which role it needs", () => {
    const grant = { kind: "assign-role", target: "r" } as PlanStep;
    expect(module.followsFixes).toBe(true);
    expect(module.dependsOn(step, grant)).toBe(true);
    expect(inPhaseOrder([step, grant]).map((s) => s.kind)).toEqual(["assign-role", "start-job-execution"]);
    expect(neededRoleOf(step)).toBe("Container Apps Contributor on the job (Microsoft.App/jobs/start/action)");
  });

  it("the identity steps name the job in their role and their errors", () => {
    const enable = { kind: "enable-system-identity", target: JOB_ID, reason: "system-identity-disabled" } as PlanStep;
    expect(neededRoleOf(enable)).toBe("Container Apps Contributor on the job");
    expect(() => moduleOf(enable).prepare(enable, null)).toThrow(`job ${JOB_ID} no longer exists`);
  });
});

describe("the forbidden list and a job's start", () => {
  const write = (triggerType: string | null) => ({
    method: "POST",
    url: `https://management.azure.com${JOB_ID}/start?api-version=2025-07-01`,
    before: triggerType === null ? null : { name: "nightly-export", triggerType },
  });
  const refusal = (fn: () => void): string | null => {
    try {
      fn();
      return null;
    } catch (error) {
      if (error instanceof ForbiddenChangeError) return error.message;
      throw error;
    }
  };

  it("refuses to start a job execution without the switch", () => {
    expect(refusal(() => assertAllowed(step, write("Manual")))).toBe(
      `forbidden change (starts-job-execution): ${JOB_ID}/start: starting an execution runs the job's work; PULLGUARD_START_JOBS_AFTER_FIX is off`,
    );
    expect(refusal(() => assertAllowed(step, write("Manual"), { startJobsAfterFix: false }))).toContain(
      "PULLGUARD_START_JOBS_AFTER_FIX is off",
    );
  });

  it("refuses, even with the switch, a job whose trigger is not Manual as read just before", () => {
    const on = { startJobsAfterFix: true };
    expect(refusal(() => assertAllowed(step, write("Schedule"), on))).toBe(
      `forbidden change (starts-job-execution): ${JOB_ID}/start: the job's trigger is Schedule, not Manual`,
    );
    expect(refusal(() => assertAllowed(step, write(null), on))).toContain("trigger is unknown, not Manual");
    expect(refusal(() => assertAllowed(step, write("Manual"), on))).toBeNull();
  });
});
