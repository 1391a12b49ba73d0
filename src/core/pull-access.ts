/**
 * Whether a path's principal may pull, in the registry's mode: the single evaluation behind every role finding
 * (pull-role-missing, abac-mode-legacy-role-only, abac-condition-excludes-repository, role-assignment-propagating,
 * role-assigned-via-group, permission-not-proven), so that they never contradict each other.
 *
 * Example: ABAC registry, principal P holds AcrPull at the registry and Repository Reader with condition
 * `... StringEqualsIgnoreCase 'web'`, image repository `api` → { status: "condition-excludes" } (AcrPull is not
 * honoured in ABAC mode; the only ABAC grant's condition leaves `api` out).
 */
import { isFound, type PullFacts, type RegistryFacts, type RoleAssignmentFacts } from "./facts.js";
import type { PullPath } from "./pull-paths.js";
import { principalOf } from "./pull-paths.js";
import { roleGuidOf } from "./role-assignment-name.js";
import {
  assignmentCovers,
  type ConditionVerdict,
  conditionAdmits,
  pullGrant,
  type RegistryMode,
  registryMode,
  roleName,
} from "./roles.js";

export interface Grant {
  assignment: RoleAssignmentFacts;
  roleGuid: string;
  roleName: string;
  viaGroup: boolean;
  condition: ConditionVerdict;
}

export type Access =
  | { status: "granted"; grants: Grant[] }
  | { status: "not-proven"; grants: Grant[]; why: string }
  | { status: "condition-excludes"; grants: Grant[] }
  | { status: "legacy-only"; grants: Grant[] }
  | { status: "missing" };

export interface AccessContext {
  registry: RegistryFacts;
  mode: RegistryMode;
  principalId: string;
  assignments: RoleAssignmentFacts[];
  access: Access;
}

const lower = (s: string): string => s.toLowerCase();

export function foundRegistry(path: PullPath): RegistryFacts | null {
  return isFound(path.registry) ? path.registry : null;
}

/** The registry's tenant (from its subscription), when known. */
export function registryTenant(facts: PullFacts, registry: RegistryFacts): string | null {
  return facts.subscriptionTenants[lower(registry.subscriptionId)] ?? null;
}

/** The identity's tenant, when known. */
export function identityTenant(path: PullPath): string | null {
  return path.identity.kind === "none" ? null : path.identity.tenantId;
}

export function isCrossTenant(path: PullPath, facts: PullFacts): boolean {
  const registry = foundRegistry(path);
  if (!registry || path.identity.kind === "none") return false;
  const a = registryTenant(facts, registry);
  const b = identityTenant(path);
  return a !== null && b !== null && lower(a) !== lower(b);
}

/**
 * The access evaluation, or null when role findings do not apply to the path: no managed identity, no principal
 * (identity disabled, missing, deleted), registry not found or unread, cross-tenant, or assignments not readable
 * (those cases have findings of their own).
 */
export function accessOf(path: PullPath, facts: PullFacts): AccessContext | null {
  if (!path.isAcr || path.entry === null) return null;
  const principalId = principalOf(path.identity);
  const registry = foundRegistry(path);
  if (!principalId || !registry || isCrossTenant(path, facts)) return null;
  if (!path.assignments?.readable || !path.assignments.found) return null;
  const mode = registryMode(registry.roleAssignmentMode);
  const assignments = path.assignments.items;
  const repository = path.ref?.repository ?? null;
  const strong: Grant[] = [];
  const unproven: Grant[] = [];
  const excluded: Grant[] = [];
  const legacyOnly: Grant[] = [];
  let why = "";
  for (const a of assignments) {
    if (!assignmentCovers(a.scope, registry.id)) continue;
    const guid = roleGuidOf(a.roleDefinitionId);
    const definition = facts.roleDefinitions[guid];
    const grant = pullGrant(definition, guid, mode);
    // Conditions narrow ABAC grants to repositories. An unused registry entry has no repository: any condition
    // admits "something", so it counts as a grant there.
    const condition: ConditionVerdict =
      mode === "abac" && repository !== null ? conditionAdmits(a.condition, repository) : "admits";
    const g: Grant = {
      assignment: a,
      roleGuid: guid,
      roleName: roleName(definition, guid),
      viaGroup: lower(a.principalId) !== lower(principalId) || /group/i.test(a.principalType),
      condition,
    };
    if (grant === "grants" && condition === "admits") strong.push(g);
    else if (grant === "not-proven" && condition !== "excludes") {
      unproven.push(g);
      why = `${g.roleName} is a custom role that grants pull only through a wildcard`;
    } else if (grant === "grants" && condition === "cannot-evaluate") {
      unproven.push(g);
      why = `the condition of the ${g.roleName} assignment ${a.name} is not a form PullGuard can evaluate`;
    } else if (grant === "grants" && condition === "excludes") excluded.push(g);
    else if (mode === "abac" && pullGrant(definition, guid, "legacy") === "grants") legacyOnly.push(g);
  }
  let access: Access;
  if (strong.length > 0) access = { status: "granted", grants: strong };
  else if (unproven.length > 0) access = { status: "not-proven", grants: unproven, why };
  else if (excluded.length > 0) access = { status: "condition-excludes", grants: excluded };
  else if (legacyOnly.length > 0) access = { status: "legacy-only", grants: legacyOnly };
  else access = { status: "missing" };
  return { registry, mode, principalId, assignments, access };
}
