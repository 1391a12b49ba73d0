/**
 * v2: a job's plan (pull-path.md "Workloads: apps and jobs"): the app's identity, grant and registry-entry steps,
 * targeted at the job; never a restart or a template re-submission; the start of one execution only when a person
 * switched it on and the job's trigger is Manual.
 */
import { describe, expect, it } from "vitest";
import { followUpRestart, planFixes } from "../../src/core/plan.js";
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
      expect(plan[1]).toEqual({
        kind: "start-job-execution",
        target: JOB_ID,
        reason: "pull-role-missing",
        decision: "apply",
      });
      expect(describeStep(plan[1] as PlanStep)).toBe(
        "start one execution of job nightly-export (PULLGUARD_START_JOBS_AFTER_FIX)",
      );
    }
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

  it("a follow-up never starts one", () => {
    const facts = jobFacts({ triggerType: "Manual" });
    expect(followUpRestart(facts, [], policy({ startJobsAfterFix: true }))).toBeNull();
  });
});
