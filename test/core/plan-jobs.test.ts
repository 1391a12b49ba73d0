/**
 * v2: a job's plan (pull-path.md "Workloads: apps and jobs"): the app's identity, grant and registry-entry steps,
 * targeted at the job; never a restart or a template re-submission; the start of one execution only when a person
 * switched it on and the job's trigger is Manual.
 */
import { describe, expect, it } from "vitest";
import { followUpRestart, followUpStart, planFixes } from "../../src/core/plan.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { describeStep } from "../../src/core/steps/index.js";
import {
  finding,
  JOB_ID,
  jobFacts,
  policy,
  REGISTRY_ID,
  REPO_READER,
  registry,
  SERVER,
  SYSTEM_PRINCIPAL,
  UAMI_ID,
  UAMI_PRINCIPAL,
} from "./builders.js";

const kinds = (plan: PlanStep[]) => plan.map((s) => s.kind);

/** The three ways the issue breaks a job, each with the finding the diagnosis gives. */
const broken = {
  "UAMI not attached": () => ({
    facts: jobFacts({
      identityType: "None",
      systemPrincipal: null,
      registries: [{ server: SERVER, identity: UAMI_ID, username: null, passwordSecretRef: null }],
    }),
    findings: [finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } })],
    steps: ["attach-user-identity"],
  }),
  "system identity without AcrPull": () => ({
    facts: jobFacts(),
    findings: [finding("pull-role-missing")],
    steps: ["assign-role"],
  }),
  "ABAC registry with AcrPull only": () => ({
    facts: jobFacts({ registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }) }),
    findings: [finding("abac-mode-legacy-role-only")],
    steps: ["assign-role"],
  }),
} as const;

describe("planFixes for a job", () => {
  it.each(Object.entries(broken))("%s: the app's steps on the job, and nothing restarted", (_name, make) => {
    const { facts, findings, steps } = make();
    const plan = planFixes(facts, findings, policy());
    expect(kinds(plan)).toEqual(steps);
    expect(plan.map((s) => s.decision)).toEqual(steps.map(() => "apply"));
  });

  it("identity steps PATCH the job: their target is the job ID and their sentences say job", () => {
    const facts = jobFacts({ identityType: "None", systemPrincipal: null });
    const plan = planFixes(facts, [finding("system-identity-disabled")], policy());
    expect(kinds(plan)).toEqual(["enable-system-identity", "assign-role"]);
    expect(plan[0]).toMatchObject({ target: JOB_ID, decision: "apply" });
    expect(plan[1]).toMatchObject({ target: REGISTRY_ID, principalFrom: "app-system-identity" });
    expect(describeStep(plan[0] as PlanStep)).toBe("enable the job's system-assigned identity");
    const attach = planFixes(
      jobFacts({ registries: [{ server: SERVER, identity: UAMI_ID, username: null, passwordSecretRef: null }] }),
      [finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } })],
      policy(),
    );
    expect(attach.map(describeStep)).toEqual(["attach user-assigned identity id-pull to the job"]);
  });

  it("a registry entry is added to the job's own registries, after the grant its identity needs", () => {
    const facts = jobFacts({ registries: [] });
    const plan = planFixes(facts, [finding("registry-not-configured")], policy());
    expect(kinds(plan)).toEqual(["assign-role", "add-registry-entry"]);
    expect(plan[1]).toMatchObject({ target: JOB_ID, server: SERVER, identity: "system", decision: "apply" });
  });

  it("ABAC: the grant is Repository Reader with the job's repositories", () => {
    const { facts, findings } = broken["ABAC registry with AcrPull only"]();
    const [grant] = planFixes(facts, findings, policy());
    expect(grant).toMatchObject({ kind: "assign-role", repositories: ["checkout/web"] });
    expect(grant?.kind === "assign-role" ? grant.roleDefinitionId : "").toContain(REPO_READER);
  });

  it("a propagating grant alone plans nothing for a job (no revision to restart, no execution to start)", () => {
    const warning = finding("role-assignment-propagating", { severity: "warning" });
    for (const type of ["Manual", "Schedule"]) {
      const facts = jobFacts({ triggerType: type });
      expect(planFixes(facts, [warning], policy({ startJobsAfterFix: true }))).toEqual([]);
      expect(followUpRestart(facts, [warning], policy({ startJobsAfterFix: true }))).toBeNull();
    }
  });
});

