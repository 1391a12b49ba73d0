/**
 * egress-not-proven (v2): the pull leaves the environment's subnet through something PullGuard cannot read, so
 * whether it gets through is not known from ARM: the subnet's route table sends the registry's public traffic
 * (0.0.0.0/0 or a service tag covering the registry) to a VirtualAppliance or a VirtualNetworkGateway
 * (network/routes.ts), or the first NSG rule that decides names a CIDR PullGuard cannot relate to the registry
 * (network/nsg.ts). A warning: the finding says what the firewall must allow (network/messages.ts). Container Apps
 * egress through a firewall: learn.microsoft.com/azure/container-apps/user-defined-routes.
 *
 * Example: rt-aca sends 0.0.0.0/0 to VirtualAppliance 10.0.1.4 → warning "allow TCP 443 to fabrikamacr.azurecr.io,
 * *.blob.core.windows.net and login.microsoftonline.com on the appliance at 10.0.1.4".
 */

import type { Evidence } from "../finding.js";
import { egressTo } from "../network/egress.js";
import { groupAndNameOf, registryFqdns, subnetSource } from "../network/messages.js";
import { evaluateOutbound } from "../network/nsg.js";
import { opaqueNextHop, registryRoute } from "../network/routes.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn } from "./check.js";

export const egressNotProven: Check = {
  code: "egress-not-proven",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!registry) return [];
    const egress = egressTo(facts, registry);
    if (!egress || "unknown" in egress) return [];
    const { nsg, subnet, routeTable, destination } = egress;
    const fqdns = registryFqdns(registry);
    const source = subnetSource(subnet);
    const reasons: string[] = [];
    const evidence: Evidence[] = [];
    const decision = nsg ? evaluateOutbound(nsg, subnet.addressPrefixes, destination) : null;
    if (nsg && decision?.decision === "unknown") {
      const r = decision.rule;
      reasons.push(
        `rule ${r.name} (priority ${r.priority}) of ${nsg.name} ${r.access === "Deny" ? "denies" : "allows"} TCP 443 to ${r.destination}, which PullGuard cannot relate to ${registry.name}'s addresses`,
      );
      evidence.push({ resource: subnet.id, path: "properties.networkSecurityGroup.id", value: nsg.id });
      evidence.push({
        resource: nsg.id,
        path: `properties.securityRules[name=${r.name}]`,
        value: { name: r.name, priority: r.priority, access: r.access, destination: r.destination },
      });
    }
    const route = destination.kind === "public" && routeTable ? registryRoute(routeTable, registry.location) : null;
    if (routeTable && route && opaqueNextHop(route) && decision?.decision !== "deny") {
      const hop = route.nextHopIpAddress ? `${route.nextHopType} ${route.nextHopIpAddress}` : route.nextHopType;
      reasons.push(`route ${route.name} of ${routeTable.name} sends ${route.addressPrefix} to ${hop}`);
      evidence.push({ resource: subnet.id, path: "properties.routeTable.id", value: routeTable.id });
      evidence.push({
        resource: routeTable.id,
        path: `properties.routes[name=${route.name}]`,
        value: {
          addressPrefix: route.addressPrefix,
          nextHopType: route.nextHopType,
          nextHopIpAddress: route.nextHopIpAddress,
        },
      });
    }
    if (reasons.length === 0) return [];
    const appliance = route?.nextHopIpAddress ? ` on the appliance at ${route.nextHopIpAddress}` : "";
    const at = routeTable ? groupAndNameOf(routeTable.id) : null;
    return [
      findingOn("egress-not-proven", path, {
        severity: "warning",
        message: `PullGuard cannot see whether the pull of ${registry.name} gets out of the environment's subnet: ${reasons.join("; ")}. Allow TCP 443 from ${source} to ${fqdns.join(", ")}${appliance}.`,
        evidence: [
          {
            resource: subnet.id,
            path: "properties",
            value: { networkSecurityGroup: nsg?.id ?? null, routeTable: routeTable?.id ?? null },
          },
          ...evidence,
        ],
        fix: {
          summary: `allow TCP 443 from ${source} to ${fqdns.join(", ")}${appliance} (PullGuard does not change networks)`,
          az: `az network firewall application-rule create --firewall-name <firewall> --resource-group ${at?.group ?? "<resource-group>"} --collection-name acr-pull --priority 200 --action Allow --name ${registry.name} --protocols Https=443 --source-addresses ${source} --target-fqdns ${fqdns.join(" ")}`,
        },
      }),
    ];
  },
};
