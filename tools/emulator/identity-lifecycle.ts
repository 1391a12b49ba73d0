/**
 * The life of a system-assigned identity across writes. "When you remove a system-assigned identity, it's deleted
 * from Microsoft Entra ID" (MicrosoftDocs/azure-docs, articles/container-apps/managed-identity.md, "Remove a managed
 * identity"), so enabling it again creates a new service principal: a new principalId, and the old principal's role
 * assignments no longer apply to it (the new principal is an inference from that deletion; the docs show no example).
 * The principal is read-only: a write that keeps the identity keeps its principal, whatever the body sends.
 *
 * Example: app SystemAssigned (principal P0) → PATCH identity {type: None} → PATCH identity {type: SystemAssigned}
 * → principal P1 ≠ P0, and an AcrPull assignment for P0 no longer lets the app pull.
 */
import { lowerId, nameUuid } from "./ids.js";
import type { ArmIdentity, WorldState } from "./state.js";

/** How many times each resource's system identity was removed, per emulator state. */
const removals = new WeakMap<WorldState, Map<string, number>>();

const hasSystem = (identity: ArmIdentity | undefined): boolean =>
  String(identity?.type ?? "")
    .toLowerCase()
    .includes("systemassigned");

/**
 * Settles `after.principalId` / `tenantId` for a write of resource `id` (before normalizeResource fills what is left):
 * kept when the identity stays, a new principal when it comes back after a removal, the first one (filled by
 * normalizeResource) when it is enabled for the first time.
 */
export function settleSystemIdentity(
  state: WorldState,
  id: string,
  before: ArmIdentity | undefined,
  after: ArmIdentity | undefined,
): void {
  let counts = removals.get(state);
  if (!counts) {
    counts = new Map();
    removals.set(state, counts);
  }
  const key = lowerId(id);
  const previous = hasSystem(before) ? before?.principalId : undefined;
  if (!after || !hasSystem(after)) {
    if (previous) counts.set(key, (counts.get(key) ?? 0) + 1);
    return;
  }
  if (previous) {
    after.principalId = previous;
    after.tenantId = before?.tenantId ?? after.tenantId;
    return;
  }
  delete after.principalId;
  delete after.tenantId;
  const removed = counts.get(key) ?? 0;
  if (removed > 0) after.principalId = nameUuid("system-identity", id, `after-removal-${removed}`);
}