describe("start-job-execution", () => {
  const pullRoleMissing = [finding("pull-role-missing")];

  it("with the switch on, a Manual job's plan ends with one start of an execution (trigger type in any case)", () => {
    for (const type of ["Manual", "manual", "MANUAL"]) {
      const plan = planFixes(jobFacts({ triggerType: type }), pullRoleMissing, policy({ startJobsAfterFix: true }));
      expect(kinds(plan)).toEqual(["assign-role", "start-job-execution"]);
      // The grant the plan makes must propagate first: the start waits 10 minutes from the read.
      expect(plan[1]).toEqual({
        kind: "start-job-execution",
        target: JOB_ID,
        reason: "pull-role-missing",
        notBefore: "2026-11-22T12:10:00.000Z",
        decision: "apply",
      });
      expect(describeStep(plan[1] as PlanStep)).toBe(
        "start one execution of job nightly-export (PULLGUARD_START_JOBS_AFTER_FIX) not before 2026-11-22T12:10:00.000Z",
      );
    }
  });

  it("a fix without a grant (an identity attached that already holds AcrPull) starts at once", () => {
    const { facts, findings } = broken["UAMI not attached"]();
    const manual = { ...facts, app: { ...facts.app, trigger: { type: "Manual", cronExpression: null } } };
    const plan = planFixes(manual, findings, policy({ startJobsAfterFix: true }));
    expect(kinds(plan)).toEqual(["attach-user-identity", "start-job-execution"]);
    expect(plan[1]).not.toHaveProperty("notBefore");
  });

  it("with the switch off it is simply absent, for every trigger type", () => {
    for (const type of ["Manual", "Schedule", "Event"]) {
      const plan = planFixes(jobFacts({ triggerType: type }), pullRoleMissing, policy());
      expect(kinds(plan)).toEqual(["assign-role"]);
    }
  });

  it("a Schedule or Event job never gets one: report-only, with the reason", () => {
    const expected = {
      Schedule: "its next scheduled execution pulls again",
      Event: "its next triggered execution pulls again",
    };
    for (const [type, next] of Object.entries(expected)) {
      const plan = planFixes(jobFacts({ triggerType: type }), pullRoleMissing, policy({ startJobsAfterFix: true }));
      expect(plan[1]).toMatchObject({ kind: "start-job-execution", decision: "report-only" });
      expect(plan[1]?.why).toBe(
        `PullGuard starts executions of manual-trigger jobs only (PULLGUARD_START_JOBS_AFTER_FIX); this job's trigger is ${type}: ${next}`,
      );
    }
  });

  it("nothing to fix: no start, even with the switch on", () => {
    expect(planFixes(jobFacts({ triggerType: "Manual" }), [], policy({ startJobsAfterFix: true }))).toEqual([]);
  });

  it("is only as strong as the fixes before it (report mode, a needs-approval fix)", () => {
    const report = planFixes(
      jobFacts({ triggerType: "Manual" }),
      pullRoleMissing,
      policy({ startJobsAfterFix: true, mode: "report" }),
    );
    expect(report.map((s) => s.decision)).toEqual(["report-only", "report-only"]);
    const optIn = planFixes(
      jobFacts({ triggerType: "Manual" }),
      [finding("arm-audience-tokens-disabled")],
      policy({ startJobsAfterFix: true }),
    );
    expect(optIn.map((s) => [s.kind, s.decision])).toEqual([
      ["enable-arm-audience-tokens", "needs-approval"],
      ["start-job-execution", "needs-approval"],
    ]);
  });

  it("a follow-up never restarts anything for a job", () => {
    const facts = jobFacts({ triggerType: "Manual" });
    expect(followUpRestart(facts, [], policy({ startJobsAfterFix: true }))).toBeNull();
  });
});

