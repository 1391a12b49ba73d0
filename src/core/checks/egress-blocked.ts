/**
 * egress-blocked (v2): the network security group on the environment's infrastructure subnet denies outbound TCP 443
 * towards the registry before any rule allows it, default rules included (network/nsg.ts). Over the private path the
 * destination is the private endpoint's address; over the public path, the registry's public service tags. Report
 * only: PullGuard does not change networks; the finding names the deciding rule (name, priority) and the rule to add
 * above it. NSG rule processing and the default rules: learn.microsoft.com/azure/virtual-network/
 * network-security-groups-overview; what an environment's subnet must allow out: learn.microsoft.com/azure/
 * container-apps/firewall-integration.
 *
 * Example: nsg-aca has deny-all-out (4000, Deny, * → *), registry reached privately at 10.1.4.5 → error naming
 * deny-all-out (4000) and "add Allow TCP 443 from 10.1.0.0/23 to 10.1.4.5 at priority 3990".
 */

import { egressTo } from "../network/egress.js";
import { groupAndNameOf, subnetSource } from "../network/messages.js";
import { evaluateOutbound, priorityAbove } from "../network/nsg.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn } from "./check.js";

export const egressBlocked: Check = {
  code: "egress-blocked",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!registry) return [];
    const egress = egressTo(facts, registry);
    if (!egress || "unknown" in egress || !egress.nsg) return [];
    const { nsg, subnet, destination } = egress;
    const decision = evaluateOutbound(nsg, subnet.addressPrefixes, destination);
    if (decision.decision !== "deny") return [];
    const rule = decision.rule;
    const priority = priorityAbove(nsg, rule.priority);
    const targets =
      destination.kind === "private"
        ? destination.addresses.length > 0
          ? destination.addresses.map((a) => `${a}/32`)
          : ["VirtualNetwork"]
        : [`AzureContainerRegistry.${registry.location.toLowerCase().replace(/\s+/g, "")}`, "AzureActiveDirectory"];
    const source = subnetSource(subnet);
    const over = destination.kind === "private" ? "its private endpoint" : "its public endpoint";
    const at = groupAndNameOf(nsg.id);
    return [
      findingOn("egress-blocked", path, {
        severity: "error",
        message: `the network security group ${nsg.name} on the environment's subnet denies outbound TCP 443 to ${registry.name} (${over}) with rule ${rule.name} (priority ${rule.priority}, ${rule.access} to ${rule.destination}) before any rule allows it, so the pull cannot connect. Add an outbound rule at priority ${priority}: Allow TCP from ${source} to ${targets.join(", ")} on port 443.`,
        evidence: [
          { resource: subnet.id, path: "properties.networkSecurityGroup.id", value: nsg.id },
          {
            resource: nsg.id,
            path: rule.isDefault
              ? `properties.defaultSecurityRules[name=${rule.name}]`
              : `properties.securityRules[name=${rule.name}]`,
            value: { name: rule.name, priority: rule.priority, access: rule.access, destination: rule.destination },
          },
        ],
        fix: {
          summary: `add an outbound Allow rule for TCP 443 from ${source} to ${targets.join(", ")} in ${nsg.name} at priority ${priority}, above ${rule.name} (${rule.priority}) (PullGuard does not change networks)`,
          az: `az network nsg rule create --resource-group ${at.group} --nsg-name ${at.name} --name allow-acr-pull --priority ${priority} --direction Outbound --access Allow --protocol Tcp --source-address-prefixes ${source} --destination-address-prefixes ${targets.join(" ")} --destination-port-ranges 443`,
        },
      }),
    ];
  },
};
