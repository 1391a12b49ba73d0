/**
 * Network security group evaluation for the one flow a pull needs: outbound TCP 443 from the environment's
 * infrastructure subnet towards the registry (pull-path.md v2, `egress-blocked`, `egress-not-proven`).
 *
 * Rules are processed in priority order (lower number first) and processing stops at the first rule that matches;
 * the default rules AllowVnetOutBound (65000), AllowInternetOutBound (65001) and DenyAllOutBound (65500) come after
 * every rule a person writes (learn.microsoft.com/azure/virtual-network/network-security-groups-overview, "Security
 * rules" and "Default security rules"). Service tags name Microsoft's address ranges: `VirtualNetwork` (the VNet's
 * address space and its peers), `Internet` (public address space), `AzureCloud[.region]`,
 * `AzureContainerRegistry[.region]` (learn.microsoft.com/azure/virtual-network/service-tags-overview). A private
 * endpoint's address lies in `VirtualNetwork`, never in a public tag; the registry's public addresses lie in
 * `Internet`, `AzureCloud`, `AzureCloud.<region>`, `AzureContainerRegistry` and `AzureContainerRegistry.<region>`.
 * Container Apps' own list of the outbound rules an environment needs: learn.microsoft.com/azure/container-apps/
 * firewall-integration ("Securing a virtual network in Azure Container Apps with Network Security Groups").
 *
 * Example: rules [deny-all-out 4000 Deny * → *], private endpoint 10.1.4.5 → decided by deny-all-out (4000): deny.
 * With [allow-acr-pe 300 Allow * → 10.1.4.0/24 :443] too → decided by allow-acr-pe (300): allow.
 */
import type { NetworkSecurityGroupFacts, SecurityRuleFacts } from "../facts.js";
import { ipCovered, ipv4ToInt } from "../ip-range.js";

/** Where the registry's traffic goes: its private endpoint's addresses, or its public endpoint in a region. */
export type Destination = { kind: "private"; addresses: string[] } | { kind: "public"; region: string };

export interface DecidingRule {
  name: string;
  priority: number;
  access: string;
  /** The destination the rule names (the first of its prefixes that decided). */
  destination: string;
  isDefault: boolean;
}

export type NsgDecision =
  | { decision: "allow" | "deny"; rule: DecidingRule }
  /** The first rule that may match names a CIDR PullGuard cannot relate to the registry. */
  | { decision: "unknown"; rule: DecidingRule };

const rule = (
  name: string,
  priority: number,
  access: string,
  source: string,
  destination: string,
): SecurityRuleFacts => ({
  name,
  priority,
  direction: "Outbound",
  access,
  protocol: "*",
  sourceAddressPrefixes: [source],
  destinationAddressPrefixes: [destination],
  destinationPortRanges: ["*"],
});

/** The outbound default rules every NSG has (they cannot be removed, only overridden by lower numbers). */
export const DEFAULT_OUTBOUND_RULES: readonly SecurityRuleFacts[] = [
  rule("AllowVnetOutBound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
  rule("AllowInternetOutBound", 65001, "Allow", "*", "Internet"),
  rule("DenyAllOutBound", 65500, "Deny", "*", "*"),
];

const isCidr = (prefix: string): boolean => ipv4ToInt(prefix.split("/")[0] ?? "") !== null;

function portCovers(range: string, port: number): boolean {
  const r = range.trim();
  if (r === "*") return true;
  const [from, to] = r.split("-").map(Number);
  if (from === undefined || !Number.isFinite(from)) return false;
  return to === undefined ? from === port : from <= port && port <= to;
}

/** Whether a source prefix covers the subnet (its address prefixes, when known). */
function sourceCovers(prefix: string, subnetPrefixes: readonly string[]): boolean {
  const p = prefix.trim().toLowerCase();
  if (p === "*" || p === "virtualnetwork") return true;
  if (!isCidr(p)) return false;
  if (subnetPrefixes.length === 0) return true;
  return subnetPrefixes.some((s) => ipCovered(s.split("/")[0] ?? "", p));
}

/** yes / no / unknown: whether a destination prefix covers the registry's traffic. */
export function destinationCovers(prefix: string, to: Destination): "yes" | "no" | "unknown" {
  const p = prefix.trim().toLowerCase();
  if (p === "*" || p === "0.0.0.0/0") return "yes";
  if (to.kind === "private") {
    if (p === "virtualnetwork") return "yes";
    if (!isCidr(p)) return "no";
    if (to.addresses.length === 0) return "unknown";
    return to.addresses.some((a) => ipCovered(a, p)) ? "yes" : "no";
  }
  const region = to.region.toLowerCase().replace(/\s+/g, "");
  const publicTags = [
    "internet",
    "azurecloud",
    `azurecloud.${region}`,
    "azurecontainerregistry",
    `azurecontainerregistry.${region}`,
  ];
  if (publicTags.includes(p)) return "yes";
  return isCidr(p) ? "unknown" : "no";
}

function applies(r: SecurityRuleFacts, subnetPrefixes: readonly string[], port: number): boolean {
  const protocol = r.protocol.toLowerCase();
  return (
    r.direction.toLowerCase() === "outbound" &&
    (protocol === "*" || protocol === "tcp") &&
    r.destinationPortRanges.some((range) => portCovers(range, port)) &&
    r.sourceAddressPrefixes.some((s) => sourceCovers(s, subnetPrefixes))
  );
}

/** The rule that decides outbound TCP 443 from the subnet to the registry, the default rules included. */
export function evaluateOutbound(
  nsg: NetworkSecurityGroupFacts,
  subnetPrefixes: readonly string[],
  to: Destination,
  port = 443,
): NsgDecision {
  const own = [...nsg.securityRules].sort((a, b) => a.priority - b.priority);
  for (const [r, isDefault] of [
    ...own.map((r) => [r, false] as const),
    ...DEFAULT_OUTBOUND_RULES.map((r) => [r, true] as const),
  ]) {
    if (!applies(r, subnetPrefixes, port)) continue;
    const verdicts = r.destinationAddressPrefixes.map((d) => [d, destinationCovers(d, to)] as const);
    const hit = verdicts.find(([, v]) => v === "yes") ?? verdicts.find(([, v]) => v === "unknown");
    if (!hit) continue;
    const decided: DecidingRule = {
      name: r.name,
      priority: r.priority,
      access: r.access,
      destination: hit[0],
      isDefault,
    };
    if (hit[1] === "unknown") return { decision: "unknown", rule: decided };
    return { decision: r.access.toLowerCase() === "deny" ? "deny" : "allow", rule: decided };
  }
  // Unreachable: DenyAllOutBound matches everything.
  return {
    decision: "deny",
    rule: { name: "DenyAllOutBound", priority: 65500, access: "Deny", destination: "*", isDefault: true },
  };
}

/** A free priority above (a lower number than) `priority`, for the rule a person should add. */
export function priorityAbove(nsg: NetworkSecurityGroupFacts, priority: number): number {
  const used = new Set(nsg.securityRules.map((r) => r.priority));
  for (let p = Math.min(priority - 10, 4096); p >= 100; p -= 10) if (!used.has(p)) return p;
  for (let p = Math.min(priority - 1, 4096); p >= 100; p--) if (!used.has(p)) return p;
  return 100;
}
