/**
 * registry-public-access-disabled: the registry's public network access is Disabled and the app's environment has
 * no complete private path to it (VNet integration, an Approved private endpoint in that VNet or a peered one, a
 * linked privatelink.azurecr.io zone with A records for the registry and each regional data endpoint). Report only:
 * PullGuard never turns public access on; the finding names the missing part.
 *
 * Example: public access Disabled, environment without a VNet → error "the environment is not VNet-integrated".
 */

import { privatePath } from "../private-path.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn } from "./check.js";

export const registryPublicAccessDisabled: Check = {
  code: "registry-public-access-disabled",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (registry?.publicNetworkAccess.toLowerCase() !== "disabled") return [];
    const route = privatePath(facts, registry);
    if (route.status !== "missing") return [];
    return [
      findingOn("registry-public-access-disabled", path, {
        severity: "error",
        message: `${registry.name} accepts no public traffic and the environment has no complete private path to it (missing: ${route.missing.join("; ")}), so the pull is refused with DENIED.`,
        evidence: [
          { resource: registry.id, path: "properties.publicNetworkAccess", value: registry.publicNetworkAccess },
          { resource: facts.app.environmentId ?? facts.app.id, path: "private path", value: route.missing },
        ],
        fix: {
          summary: `complete the private path: ${route.missing.join("; ")} (PullGuard does not change networks)`,
          az: `az network private-endpoint create --name pe-${registry.name} --vnet-name <environment-vnet> --subnet <subnet> --private-connection-resource-id ${registry.id} --group-id registry --connection-name ${registry.name}`,
        },
      }),
    ];
  },
};
