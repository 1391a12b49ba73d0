/**
 * What the assignments reader knows, and the questions it asks of it (which principals may pull, which subscriptions
 * to read, whether a principal's grants are already shown). Pure functions over the state; assignments.ts plans the
 * reads from them.
 */
import { isFound, type PrincipalAssignments, type RoleAssignmentFacts } from "../../core/facts.js";
import { grantsPullFor, repositoriesOn } from "../../core/pull-grants.js";
import { hasSystemAssigned } from "../../core/pull-paths.js";
import type { EnvironmentReader } from "./environment.js";
import type { IdentitiesReader } from "./identities.js";
import { type ReadContext, usesEnvironmentIdentity } from "./reader.js";
import type { RegistriesReader } from "./registries.js";
import { createRoleDefinitionsReading, type RoleDefinitionsReading } from "./role-definitions.js";

/** How many other subscriptions a principal's assignments are read in ahead of knowing where its registry is. */
const SPECULATIVE_SUBSCRIPTIONS = 2;

export interface AssignmentSources {
  registries: RegistriesReader;
  identities: IdentitiesReader;
  environment: EnvironmentReader;
}

export interface AssignmentState extends AssignmentSources {
  context: ReadContext;
  /** Per principal (lower case): one assignedTo() read per subscription listed. */
  assignmentReads: Map<string, Map<string, PrincipalAssignments>>;
  /** Per registry (lower-cased ID): every assignment at or above it, whoever holds it (atScope()). */
  registryScopeReads: Map<string, PrincipalAssignments>;
  definitions: RoleDefinitionsReading;
  /** The principals the app itself names (its system identity, its attached UAMIs), lower case. */
  appPrincipals: ReadonlySet<string>;
  environmentIdentity: boolean;
}

export function createAssignmentState(context: ReadContext, sources: AssignmentSources): AssignmentState {
  const { app } = context;
  const appPrincipals = [
    hasSystemAssigned(app.identity.type) ? app.identity.principalId : null,
    ...app.identity.userAssigned.map((u) => u.principalId),
  ].filter((p): p is string => !!p);
  return {
    ...sources,
    context,
    assignmentReads: new Map(),
    registryScopeReads: new Map(),
    definitions: createRoleDefinitionsReading(context),
    appPrincipals: new Set(appPrincipals.map((p) => p.toLowerCase())),
    environmentIdentity: usesEnvironmentIdentity(app),
  };
}

/** Principal IDs known so far, lower case: the app's, then those first seen in a later read. */
export function knownPrincipals(state: AssignmentState): string[] {
  const principals = [...state.appPrincipals];
  for (const read of state.identities.facts().values()) {
    if (isFound(read) && read.principalId) principals.push(read.principalId);
  }
  const environment = state.environment.current();
  if (state.environmentIdentity && isFound(environment)) {
    const { type, principalId } = environment.identity;
    if (hasSystemAssigned(type) && principalId) principals.push(principalId);
  }
  return [...new Set(principals.map((p) => p.toLowerCase()))];
}

/**
 * Whether a principal that may pull is still unknown: a user-assigned identity a registry entry names that is not
 * attached (its principal comes with its own read), or the environment's identity before the environment is read.
 */
export function principalsPending(state: AssignmentState): boolean {
  const { app } = state.context;
  const attached = new Set(app.identity.userAssigned.filter((u) => u.principalId).map((u) => u.id.toLowerCase()));
  const unknownIdentity = app.registries.some((r) => {
    const ref = r.identity?.toLowerCase() ?? "";
    return ref.startsWith("/") && !attached.has(ref) && !state.identities.has(ref);
  });
  return unknownIdentity || (state.environmentIdentity && state.environment.current() === undefined);
}

/** The app's subscription and every subscription holding one of its registries. */
export function assignmentSubscriptions(state: AssignmentState): string[] {
  const subscriptions = [state.context.app.subscriptionId.toLowerCase()];
  for (const registry of state.registries.rbacRegistries()) subscriptions.push(registry.subscriptionId.toLowerCase());
  return [...new Set(subscriptions)];
}

/**
 * While an image's registry is not found in the app's subscription yet, the few other subscriptions of the app's
 * tenant it may be in (at most SPECULATIVE_SUBSCRIPTIONS): reading the principal's assignments there now, beside
 * the registry lists, keeps a registry in a neighbouring subscription within the same waves. With more
 * subscriptions, or in a sweep, the reads wait for the registry instead (a wave more, fewer requests).
 */
export function speculativeSubscriptions(state: AssignmentState): string[] {
  const { context } = state;
  if (context.fewerRequestsThanWaves || !state.registries.unresolved() || !isFound(context.subscriptions)) return [];
  const own = context.app.subscriptionId.toLowerCase();
  const tenant = context.app.identity.tenantId?.toLowerCase() ?? null;
  const others = context.subscriptions.items
    .filter((s) => s.subscriptionId !== own && (tenant === null || s.tenantId?.toLowerCase() === tenant))
    .map((s) => s.subscriptionId);
  return others.length <= SPECULATIVE_SUBSCRIPTIONS ? others : [];
}

/** Assignments the registries' atScope() reads showed, whoever holds them. */
export function atScopeItems(state: AssignmentState): RoleAssignmentFacts[] {
  return [...state.registryScopeReads.values()].flatMap((read) => (isFound(read) ? read.items : []));
}

/**
 * Whether the registries' atScope() reads already tell all that a principal first seen after wave 1 holds there, so
 * its assignedTo() reads are left out. Per registry, either atScope() shows it a direct grant of pull (for the app's
 * repositories, in the registry's mode): assignedTo() could only add more; or atScope() shows no assignment held by a
 * group at all: every assignment that covers the registry is at or above it, so atScope() lists it, and one the
 * principal holds directly would carry its ID; only a group's could hide it.
 */
export function grantsAlreadyShown(state: AssignmentState, principal: string): boolean {
  if (state.appPrincipals.has(principal)) return false;
  const rbac = state.registries.rbacRegistries();
  if (rbac.length === 0 || state.registries.unresolved()) return false;
  const held = atScopeItems(state).filter((a) => a.principalId.toLowerCase() === principal);
  state.definitions.takeBuiltIns(held.map((a) => a.roleDefinitionId));
  return rbac.every((registry) => {
    const read = state.registryScopeReads.get(registry.id.toLowerCase());
    if (!isFound(read)) return false;
    if (!read.items.some((a) => /group/i.test(a.principalType))) return true;
    const repositories = repositoriesOn({ app: state.context.app }, registry.loginServer);
    return held.some((a) => grantsPullFor(a, registry, repositories, state.definitions.known()));
  });
}

/** Assignments read so far for the principals known now. */
export function knownAssignments(state: AssignmentState): RoleAssignmentFacts[] {
  const principals = new Set(knownPrincipals(state));
  const all: RoleAssignmentFacts[] = [];
  for (const reads of state.assignmentReads.values())
    for (const read of reads.values()) if (isFound(read)) all.push(...read.items);
  all.push(...atScopeItems(state).filter((a) => principals.has(a.principalId.toLowerCase())));
  return all;
}
