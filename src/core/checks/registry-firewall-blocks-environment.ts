/**
 * registry-firewall-blocks-environment: public access is on, the firewall's default action is Deny, the environment
 * has no private path, and some of the app's outbound IP addresses are not allowed by `ipRules` (all blocked: every
 * pull fails; some: pulls fail intermittently). Behind a NAT gateway or a firewall the real source IP may differ.
 *
 * Example: defaultAction Deny, ipRules [20.31.4.0/24], outbound [20.31.4.17, 52.1.1.1] → error naming 52.1.1.1.
 */

import { ipCovered } from "../ip-range.js";
import { privatePath } from "../private-path.js";
import { foundRegistry } from "../pull-access.js";
import type { Check } from "./check.js";
import { findingOn, registryNames, theWorkload } from "./check.js";

export const registryFirewallBlocksEnvironment: Check = {
  code: "registry-firewall-blocks-environment",
  run(path, facts) {
    const registry = foundRegistry(path);
    if (!registry || registry.publicNetworkAccess.toLowerCase() === "disabled") return [];
    if (registry.defaultAction.toLowerCase() !== "deny") return [];
    if (privatePath(facts, registry).status !== "missing") return [];
    const outbound = facts.app.outboundIpAddresses;
    const allowed = registry.ipRules.filter((r) => (r.action || "Allow").toLowerCase() === "allow").map((r) => r.value);
    const blocked = outbound.filter((ip) => !allowed.some((rule) => ipCovered(ip, rule)));
    if (outbound.length === 0 || blocked.length === 0) return [];
    const some = blocked.length < outbound.length;
    return [
      findingOn("registry-firewall-blocks-environment", path, {
        severity: "error",
        message: `${registry.name}'s firewall denies by default and does not allow ${some ? "some of " : ""}${theWorkload(facts)}'s outbound addresses (${blocked.join(", ")}), so pulls fail${some ? " intermittently" : ""} with DENIED. Behind a NAT gateway or firewall egress the real source address may differ.`,
        evidence: [
          { resource: registry.id, path: "properties.networkRuleSet.defaultAction", value: registry.defaultAction },
          { resource: registry.id, path: "properties.networkRuleSet.ipRules", value: allowed },
          { resource: facts.app.id, path: "properties.outboundIpAddresses", value: outbound },
        ],
        fix: {
          summary: `allow ${blocked.join(", ")} in ${registry.name}'s firewall`,
          az: blocked.map((ip) => `az acr network-rule add ${registryNames(registry)} --ip-address ${ip}`).join(" && "),
        },
      }),
    ];
  },
};
