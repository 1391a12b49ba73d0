/**
 * Azure RBAC as the emulator decides it: assignments at a scope and every scope below, principals directly or
 * through groups, actions with wildcards minus notActions, data actions, ABAC conditions on the ACR repository
 * name, and the propagation delay of new assignments.
 */
import { BUILT_IN_ROLES, type Permission } from "./builtin-roles.js";
import { type ConditionRequest, conditionAllows } from "./conditions.js";
import { covers, lastSegment } from "./ids.js";
import type { ArmResource, WorldState } from "./state.js";
import { resourcesOfType } from "./world.js";

export interface RoleDefinition {
  id: string;
  guid: string;
  roleName: string;
  roleType: "BuiltInRole" | "CustomRole";
  permissions: Permission[];
  assignableScopes: string[];
}

const BUILT_IN: RoleDefinition[] = BUILT_IN_ROLES.map((r) => ({
  id: `/providers/Microsoft.Authorization/roleDefinitions/${r.guid}`,
  guid: r.guid,
  roleName: r.roleName,
  roleType: "BuiltInRole",
  permissions: r.permissions,
  assignableScopes: ["/"],
}));
const BUILT_IN_BY_GUID = new Map(BUILT_IN.map((d) => [d.guid, d]));

export function roleDefinitions(state: WorldState): RoleDefinition[] {
  const builtIn = BUILT_IN;
  const custom: RoleDefinition[] = resourcesOfType(state, "Microsoft.Authorization/roleDefinitions").map((r) => {
    const p = (r.properties ?? {}) as Record<string, unknown>;
    const perms = Array.isArray(p.permissions) ? (p.permissions as Array<Partial<Permission>>) : [];
    return {
      id: r.id,
      guid: lastSegment(r.id).toLowerCase(),
      roleName: String(p.roleName ?? r.name),
      roleType: "CustomRole",
      permissions: perms.map((x) => ({
        actions: x.actions ?? [],
        notActions: x.notActions ?? [],
        dataActions: x.dataActions ?? [],
        notDataActions: x.notDataActions ?? [],
      })),
      assignableScopes: Array.isArray(p.assignableScopes) ? (p.assignableScopes as string[]) : [],
    };
  });
  return [...builtIn, ...custom];
}

export function findRoleDefinition(state: WorldState, idOrGuid: string): RoleDefinition | undefined {
  const guid = lastSegment(idOrGuid).toLowerCase();
  return BUILT_IN_BY_GUID.get(guid) ?? roleDefinitions(state).find((d) => d.guid === guid);
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i");
}

export function permits(definition: RoleDefinition, action: string, data: boolean): boolean {
  return definition.permissions.some((p) => {
    const allow = data ? p.dataActions : p.actions;
    const deny = data ? p.notDataActions : p.notActions;
    return allow.some((a) => wildcard(a).test(action)) && !deny.some((a) => wildcard(a).test(action));
  });
}

interface Assignment {
  resource: ArmResource;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  condition: string | null;
  createdOn: Date;
}

export function assignmentOf(resource: ArmResource): Assignment {
  const p = (resource.properties ?? {}) as Record<string, unknown>;
  return {
    resource,
    scope: String(p.scope ?? ""),
    roleDefinitionId: String(p.roleDefinitionId ?? ""),
    principalId: String(p.principalId ?? "").toLowerCase(),
    principalType: String(p.principalType ?? ""),
    condition: typeof p.condition === "string" && p.condition.trim() !== "" ? p.condition : null,
    createdOn: new Date(String(p.createdOn ?? 0)),
  };
}

export function allAssignments(state: WorldState): Assignment[] {
  return resourcesOfType(state, "Microsoft.Authorization/roleAssignments").map(assignmentOf);
}

/** The principal itself and every group it is a member of. */
export function identitiesOf(state: WorldState, principalId: string): Set<string> {
  const p = principalId.toLowerCase();
  return new Set([p, ...state.groups.filter((g) => g.members.includes(p)).map((g) => g.objectId)]);
}

function effective(state: WorldState, a: Assignment, now: Date): boolean {
  return now.getTime() - a.createdOn.getTime() >= state.propagationDelaySeconds * 1000;
}

const REPO_NAME =
  /@Request\[Microsoft\.ContainerRegistry\/registries\/repositories:name\]\s+(ForAnyOfAnyValues:)?(StringEqualsIgnoreCase|StringEquals|StringStartsWithIgnoreCase|StringStartsWith|StringLike)\s+(\{[^}]*\}|'[^']*')/gi;

const NEGATED_ACTION = /!\s*\(\s*ActionMatches\{'([^']+)'\}\s*\)/gi;
const PULL_DATA_ACTION = "microsoft.containerregistry/registries/repositories/content/read";

/**
 * Whether the condition's action guard is true for a pull: it has `!(ActionMatches{...})` terms and none of them is
 * the pull's data action (content/read), e.g. a guard on `.../content/write` only. Azure evaluates
 * `!(ActionMatches{'<action>'}) OR (<expression>)` as true for any action other than <action>
 * (learn.microsoft.com/azure/role-based-access-control/conditions-format, "How a condition is evaluated"), so such a
 * condition admits every repository for pull. A `*` in the action is read as a wildcard (an assumption).
 */
