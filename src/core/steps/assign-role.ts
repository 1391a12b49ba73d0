/**
 * assign-role: grant the pull role (AcrPull, or Container Registry Repository Reader with a repository condition) to
 * a principal at registry scope, under the deterministic assignment name (pull-path.md, "Remediation rules").
 *
 * A grant to a system identity that this same plan enables has no principal yet: `principalId` and `name` are null
 * and `principalFrom` says where the principal comes from; the run fills both in once the enable step has read the
 * new principal back (`resolve`). Such a grant depends on the enable step.
 *
 * ARM answers 409 RoleAssignmentExists when the scope, principal and role already have an assignment under another
 * name: that is `already-in-place` only when the existing one has the same role at the same scope and a condition
 * admitting the repositories (`conflict`). A condition extension (`replaces`) PUTs the existing name with the old
 * condition extended by exactly the missing repositories.
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import { conditionAdmits, extendCondition } from "../pull-grants.js";
import { roleAssignmentName, roleGuidOf } from "../role-assignment-name.js";
import { type ArmCall, lower, type StepModule } from "./step-module.js";

interface GrantBase extends StepBase {
  kind: "assign-role";
  /** Full role definition ID. */
  roleDefinitionId: string;
  roleName: string;
  scope: string;
  principalType: "ServicePrincipal";
  condition: string | null;
  conditionVersion: "2.0" | null;
  /** For abac-condition-excludes-repository: the existing assignment being extended (same name, PUT). */
  replaces?: string;
  /** The repositories the grant must admit (ABAC mode; lower case). A 409 is success only if they are admitted. */
  repositories?: string[];
}

/** A grant to a principal that exists. */
export interface KnownPrincipalGrant extends GrantBase {
  principalId: string;
  /** Deterministic assignment name: a name-based UUID of scope + principal + role. */
  name: string;
  /** Kept once filled in: the principal is the system identity this run enabled. */
  principalFrom?: "app-system-identity";
}

/** A grant to the system identity an earlier step of the plan enables: principal and name are known once it ran. */
export interface PendingPrincipalGrant extends GrantBase {
  principalId: null;
  name: null;
  principalFrom: "app-system-identity";
}

export type AssignRoleStep = KnownPrincipalGrant | PendingPrincipalGrant;

