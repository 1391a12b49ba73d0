/**
 * Role assignment lists for the assignments reader: one ARM list (a principal's assignedTo() on a subscription, or a
 * registry's atScope()), shared by the apps of a run, and how one principal's reads merge into its facts.
 */
import { isFound, type PrincipalAssignments, type RoleAssignmentFacts } from "../../core/facts.js";
import { readOrFailure } from "../errors.js";
import { found } from "../read-results.js";
import { roleAssignmentFactsFrom } from "../role-facts.js";
import type { ReadContext } from "./reader.js";

/** Role assignments on a subscription (`scope` null) or at a resource scope, with an ARM filter. */
export function listAssignments(
  context: ReadContext,
  subscriptionId: string,
  scope: string | null,
  filter: string,
  neededRole: string,
): Promise<PrincipalAssignments> {
  const key = `role-assignments:${subscriptionId}:${scope ?? ""}:${filter}`;
  return context.share(key, () =>
    readOrFailure(scope ?? `/subscriptions/${subscriptionId}`, neededRole, async () => {
      const items: RoleAssignmentFacts[] = [];
      const roleAssignments = context.clients.authorization(subscriptionId).roleAssignments;
      // The SDK's URL template is "/{scope}/...": a scope with its leading slash would make the path start with "//".
      const list = scope
        ? roleAssignments.listForScope(scope.replace(/^\/+/, ""), { filter })
        : roleAssignments.listForSubscription({ filter });
      for await (const assignment of list) {
        const facts = roleAssignmentFactsFrom(assignment);
        if (facts) items.push(facts);
      }
      return found({ items });
    }),
  );
}

/**
 * One principal's assignments: its assignedTo() reads (unreadable if any was: never a partial pass) and what the
 * registries' atScope() reads showed for it.
 */
export function mergeAssignmentReads(
  reads: readonly PrincipalAssignments[],
  atRegistries: readonly RoleAssignmentFacts[],
): PrincipalAssignments {
  const failure = reads.find((r) => !r.readable);
  if (failure) return failure;
  const byId = new Map<string, RoleAssignmentFacts>();
  for (const read of reads) if (isFound(read)) for (const a of read.items) byId.set(a.id.toLowerCase(), a);
  for (const a of atRegistries) if (!byId.has(a.id.toLowerCase())) byId.set(a.id.toLowerCase(), a);
  return { items: [...byId.values()], readable: true, found: true };
}
