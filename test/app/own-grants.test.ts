/**
 * A re-check within 10 minutes of a grant PullGuard made tells no one again when that grant, still propagating, is all
 * that is left (own-grants.ts); a grant a person made, or any other finding, is told as before.
 */
import { describe, expect, it } from "vitest";
import { grantsMadeByPullGuard, onlyOwnGrantsPropagating } from "../../src/app/own-grants.js";
import type { AuditRecord } from "../../src/azure/audit-log.js";
import type { Finding } from "../../src/core/finding.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { finding, REGISTRY_ID, SYSTEM_PRINCIPAL } from "../core/builders.js";

const OURS = "5b0c6f2e-8d1a-5e3b-9c4f-7a2d1e0b3c4d";
const THEIRS = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const assignmentId = (name: string) => `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/${name}`;

/** An audit row of PullGuard's grant, as applyPlan records it (the step, the PUT it sent, its outcome). */
function grantRow(name: string, outcome: AuditRecord["outcome"] = "done"): AuditRecord {
  const step = {
    kind: "assign-role",
    target: REGISTRY_ID,
    reason: "pull-role-missing",
    decision: "apply",
    roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    roleName: "AcrPull",
    scope: REGISTRY_ID,
    principalType: "ServicePrincipal",
    condition: null,
    conditionVersion: null,
    principalId: SYSTEM_PRINCIPAL,
    name,
  } as PlanStep;
  return {
    id: "20261122T120000000Z-1a2b3c4d",
    appId: "x",
    stepKind: "assign-role",
    target: REGISTRY_ID,
    reason: "pull-role-missing",
    before: null,
    after: null,
    trigger: { source: "alert" },
    time: "2026-11-22T12:00:00.000Z",
    outcome,
    error: null,
    step,
    request: { method: "PUT", url: `https://management.azure.com${assignmentId(name)}?api-version=2022-04-01` },
    settledAt: "2026-11-22T12:00:01.000Z",
  };
}

const propagating = (...names: string[]): Finding =>
  finding("role-assignment-propagating", {
    severity: "warning",
    evidence: names.map((n) => ({
      resource: assignmentId(n),
      path: "properties",
      value: { role: "AcrPull", createdOn: "2026-11-22T12:00:00.000Z" },
    })),
  });

describe("a re-check whose only findings are grants PullGuard made, still propagating", () => {
  const own = grantsMadeByPullGuard([grantRow(OURS)]);

  it("is quiet: the audit shows PullGuard made every grant the finding names (names compare case-insensitively)", () => {
    expect(onlyOwnGrantsPropagating([propagating(OURS.toUpperCase())], own)).toBe(true);
    // Info findings change nothing.
    const info = finding("registry-not-acr", { severity: "info" });
    expect(onlyOwnGrantsPropagating([propagating(OURS), info], own)).toBe(true);
  });

  it("is told as before when a person made the grant, or only some of them are PullGuard's", () => {
    expect(onlyOwnGrantsPropagating([propagating(THEIRS)], own)).toBe(false);
    expect(onlyOwnGrantsPropagating([propagating(OURS, THEIRS)], own)).toBe(false);
  });

  it("is told as before when something else is left (another warning, an error), or nothing is", () => {
    const other = finding("registry-uses-admin-credentials", { severity: "warning" });
    expect(onlyOwnGrantsPropagating([propagating(OURS), other], own)).toBe(false);
    expect(onlyOwnGrantsPropagating([propagating(OURS), finding("pull-role-missing")], own)).toBe(false);
    expect(onlyOwnGrantsPropagating([], own)).toBe(false);
    expect(onlyOwnGrantsPropagating([propagating()], own)).toBe(false);
  });

  it("counts only grants that took effect (not intended, failed or unknown)", () => {
    for (const outcome of ["intended", "failed", "unknown"] as const) {
      expect(onlyOwnGrantsPropagating([propagating(OURS)], grantsMadeByPullGuard([grantRow(OURS, outcome)]))).toBe(
        false,
      );
    }
  });
});
