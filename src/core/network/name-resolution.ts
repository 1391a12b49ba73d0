/**
 * How a virtual network resolves `<registry>.privatelink.azurecr.io` (pull-path.md v2, "The private path", step 3),
 * decided from ARM facts alone:
 *
 *   - no `dhcpOptions.dnsServers` (Azure-provided DNS, 168.63.129.16): a privatelink.azurecr.io zone linked to the
 *     VNet answers; else a DNS forwarding ruleset linked to the VNet decides: among its enabled rules whose domain
 *     covers the name, the longest domain wins, and its targets must all be inbound endpoints of a DNS Private
 *     Resolver whose own VNet resolves the name by this same rule;
 *   - `dnsServers` that are all inbound-endpoint addresses: the resolver's VNet resolves, by the same rule;
 *   - any other `dnsServers` (a DNS VM, on-premises, a firewall's DNS proxy): not provable from ARM.
 *
 * Sources: "Azure DNS Private Resolver endpoints and rulesets" (learn.microsoft.com/azure/dns/
 * private-resolver-endpoints-rulesets: queries to an inbound endpoint are resolved by Azure DNS with the zones linked
 * to the endpoint's VNet; a VNet linked to a ruleset uses its rules whether or not it is peered with the resolver's
 * VNet; the longest matching domain wins), "Private resolver architecture" (learn.microsoft.com/azure/dns/
 * private-resolver-architecture: hub-and-spoke with the zone linked to the hub, spokes forwarding to the inbound
 * endpoint either through a ruleset link or by naming the inbound endpoint as their DNS server), and "Azure Private
 * Endpoint DNS configuration" (learn.microsoft.com/azure/private-link/private-endpoint-dns: a custom DNS server must
 * forward the zone to 168.63.129.16 from a VNet linked to the zone).
 *
 * Example: spoke without dnsServers, ruleset rs-hub linked to it with rule `azurecr` (azurecr.io. → 10.0.2.4),
 * 10.0.2.4 is inbound endpoint in-hub of the hub VNet, zone linked to the hub → resolved in that zone, via
 * "forwarding rule azurecr (azurecr.io.) of rs-hub → inbound endpoint 10.0.2.4 (hub)".
 */
import type {
  DnsForwardingRuleFacts,
  DnsForwardingRulesetFacts,
  DnsInboundEndpointFacts,
  PrivateDnsZoneFacts,
  VirtualNetworkFacts,
} from "../facts.js";

export const REGISTRY_ZONE = /^privatelink\.azurecr\.(io|cn|us)$/i;
/** Azure-provided DNS: the virtual public IP every VNet's default resolver answers on. */
export const AZURE_DNS = "168.63.129.16";

export interface ResolutionInputs {
  virtualNetworks: readonly VirtualNetworkFacts[];
  zones: readonly PrivateDnsZoneFacts[];
  inboundEndpoints: readonly DnsInboundEndpointFacts[];
  rulesets: readonly DnsForwardingRulesetFacts[];
  /** False when the resolvers and rulesets were not read (then a VNet without a zone link is simply missing it). */
  resolversRead: boolean;
}

export type Resolution =
  | { status: "resolved"; zone: PrivateDnsZoneFacts; via: string[] }
  | { status: "missing"; why: string }
  | { status: "unproven"; servers: string[]; via: string[] };

const trimId = (s: string): string => s.toLowerCase().replace(/\/+$/, "");
const fqdn = (s: string): string => {
  const lower = s.trim().toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
};
const leaf = (id: string): string => id.split("/").filter(Boolean).pop() ?? id;

/** Whether a forwarding rule's domain covers a name: `.` covers all, `azurecr.io.` covers `x.privatelink.azurecr.io.`. */
export function domainCovers(domain: string, name: string): boolean {
  const d = fqdn(domain);
  const n = fqdn(name);
  return d === "." || n === d || n.endsWith(`.${d}`);
}

