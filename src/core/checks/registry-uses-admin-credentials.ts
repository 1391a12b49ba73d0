/**
 * registry-uses-admin-credentials: the registry entry authenticates with `username`/`passwordSecretRef` (the admin
 * user or a token) instead of a managed identity. Warning; error when the registry's admin user is disabled (then
 * the credentials cannot work). The fix switches the entry to a managed identity, never enables the admin user.
 *
 * Example: entry {server: fabrikamacr.azurecr.io, username: fabrikamacr, passwordSecretRef: acr-password} and
 * adminUserEnabled false → error.
 */
import type { Evidence } from "../finding.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { appNames, azWorkload, entryIdentityForAz, entryPath, findingOn } from "./check.js";

export const registryUsesAdminCredentials: Check = {
  code: "registry-uses-admin-credentials",
  run(path, facts) {
    const entry = path.entry;
    if (!path.isAcr || entry === null) return [];
    if (!entry.username && !entry.passwordSecretRef) return [];
    const registry = foundRegistry(path);
    const adminDisabled = registry !== null && !registry.adminUserEnabled;
    const evidence: Evidence[] = [
      { resource: facts.app.id, path: entryPath(path, "username"), value: entry.username },
      { resource: facts.app.id, path: entryPath(path, "passwordSecretRef"), value: entry.passwordSecretRef },
    ];
    if (registry)
      evidence.push({ resource: registry.id, path: "properties.adminUserEnabled", value: registry.adminUserEnabled });
    const identity = entryIdentityForAz(facts);
    return [
      findingOn("registry-uses-admin-credentials", path, {
        severity: adminDisabled ? "error" : "warning",
        message: adminDisabled
          ? `The entry for ${path.server} signs in as "${entry.username ?? "?"}" with a stored password, but the registry's admin user is disabled, so the pull is refused.`
          : `The entry for ${path.server} signs in with a stored password ("${entry.username ?? "?"}"); a managed identity needs no secret to rotate or leak.`,
        evidence,
        fix: {
          summary: `switch the entry for ${path.server} to a managed identity (the admin user stays as it is)`,
          az: `${azWorkload(facts)} registry set ${appNames(facts)} --server ${path.server} --identity ${identity}`,
        },
      }),
    ];
  },
};
