/**
 * The assignments reader: the role assignments of every principal that may pull for the app, and the definitions of
 * the roles that cover one of its registries.
 *
 *   per principal  assignedTo() on the app's subscription and on each registry's (direct and group assignments, at,
 *                  above and below); while a registry is not found yet, also in the tenant's other subscriptions when
 *                  there are at most two (dropped unless a registry is there);
 *   per registry   atScope(), only while a principal is still unknown (a UAMI named but not attached, the environment's
 *                  identity before the environment is read): whoever holds them, so that such a principal has its
 *                  grants on the registry, and their role definitions, in the same wave as its own read. When that
 *                  already shows it a direct grant of pull on every registry, its own assignedTo() would only add
 *                  more grants and is not read (one wave less);
 *   per role       the definition, from the built-in snapshot (src/core/built-in-role-definitions.ts) or read (custom).
 *
 * A sweep (`fewerRequestsThanWaves`) reads neither the speculative nor the atScope() assignments.
 */
import type { PrincipalAssignments, RoleDefinitionFacts } from "../../core/facts.js";
import { assignmentCovers } from "../../core/roles.js";
import { readerOn } from "../errors.js";
import { onceEach, type ReadTask } from "../read-results.js";
import {
  type AssignmentSources,
  type AssignmentState,
  assignmentSubscriptions,
  atScopeItems,
  createAssignmentState,
  grantsAlreadyShown,
  knownAssignments,
  knownPrincipals,
  principalsPending,
  speculativeSubscriptions,
} from "./assignment-state.js";
import { listAssignments, mergeAssignmentReads } from "./list-assignments.js";
import type { ReadContext, Reader } from "./reader.js";

export interface AssignmentsReader extends Reader {
  facts(): {
    roleAssignments: Record<string, PrincipalAssignments>;
    roleDefinitions: Record<string, RoleDefinitionFacts>;
  };
}

type Once = ReturnType<typeof onceEach>;

function planPrincipalReads(state: AssignmentState, once: Once): ReadTask[] {
  const tasks: ReadTask[] = [];
  for (const principal of knownPrincipals(state)) {
    if (grantsAlreadyShown(state, principal)) continue;
    for (const subscriptionId of new Set([...assignmentSubscriptions(state), ...speculativeSubscriptions(state)])) {
      tasks.push(
        ...once(`assignments:${principal}:${subscriptionId}`, async () => {
          const read = await listAssignments(
            state.context,
            subscriptionId,
            null,
            `assignedTo('${principal}')`,
            readerOn(`subscription ${subscriptionId}`),
          );
          const bySubscription = state.assignmentReads.get(principal) ?? new Map<string, PrincipalAssignments>();
          bySubscription.set(subscriptionId, read);
          state.assignmentReads.set(principal, bySubscription);
        }),
      );
    }
  }
  return tasks;
}

function planRegistryScopeReads(state: AssignmentState, once: Once): ReadTask[] {
  // The registry-scope read only saves a wave for a principal not known yet; when every principal is known it would
  // repeat what assignedTo() returns.
  if (state.context.fewerRequestsThanWaves || !principalsPending(state)) return [];
  return state.registries.rbacRegistries().flatMap((registry) =>
    once(`registry-assignments:${registry.id.toLowerCase()}`, async () => {
      const read = await listAssignments(
        state.context,
        registry.subscriptionId,
        registry.id,
        "atScope()",
        readerOn(`registry ${registry.name}`),
      );
      state.registryScopeReads.set(registry.id.toLowerCase(), read);
    }),
  );
}

/** Role definitions of the assignments that cover a registry of the app (the others cannot grant its pulls). */
function planRoleDefinitions(state: AssignmentState): ReadTask[] {
  const registryIds = state.registries.rbacRegistries().map((r) => r.id);
  const covering = knownAssignments(state).filter((a) => registryIds.some((id) => assignmentCovers(a.scope, id)));
  return state.definitions.plan(covering.map((a) => a.roleDefinitionId));
}

function assignmentFacts(state: AssignmentState): ReturnType<AssignmentsReader["facts"]> {
  const roleAssignments: Record<string, PrincipalAssignments> = {};
  const scopeItems = atScopeItems(state);
  // Only the subscriptions that matter count: a speculative read of a subscription that turned out to hold none of
  // the app's registries neither adds grants nor, when it failed, makes the principal's assignments unreadable.
  const relevant = new Set(assignmentSubscriptions(state));
  const shownOnly = knownPrincipals(state).filter((p) => grantsAlreadyShown(state, p));
  for (const principal of new Set([...state.assignmentReads.keys(), ...shownOnly])) {
    const reads = [...(state.assignmentReads.get(principal) ?? new Map<string, PrincipalAssignments>())]
      .filter(([subscriptionId]) => relevant.has(subscriptionId))
      .map(([, read]) => read);
    const atRegistries = scopeItems.filter((a) => a.principalId.toLowerCase() === principal);
    roleAssignments[principal] = mergeAssignmentReads(reads, atRegistries);
  }
  return { roleAssignments, roleDefinitions: state.definitions.known() };
}

export function createAssignmentsReader(context: ReadContext, sources: AssignmentSources): AssignmentsReader {
  const state = createAssignmentState(context, sources);
  const once = onceEach();
  return {
    name: "assignments",
    plan: () => [
      ...planPrincipalReads(state, once),
      ...planRegistryScopeReads(state, once),
      // After the principal reads: a definition a known assignment needs starts in the same wave.
      ...planRoleDefinitions(state),
    ],
    facts: () => assignmentFacts(state),
  };
}
