/**
 * What the emulator knows of Entra ID principals: their type, and when they were created (for the directory's
 * replication delay).
 *
 * Source: learn.microsoft.com/azure/role-based-access-control/troubleshooting, "Symptom - Assigning a role to a new
 * principal sometimes fails": a role assignment that names a principal created moments ago may fail with 400
 * PrincipalNotFound because of a replication delay; setting `principalType` on the assignment avoids the directory
 * look-up. Azure does not publish the delay: DIRECTORY_REPLICATION_SECONDS is an assumption.
 */
import { lastSegment } from "./ids.js";
import type { ArmResource, WorldState } from "./state.js";

export const DIRECTORY_REPLICATION_SECONDS = 60;

const createdAt = (r: ArmResource): Date | null => {
  const raw = (r.systemData as { createdAt?: unknown } | undefined)?.createdAt;
  const date = typeof raw === "string" ? new Date(raw) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

/** Every principal the world holds (managed identities: service principals), with its resource. */
function* principalsOf(state: WorldState): Generator<{ principalId: string; resource: ArmResource }> {
  for (const r of state.resources.values()) {
    const uami = r.type.toLowerCase() === "microsoft.managedidentity/userassignedidentities";
    const id = uami ? r.properties?.principalId : r.identity?.principalId;
    if (typeof id === "string") yield { principalId: id.toLowerCase(), resource: r };
  }
}

/**
 * The principal type ARM finds in the directory when a role assignment does not say (an assumption: only the world's
 * managed identities, the caller and groups are known; anything else is looked up as a user).
 */
export function principalTypeOf(state: WorldState, principalId: string): "ServicePrincipal" | "Group" | "User" {
  const p = principalId.toLowerCase();
  if (state.groups.some((g) => g.objectId === p)) return "Group";
  if (state.caller?.principalId === p) return "ServicePrincipal";
  for (const known of principalsOf(state)) if (known.principalId === p) return "ServicePrincipal";
  return "User";
}

/**
 * When a principal came into being: recorded by the emulator when it creates one (a system identity enabled by a
 * write), else the `systemData.createdAt` of the resource that holds it in the world; null when unknown (old).
 */
export function principalCreatedAt(state: WorldState, created: Map<string, Date>, principalId: string): Date | null {
  const p = principalId.toLowerCase();
  const recorded = created.get(p);
  if (recorded) return recorded;
  for (const known of principalsOf(state)) if (known.principalId === p) return createdAt(known.resource);
  return null;
}

/** ARM's 400 for an assignment to a principal the directory has not replicated yet (text from the page above). */
export function principalNotFoundMessage(principalId: string, tenantId: string): string {
  return `Principal ${lastSegment(principalId)} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`;
}
