/**
 * Evidence and fixes shared by the role checks: the assignments a principal holds that cover the registry, the
 * repositories the app pulls from it, and the least-privilege grant for the registry's mode.
 *
 * Example: ABAC registry fabrikamacr, images fabrikamacr.azurecr.io/checkout/web:1 and .../checkout/worker:1 → grant
 * Container Registry Repository Reader at the registry with a condition admitting checkout/web and checkout/worker.
 */

import type { PullFacts, RegistryFacts } from "../facts.js";
import type { Evidence, FindingFix } from "../finding.js";
import type { AccessContext, Grant } from "../pull-access.js";
import { repositoriesOn, repositoryCondition } from "../pull-grants.js";
import type { PullPath } from "../pull-paths.js";
import { ROLE_NAMES, ROLES } from "../roles.js";

export function assignmentEvidence(grants: readonly Grant[]): Evidence[] {
  return grants.map((g) => ({
    resource: g.assignment.id,
    path: "properties",
    value: {
      role: g.roleName,
      scope: g.assignment.scope,
      principalType: g.assignment.principalType,
      ...(g.assignment.condition ? { condition: g.assignment.condition } : {}),
      createdOn: g.assignment.createdOn,
    },
  }));
}

export function modeEvidence(registry: RegistryFacts): Evidence {
  return { resource: registry.id, path: "properties.roleAssignmentMode", value: registry.roleAssignmentMode };
}

/** The grant that fixes a missing pull in the registry's mode, at registry scope. */
export function pullGrantFix(path: PullPath, facts: PullFacts, ctx: AccessContext): Omit<FindingFix, "auto"> {
  const role = ctx.mode === "abac" ? ROLES.repositoryReader : ROLES.acrPull;
  const base = `az role assignment create --assignee-object-id ${ctx.principalId} --assignee-principal-type ServicePrincipal --role ${role} --scope ${ctx.registry.id}`;
  if (ctx.mode === "legacy") {
    return { summary: `grant AcrPull on ${ctx.registry.name} (registry scope)`, az: base };
  }
  const repos = path.ref ? [path.ref.repository.toLowerCase()] : [];
  const wanted = [...new Set([...repos, ...repositoriesOn(facts, ctx.registry.loginServer)])].sort();
  const condition = wanted.length > 0 ? repositoryCondition(wanted) : null;
  return {
    summary: `grant ${ROLE_NAMES[role]} on ${ctx.registry.name} (registry scope)${wanted.length > 0 ? ` for ${wanted.join(", ")}` : ""}`,
    az: condition ? `${base} --condition "${condition}" --condition-version 2.0` : base,
  };
}
