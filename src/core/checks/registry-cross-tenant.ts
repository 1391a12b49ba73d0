/**
 * registry-cross-tenant: the registry's tenant (its subscription's tenantId) differs from the identity's tenant.
 * Managed identities cannot pull across tenants; no role findings are reported for that registry then.
 *
 * Example: registry in a subscription of tenant B, app's system identity in tenant A → error, no fix.
 */

import { foundRegistry, identityTenant, isCrossTenant, registryTenant } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, identityLabel, theWorkload } from "./check.js";

export const registryCrossTenant: Check = {
  code: "registry-cross-tenant",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!path.isAcr || path.entry === null || !registry || !isCrossTenant(path, facts)) return [];
    const registryTid = registryTenant(facts, registry);
    const identityTid = identityTenant(path);
    return [
      findingOn("registry-cross-tenant", path, {
        severity: "error",
        message: `${registry.name} is in tenant ${registryTid} but ${identityLabel(path, facts)} is in tenant ${identityTid}; managed identities cannot pull across tenants.`,
        evidence: [
          { resource: `/subscriptions/${registry.subscriptionId}`, path: "tenantId", value: registryTid },
          path.identity.kind === "user"
            ? { resource: path.identity.id, path: "properties.tenantId", value: identityTid }
            : { resource: facts.app.id, path: "identity.tenantId", value: identityTid },
        ],
        fix: {
          summary: `import the image into a registry of ${theWorkload(facts)}'s tenant, or use a registry token (username + password secret) for this registry`,
          az: `az acr import --name <registry-in-your-tenant> --source ${path.image ?? `${path.server}/<repository>:<tag>`}`,
        },
      }),
    ];
  },
};