function assignmentPath(scope: string, name: string): string {
  return `${scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}

function grantBody(step: AssignRoleStep, condition: string | null): Json {
  return {
    properties: {
      roleDefinitionId: step.roleDefinitionId,
      principalId: step.principalId,
      principalType: step.principalType,
      ...(condition ? { condition, conditionVersion: step.conditionVersion ?? "2.0" } : {}),
    },
  };
}

function putCall(step: AssignRoleStep, condition: string | null): ArmCall {
  const name = step.name ?? "<derived from the new principal>";
  return {
    method: "PUT",
    path: assignmentPath(step.scope, name),
    api: "roleAssignments",
    body: grantBody(step, condition),
  };
}

/** Whether one of `assignments` grants what `step` intends (same role, same scope, condition admits the repos). */
export function grantVerdict(
  step: KnownPrincipalGrant,
  assignments: unknown[],
): { ok: true; existing: unknown } | { ok: false; error: string } {
  const role = roleGuidOf(step.roleDefinitionId);
  const same = assignments.filter((a) => {
    const rd = valueAt(a, "properties", "roleDefinitionId");
    const scope = valueAt(a, "properties", "scope");
    const principal = valueAt(a, "properties", "principalId");
    return (
      typeof rd === "string" &&
      roleGuidOf(rd) === role &&
      (typeof scope !== "string" || lower(scope) === lower(step.scope)) &&
      (typeof principal !== "string" || lower(principal) === lower(step.principalId))
    );
  });
  if (same.length === 0) {
    return {
      ok: false,
      error: `ARM says an assignment exists, but none of role ${step.roleName} for ${step.principalId} at ${step.scope} was found`,
    };
  }
  const repos = step.repositories ?? [];
  const admitting = same.find((a) => {
    const condition = valueAt(a, "properties", "condition");
    return repos.every((r) => conditionAdmits(typeof condition === "string" ? condition : null, r));
  });
  if (admitting) return { ok: true, existing: admitting };
  return {
    ok: false,
    error:
      `an assignment of ${step.roleName} for ${step.principalId} at ${step.scope} already exists ` +
      `(${String(valueAt(same[0], "name"))}) with a condition that does not admit ${repos.join(", ")}; ` +
      "extend it (opt-in fix abac-condition-excludes-repository) or edit it in the portal",
  };
}

function prepareExtension(step: KnownPrincipalGrant, existing: unknown) {
  if (!isObject(existing)) throw new Error(`the assignment ${step.name} to extend no longer exists at ${step.scope}`);
  const current = valueAt(existing, "properties", "condition");
  const condition = typeof current === "string" ? current : null;
  const repos = step.repositories ?? [];
  if (repos.every((r) => conditionAdmits(condition, r))) return { kind: "in-place" as const, before: existing };
  const extended = extendCondition(condition ?? "", repos);
  return {
    kind: "write" as const,
    call: putCall(step, extended),
    before: existing,
    step: { ...step, condition: extended },
  };
}

export const assignRole: StepModule<AssignRoleStep> = {
  kind: "assign-role",
  neededRole: "Role Based Access Control Administrator on the registry",
  key: (s) =>
    `assign-role|${lower(s.scope)}|${lower(s.principalFrom ?? s.principalId)}|${roleGuidOf(s.roleDefinitionId)}`,
  dependsOn: (step, earlier) => step.principalFrom !== undefined && earlier.kind === "enable-system-identity",
  describe: (s) => {
    const who = s.principalId === null ? "the app's system identity once enabled" : `principal ${s.principalId}`;
    return `grant ${s.roleName} to ${who} at ${s.scope}${s.condition ? " (with a repository condition)" : ""}`;
  },
  resolve(step, run) {
    if (step.principalId !== null || !run.systemPrincipalId) return step;
    const principalId = run.systemPrincipalId;
    return { ...step, principalId, name: roleAssignmentName(step.scope, principalId, step.roleDefinitionId) };
  },
  read: (step) =>
    step.name === null ? null : { method: "GET", path: assignmentPath(step.scope, step.name), api: "roleAssignments" },
  prepare(step, existing) {
    if (step.principalId === null) {
      return {
        kind: "unbuildable",
        call: putCall(step, step.condition),
        note: "the principal ID and the assignment name are known once the system identity is enabled",
      };
    }
    if (step.replaces) return prepareExtension(step, existing);
    if (isObject(existing)) {
      const verdict = grantVerdict(step, [existing]);
      if (verdict.ok) return { kind: "in-place", before: existing };
      throw new Error(verdict.error);
    }
    return { kind: "write", call: putCall(step, step.condition), before: null, step };
  },
  // 201 Created, or 200 OK for an assignment that already existed under this name (a concurrent run made it):
  // RoleAssignments_CreateForResource.json in azure-rest-api-specs (authorization 2022-04-01) lists both answers.
  // A condition extension always rewrites an existing assignment, so its 200 is the change itself.
  confirm: (step, answer) => ({
    outcome: answer.status === 200 && !step.replaces ? "already-in-place" : "done",
    after: answer.body,
  }),
  conflict: {
    code: "RoleAssignmentExists",
    list: (step) => ({
      method: "GET",
      path: `${step.scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/roleAssignments`,
      api: "roleAssignments",
      query: `$filter=${encodeURIComponent(`principalId eq '${step.principalId}'`)}`,
    }),
    decide(step, items) {
      if (step.principalId === null) return { ok: false, error: "the grant's principal is not known yet" };
      return grantVerdict(step, items);
    },
  },
  auditBefore: (before) => before,
};
