/**
 * private-dns-not-proven (v2): the environment's VNet resolves names through DNS servers that are not inbound
 * endpoints of an Azure DNS Private Resolver (its `dhcpOptions.dnsServers`, or the targets of the forwarding rule
 * that decides), so PullGuard cannot see whether `<registry>.privatelink.azurecr.io` resolves to the private
 * endpoint (network/name-resolution.ts). The private path is not counted missing for that reason alone. A warning:
 * those servers must forward `azurecr.io` to Azure DNS (168.63.129.16) from a VNet linked to the privatelink zone
 * (learn.microsoft.com/azure/private-link/private-endpoint-dns-integration, "Virtual network and on-premises
 * workloads using a DNS forwarder"; learn.microsoft.com/azure/container-registry/container-registry-private-link).
 *
 * Example: vnet-spoke names 10.50.0.10 (a DNS VM) → warning naming 10.50.0.10 and "forward azurecr.io to
 * 168.63.129.16".
 */

import { isFound } from "../facts.js";
import { AZURE_DNS } from "../network/name-resolution.js";
import { privatePath, vnetOfSubnet } from "../private-path.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn } from "./check.js";

export const privateDnsNotProven: Check = {
  code: "private-dns-not-proven",
  run(path, facts) {
    const registry = foundRegistry(path);
    const env = facts.environment;
    if (!registry || !isFound(env) || !env.infrastructureSubnetId || !facts.network) return [];
    const route = privatePath(facts, registry);
    if (route.status !== "present" || !route.unprovenDns) return [];
    const { servers, via } = route.unprovenDns;
    const vnetKey = vnetOfSubnet(env.infrastructureSubnetId);
    const vnets = facts.network.virtualNetworks;
    const vnet = isFound(vnets) ? vnets.items.find((v) => v.id.toLowerCase() === vnetKey) : undefined;
    const vnetId = vnet?.id ?? vnetKey;
    const named = (vnet?.dnsServers ?? []).length > 0;
    return [
      findingOn("private-dns-not-proven", path, {
        severity: "warning",
        message: `the environment's virtual network resolves ${registry.name}.privatelink.azurecr.io through DNS servers PullGuard cannot see into (${servers.join(", ")}; ${via.join(" → ")}), so whether the name resolves to the private endpoint is not proven. Those servers must forward azurecr.io to ${AZURE_DNS} from a virtual network linked to the privatelink.azurecr.io zone (or conditionally forward it to a DNS Private Resolver inbound endpoint in such a network).`,
        evidence: [
          named
            ? { resource: vnetId, path: "properties.dhcpOptions.dnsServers", value: vnet?.dnsServers ?? servers }
            : { resource: vnetId, path: "forwarding rule targets", value: servers },
          { resource: vnetId, path: "name resolution", value: via },
        ],
        fix: {
          summary: `make ${servers.join(", ")} forward azurecr.io to ${AZURE_DNS} from a virtual network linked to privatelink.azurecr.io (PullGuard does not change DNS)`,
          az: `az network private-dns link vnet create --resource-group <zone-resource-group> --zone-name privatelink.azurecr.io --name <dns-server-vnet>-link --virtual-network <dns-server-vnet-id> --registration-enabled false`,
        },
      }),
    ];
  },
};