describe("followUpStart: the start a fix deferred while its grant propagated", () => {
  const FIXED_AT = "2026-11-22T11:59:00.000Z";
  const DEFERRED = { since: FIXED_AT, startAfter: "2026-11-22T12:09:00.000Z" };
  const on = policy({ startJobsAfterFix: true });
  const manual = () => jobFacts({ triggerType: "Manual" });
  const propagating = (createdOn: string) => {
    const facts = manual();
    const grant = {
      id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/a1`,
      name: "a1",
      scope: REGISTRY_ID,
      roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
      principalId: SYSTEM_PRINCIPAL,
      principalType: "ServicePrincipal",
      condition: null,
      conditionVersion: null,
      createdOn,
    };
    facts.roleAssignments[SYSTEM_PRINCIPAL] = { readable: true, found: true, items: [grant] };
    return facts;
  };
  const warning = finding("role-assignment-propagating", {
    severity: "warning",
    identity: { ref: "system", principalId: SYSTEM_PRINCIPAL },
  });

  it("is due when the fix said (startAfter), or later when the grant now read is younger", () => {
    expect(followUpStart(manual(), [], on, DEFERRED)).toEqual({
      kind: "start-job-execution",
      target: JOB_ID,
      reason: "role-assignment-propagating",
      notBefore: "2026-11-22T12:09:00.000Z",
      decision: "apply",
    });
    const younger = followUpStart(propagating("2026-11-22T11:59:30.000Z"), [warning], on, DEFERRED);
    expect(younger).toMatchObject({ notBefore: "2026-11-22T12:09:30.000Z" });
  });

  it("starts nothing the fix did not defer: a follow-up never makes another start", () => {
    expect(followUpStart(manual(), [], on, { since: FIXED_AT, startAfter: null })).toBeNull();
  });

  it("is never made twice: an execution started since the fix means it went out (or someone started one)", () => {
    const started = jobFacts({
      triggerType: "Manual",
      executions: [{ name: "e1", status: "Running", startTime: "2026-11-22T12:09:31.000Z", endTime: null }],
    });
    expect(followUpStart(started, [], on, DEFERRED)).toBeNull();
    // Without the fix's time every execution counts as started since: never a start on a guess.
    expect(followUpStart(manual(), [], on, { since: null, startAfter: DEFERRED.startAfter })).toBeNull();
  });

  it("a run the fix's read listed (prior) is no start since the fix, even dated after it by ARM's clock", () => {
    const skewed = jobFacts({
      triggerType: "Manual",
      executions: [{ name: "dev01", status: "Failed", startTime: "2026-11-22T12:00:03.000Z", endTime: null }],
    });
    expect(followUpStart(skewed, [], on, DEFERRED)).toBeNull();
    expect(followUpStart(skewed, [], on, { ...DEFERRED, prior: ["dev01"] })).toMatchObject({
      kind: "start-job-execution",
    });
  });

  it("needs the switch, fix mode, a Manual trigger, readable executions and no error left", () => {
    expect(followUpStart(manual(), [], policy(), DEFERRED)).toBeNull();
    expect(followUpStart(manual(), [], policy({ startJobsAfterFix: true, mode: "report" }), DEFERRED)).toBeNull();
    expect(followUpStart(jobFacts({ triggerType: "Schedule" }), [], on, DEFERRED)).toBeNull();
    expect(followUpStart(manual(), [finding("pull-role-missing")], on, DEFERRED)).toBeNull();
    const unread = { ...manual(), executions: { readable: false as const, resource: "x", message: "403" } };
    expect(followUpStart(unread, [], on, DEFERRED)).toBeNull();
    expect(followUpStart(manual(), [], on, DEFERRED)).not.toBeNull();
  });
});
