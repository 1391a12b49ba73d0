/**
 * Authorization answers (SDK models, `properties` flattened) → facts. `createdOn` becomes an ISO string; a missing
 * one stays null, which the checks read as "old" (never fresh).
 */
import type { RoleAssignment, RoleDefinition } from "@azure/arm-authorization";
import type { RoleAssignmentFacts, RoleDefinitionFacts } from "../core/facts.js";
import { resourceNameOf } from "../core/resource-id.js";
import { roleGuidOf } from "../core/role-assignment-name.js";

/** Null when the model lacks a field the checks cannot do without. */
export function roleAssignmentFactsFrom(assignment: RoleAssignment): RoleAssignmentFacts | null {
  if (!assignment.id || !assignment.roleDefinitionId || !assignment.principalId) return null;
  return {
    id: assignment.id,
    name: assignment.name ?? resourceNameOf(assignment.id),
    scope:
      assignment.scope ?? assignment.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, ""),
    roleDefinitionId: assignment.roleDefinitionId,
    principalId: assignment.principalId,
    principalType: assignment.principalType ?? "Unknown",
    condition: assignment.condition ?? null,
    conditionVersion: assignment.conditionVersion ?? null,
    createdOn: assignment.createdOn ? assignment.createdOn.toISOString() : null,
  };
}

/** The ID to GET a role definition by; a bare GUID names a built-in role at the tenant root. */
export function roleDefinitionReadId(roleDefinitionId: string): string {
  return roleDefinitionId.startsWith("/")
    ? roleDefinitionId
    : `/providers/Microsoft.Authorization/roleDefinitions/${roleDefinitionId}`;
}

export function roleDefinitionFactsFrom(definition: RoleDefinition, requestedId: string): RoleDefinitionFacts {
  const id = definition.id ?? requestedId;
  return {
    id,
    guid: roleGuidOf(definition.name ?? id),
    roleName: definition.roleName ?? "",
    roleType: definition.roleType ?? "",
    permissions: (definition.permissions ?? []).map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}