function guardLetsPullThrough(condition: string): boolean {
  const actions = [...condition.matchAll(NEGATED_ACTION)].map((m) => (m[1] ?? "").toLowerCase());
  return actions.length > 0 && !actions.some((a) => wildcard(a).test(PULL_DATA_ACTION));
}

/**
 * Whether an ABAC condition lets a pull of `repository` through. The ACR forms are a guard on the content/metadata
 * read actions OR'ed with repository-name tests; a condition the emulator cannot read admits nothing.
 */
export function conditionAdmits(condition: string | null, repository: string): boolean {
  if (condition === null) return true;
  if (guardLetsPullThrough(condition)) return true;
  const repo = repository.toLowerCase();
  const tests = [...condition.matchAll(REPO_NAME)];
  if (tests.length === 0) return false;
  return tests.some((m) => {
    const op = (m[2] ?? "").toLowerCase();
    const values = (m[3] ?? "")
      .replace(/^\{|\}$/g, "")
      .split(",")
      .map((v) => v.trim().replace(/^'|'$/g, "").toLowerCase());
    return values.some((v) => {
      if (op.startsWith("stringstartswith")) return repo.startsWith(v);
      if (op === "stringlike") return wildcard(v).test(repo);
      return repo === v;
    });
  });
}

/** What ARM puts in an event's `authorization.evidence`: the assignment that allowed the caller's action. */
export interface GrantEvidence {
  role: string;
  roleAssignmentScope: string;
  roleAssignmentId: string;
  roleDefinitionId: string;
  principalType: string;
}

/** The attributes of a role-assignment write or delete that a delegation condition may test (conditions.ts). */
export type ConditionAttributes = Omit<ConditionRequest, "action">;

/**
 * The first effective assignment of `principalId` (directly or through a group) whose role permits `action` at
 * `scope` and whose condition, if it has one, lets this request through (world.md v2: conditions on the caller's own
 * assignments are enforced on writes, as Azure does for a conditioned Role Based Access Control Administrator).
 */
function grantingAssignment(
  state: WorldState,
  principalId: string,
  action: string,
  scope: string,
  now: Date,
  attributes: ConditionAttributes = {},
): { assignment: Assignment; definition: RoleDefinition } | null {
  const who = identitiesOf(state, principalId);
  for (const assignment of allAssignments(state)) {
    if (!who.has(assignment.principalId) || !covers(assignment.scope, scope) || !effective(state, assignment, now)) {
      continue;
    }
    const definition = findRoleDefinition(state, assignment.roleDefinitionId);
    if (!definition || !permits(definition, action, false)) continue;
    if (assignment.condition !== null && !conditionAllows(assignment.condition, { action, ...attributes })) continue;
    return { assignment, definition };
  }
  return null;
}

export function evidenceFor(
  state: WorldState,
  principalId: string,
  action: string,
  scope: string,
  now: Date,
): GrantEvidence | null {
  const grant = grantingAssignment(state, principalId, action, scope, now);
  if (!grant) return null;
  return {
    role: grant.definition.roleName,
    roleAssignmentScope: grant.assignment.scope,
    roleAssignmentId: (grant.assignment.resource.name ?? "").replace(/-/g, ""),
    roleDefinitionId: grant.definition.guid.replace(/-/g, ""),
    principalType: grant.assignment.principalType,
  };
}

/**
 * Control-plane authorization of the named caller; with no caller named the world's operator may do anything.
 * `attributes` are the request's (a role-assignment write) or the target's (a delete), for conditioned assignments.
 */
export function callerMay(
  state: WorldState,
  principalId: string,
  action: string,
  scope: string,
  now: Date,
  attributes: ConditionAttributes = {},
): boolean {
  return !state.caller || grantingAssignment(state, principalId, action, scope, now, attributes) !== null;
}

export const LEGACY_PULL_ACTION = "Microsoft.ContainerRegistry/registries/pull/read";
export const ABAC_PULL_DATA_ACTION = "Microsoft.ContainerRegistry/registries/repositories/content/read";

export type PullDecision = "allowed" | "denied" | "propagating";

/** Whether `principalId` may pull `repository` from `registry` in the registry's role-assignment mode. */
export function principalMayPull(
  state: WorldState,
  principalId: string,
  registry: ArmResource,
  repository: string,
  now: Date,
): PullDecision {
  const abac = String(registry.properties?.roleAssignmentMode ?? "").toLowerCase() === "abacrepositorypermissions";
  const who = identitiesOf(state, principalId);
  let propagating = false;
  for (const a of allAssignments(state)) {
    if (!who.has(a.principalId) || !covers(a.scope, registry.id)) continue;
    const definition = findRoleDefinition(state, a.roleDefinitionId);
    if (!definition) continue;
    const grants = abac
      ? permits(definition, ABAC_PULL_DATA_ACTION, true) && conditionAdmits(a.condition, repository)
      : permits(definition, LEGACY_PULL_ACTION, false);
    if (!grants) continue;
    if (effective(state, a, now)) return "allowed";
    propagating = true;
  }
  return propagating ? "propagating" : "denied";
}
