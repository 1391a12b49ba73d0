/**
 * Deterministic role assignment names (pull-path.md, "Remediation rules"): a name-based UUID (RFC 4122 version 5,
 * SHA-1) of the lower-cased `scope|principalId|roleGuid`. A repeated or concurrent fix therefore PUTs the same name,
 * so ARM creates the assignment once.
 *
 * Example: roleAssignmentName("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r",
 * "F0E1...", "7f951dda-4ed3-4680-a7ca-43fe172d538d") always gives the same GUID, whatever the input casing.
 */
import { createHash } from "node:crypto";

/** PullGuard's own UUID namespace (a random v4 UUID, fixed forever: changing it renames every assignment). */
export const PULLGUARD_NAMESPACE = "0ee39c42-6e41-4d4e-8357-477557cd09b7";

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.from(hex, "hex");
}

/** RFC 4122 version 5 UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1").update(uuidBytes(namespace)).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The GUID of a role definition, from a full role definition ID or a bare GUID. */
export function roleGuidOf(roleDefinitionId: string): string {
  const last =
    roleDefinitionId
      .split("/")
      .filter((s) => s.length > 0)
      .pop() ?? "";
  return last.toLowerCase();
}

/** The deterministic name of the assignment of `role` to `principalId` at `scope`. */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionIdOrGuid: string): string {
  const key = `${scope.replace(/\/+$/, "")}|${principalId}|${roleGuidOf(roleDefinitionIdOrGuid)}`.toLowerCase();
  return uuidV5(key, PULLGUARD_NAMESPACE);
}
