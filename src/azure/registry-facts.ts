/**
 * A registry as ARM returns it (SDK model, `properties` flattened) → RegistryFacts. Defaults are the service's:
 * no `publicNetworkAccess` is Enabled, no `networkRuleSet` is Allow, no `roleAssignmentMode` is
 * LegacyRegistryPermissions, no `azureADAuthenticationAsArmPolicy` is enabled. The SDK calls an IP rule's `value`
 * `iPAddressOrRange`; the facts use the wire name again.
 */
import type { Registry } from "@azure/arm-containerregistry";
import type { RegistryFacts } from "../core/facts.js";
import { parseArmId } from "./arm-id.js";

/** Regions named by data endpoint host names (`<registry>.<region>.data.azurecr.io`). */
function dataEndpointRegions(hostNames: readonly string[], registryName: string): string[] {
  const prefix = `${registryName.toLowerCase()}.`;
  return hostNames
    .map((h) => h.toLowerCase())
    .filter((h) => h.startsWith(prefix) && h.includes(".data."))
    .map((h) => h.slice(prefix.length, h.indexOf(".data.")));
}

/** Region names as ARM spells them in host names: "West Europe" → "westeurope". */
const unique = (values: readonly string[]): string[] => [
  ...new Set(values.map((v) => v.toLowerCase().replace(/\s+/g, ""))),
];

/** Null when the model lacks the ID or login server that the facts are keyed by. */
export function registryFactsFrom(registry: Registry): RegistryFacts | null {
  const parts = registry.id ? parseArmId(registry.id) : null;
  if (!registry.id || !parts?.resourceGroup || !registry.loginServer) return null;
  const name = registry.name ?? parts.name;
  return {
    id: registry.id,
    name,
    subscriptionId: parts.subscriptionId,
    resourceGroup: parts.resourceGroup,
    location: registry.location,
    loginServer: registry.loginServer.toLowerCase(),
    sku: registry.sku?.name ?? null,
    adminUserEnabled: registry.adminUserEnabled ?? false,
    publicNetworkAccess: registry.publicNetworkAccess ?? "Enabled",
    defaultAction: registry.networkRuleSet?.defaultAction ?? "Allow",
    ipRules: (registry.networkRuleSet?.ipRules ?? []).map((rule) => ({
      action: rule.action ?? "Allow",
      value: rule.iPAddressOrRange,
    })),
    networkRuleBypassOptions: registry.networkRuleBypassOptions ?? null,
    anonymousPullEnabled: registry.anonymousPullEnabled ?? false,
    roleAssignmentMode: registry.roleAssignmentMode ?? "LegacyRegistryPermissions",
    armAudienceTokens: registry.policies?.azureADAuthenticationAsArmPolicy?.status ?? "enabled",
    quarantinePolicy: registry.policies?.quarantinePolicy?.status ?? "disabled",
    dataEndpointEnabled: registry.dataEndpointEnabled ?? false,
    privateEndpointConnections: (registry.privateEndpointConnections ?? [])
      .filter((c) => c.privateEndpoint?.id)
      .map((c) => ({
        privateEndpointId: c.privateEndpoint?.id ?? "",
        status: c.privateLinkServiceConnectionState?.status ?? "Unknown",
      })),
    replicationLocations: unique([
      registry.location,
      ...dataEndpointRegions(registry.dataEndpointHostNames ?? [], name),
    ]),
  };
}

/** Whether reaching the registry depends on the private path or the firewall (then network facts are read). */
export function registryNeedsNetworkFacts(registry: RegistryFacts): boolean {
  return registry.publicNetworkAccess.toLowerCase() === "disabled" || registry.defaultAction.toLowerCase() === "deny";
}
