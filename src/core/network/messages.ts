/**
 * What a network engineer must open for a pull, in their terms (pull-path.md v2, `egress-not-proven`): TCP 443 to
 * the registry's login server, to each regional data endpoint (`<registry>.<region>.data.azurecr.io`) when dedicated
 * data endpoints are on, else to `*.blob.core.windows.net` where ACR serves layers from, and to Entra ID
 * (`login.microsoftonline.com`) for the identity's token. Sources: "Configure rules to access an Azure container
 * registry behind a firewall" (learn.microsoft.com/azure/container-registry/container-registry-firewall-access-rules:
 * the REST and data endpoints, dedicated data endpoints), and Container Apps' outbound rules
 * (learn.microsoft.com/azure/container-apps/firewall-integration: `login.microsoftonline.com` for managed identities).
 *
 * Example: fabrikamacr in northeurope, no dedicated data endpoints → ["fabrikamacr.azurecr.io",
 * "*.blob.core.windows.net", "login.microsoftonline.com"].
 */
import type { RegistryFacts, SubnetFacts } from "../facts.js";

export function registryFqdns(registry: RegistryFacts): string[] {
  const name = registry.name.toLowerCase();
  const data = registry.dataEndpointEnabled
    ? registry.replicationLocations.map((l) => `${name}.${l.toLowerCase().replace(/\s+/g, "")}.data.azurecr.io`)
    : ["*.blob.core.windows.net"];
  return [registry.loginServer, ...data, "login.microsoftonline.com"];
}

/** The subnet's address prefix for a rule's source, or the VirtualNetwork tag when the prefix is not known. */
export function subnetSource(subnet: SubnetFacts): string {
  return subnet.addressPrefixes[0] ?? "VirtualNetwork";
}

/** Resource group and name of an ARM ID, for `az` commands. */
export function groupAndNameOf(id: string): { group: string; name: string } {
  const parts = id.split("/");
  const at = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
  return { group: at >= 0 ? (parts[at + 1] ?? "<resource-group>") : "<resource-group>", name: parts.at(-1) ?? id };
}