/** The enabled rule of the rulesets linked to `vnetId` whose domain is the longest one covering `name`. */
export function winningRule(
  rulesets: readonly DnsForwardingRulesetFacts[],
  vnetId: string,
  name: string,
): { ruleset: DnsForwardingRulesetFacts; rule: DnsForwardingRuleFacts } | null {
  let best: { ruleset: DnsForwardingRulesetFacts; rule: DnsForwardingRuleFacts } | null = null;
  for (const ruleset of rulesets) {
    if (!ruleset.linkedVirtualNetworkIds.some((id) => trimId(id) === trimId(vnetId))) continue;
    for (const rule of ruleset.rules) {
      if (rule.state.toLowerCase() === "disabled" || !domainCovers(rule.domainName, name)) continue;
      if (!best || fqdn(rule.domainName).length > fqdn(best.rule.domainName).length) best = { ruleset, rule };
    }
  }
  return best;
}

function endpointOf(inputs: ResolutionInputs, ip: string): DnsInboundEndpointFacts | undefined {
  return inputs.inboundEndpoints.find((e) => e.ipAddresses.includes(ip.trim()));
}

/** How the resolvers of `vnetId` resolve `name` when the VNet uses Azure-provided DNS (zone link, then rulesets). */
function azureProvided(inputs: ResolutionInputs, vnetId: string, name: string, seen: Set<string>): Resolution {
  const zone = inputs.zones.find(
    (z) => REGISTRY_ZONE.test(z.name) && z.linkedVirtualNetworkIds.some((id) => trimId(id) === trimId(vnetId)),
  );
  if (zone) return { status: "resolved", zone, via: [`zone ${zone.name} linked to ${leaf(vnetId)}`] };
  const winner = winningRule(inputs.rulesets, vnetId, name);
  if (!winner) {
    return {
      status: "missing",
      why: inputs.resolversRead
        ? `no privatelink.azurecr.io zone is linked to ${leaf(vnetId)} and no forwarding ruleset linked to it has a rule for privatelink.azurecr.io.`
        : `no privatelink.azurecr.io zone is linked to ${leaf(vnetId)}`,
    };
  }
  const step = `forwarding rule ${winner.rule.name} (${fqdn(winner.rule.domainName)}) of ${winner.ruleset.name}`;
  return throughServers(
    inputs,
    winner.rule.targetDnsServers.map((t) => t.ipAddress),
    step,
    name,
    seen,
  );
}

/** Resolution through DNS servers that must all be inbound endpoints whose VNets resolve the name. */
function throughServers(
  inputs: ResolutionInputs,
  servers: readonly string[],
  step: string,
  name: string,
  seen: Set<string>,
): Resolution {
  const foreign = servers.filter((ip) => !endpointOf(inputs, ip));
  if (foreign.length > 0) return { status: "unproven", servers: foreign, via: [step] };
  let last: Resolution | null = null;
  for (const ip of servers) {
    const endpoint = endpointOf(inputs, ip) as DnsInboundEndpointFacts;
    const hop = `${step} → inbound endpoint ${leaf(endpoint.id)} ${ip} (${leaf(endpoint.virtualNetworkId)})`;
    const key = trimId(endpoint.virtualNetworkId);
    if (seen.has(key)) return { status: "missing", why: `${hop} forwards back to a VNet already on the path (a loop)` };
    const next = azureProvided(inputs, endpoint.virtualNetworkId, name, new Set([...seen, key]));
    if (next.status === "missing") return { status: "missing", why: `${hop}, but ${next.why}` };
    last = { ...next, via: [hop, ...next.via] };
    if (next.status === "unproven") return last;
  }
  return last ?? { status: "missing", why: `${step} names no target DNS server` };
}

/** How the virtual network `vnetId` resolves `<registry>.privatelink.azurecr.io`. */
export function resolveRegistryZone(inputs: ResolutionInputs, vnetId: string, registryName: string): Resolution {
  const name = `${registryName.toLowerCase()}.privatelink.azurecr.io.`;
  const vnet = inputs.virtualNetworks.find((v) => trimId(v.id) === trimId(vnetId));
  const servers = (vnet?.dnsServers ?? []).map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) return azureProvided(inputs, vnetId, name, new Set([trimId(vnetId)]));
  return throughServers(inputs, servers, `DNS servers of ${leaf(vnetId)} (dhcpOptions.dnsServers)`, name, new Set());
}
