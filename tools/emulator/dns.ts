/**
 * How the emulator's virtual networks resolve `<registry>.privatelink.azurecr.io` (world.md v2, "Network";
 * pull-path.md v2, "The private path"), as Azure DNS does:
 *   - a VNet without `dhcpOptions.dnsServers` uses Azure-provided DNS: a privatelink.azurecr.io zone linked to it
 *     answers; else the enabled forwarding rule with the longest domain covering the name, of the DNS forwarding
 *     rulesets linked to it, forwards the query to its targets;
 *   - a query sent to a DNS Private Resolver inbound endpoint is resolved by Azure DNS of the endpoint's VNet (the
 *     VNet of its subnet) by the same rule (learn.microsoft.com/azure/dns/private-resolver-endpoints-rulesets);
 *   - any other DNS server resolves nothing private unless the world says otherwise: `"resolves":
 *     ["privatelink.azurecr.io"]` on the VNet's `dhcpOptions` (emulator-only) makes it answer from a zone that holds
 *     the registry's record, as a server forwarding azurecr.io to 168.63.129.16 from a linked VNet would. A forwarding
 *     rule to such a server resolves nothing private (an assumption: the world has no field for it).
 * A name that does not resolve privately resolves to the registry's public address, so the pull takes the public
 * path (and meets public access Disabled or the firewall).
 */
import { lowerId } from "./ids.js";
import type { ArmResource, WorldState } from "./state.js";
import { resourcesOfType } from "./world.js";

const REGISTRY_ZONE = /^privatelink\.azurecr\.(io|cn|us)$/i;
const idOf = (value: unknown): string => lowerId(String((value as { id?: string } | undefined)?.id ?? ""));
const fqdn = (s: string): string => (s.toLowerCase().endsWith(".") ? s.toLowerCase() : `${s.toLowerCase()}.`);
const under = (child: ArmResource, parent: ArmResource): boolean =>
  lowerId(child.id).startsWith(`${lowerId(parent.id)}/`);

function zoneLinkedTo(state: WorldState, vnetId: string): ArmResource | undefined {
  return resourcesOfType(state, "Microsoft.Network/privateDnsZones").find(
    (zone) =>
      REGISTRY_ZONE.test(zone.name) &&
      resourcesOfType(state, "Microsoft.Network/privateDnsZones/virtualNetworkLinks").some(
        (link) => under(link, zone) && idOf(link.properties?.virtualNetwork) === lowerId(vnetId),
      ),
  );
}

/** The VNet of the inbound endpoint answering on `ip`, if any. */
function inboundEndpointVnet(state: WorldState, ip: string): string | null {
  for (const endpoint of resourcesOfType(state, "Microsoft.Network/dnsResolvers/inboundEndpoints")) {
    const configs = (endpoint.properties?.ipConfigurations ?? []) as Array<{
      subnet?: unknown;
      privateIpAddress?: string;
    }>;
    const hit = configs.find((c) => c.privateIpAddress === ip.trim());
    if (hit) return idOf(hit.subnet).replace(/\/subnets\/[^/]+$/, "");
  }
  return null;
}

function winningRuleTargets(state: WorldState, vnetId: string, name: string): string[] | null {
  let best: { domain: string; targets: string[] } | null = null;
  for (const ruleset of resourcesOfType(state, "Microsoft.Network/dnsForwardingRulesets")) {
    const linked = resourcesOfType(state, "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks").some(
      (link) => under(link, ruleset) && idOf(link.properties?.virtualNetwork) === lowerId(vnetId),
    );
    if (!linked) continue;
    for (const rule of resourcesOfType(state, "Microsoft.Network/dnsForwardingRulesets/forwardingRules")) {
      if (!under(rule, ruleset)) continue;
      const p = rule.properties ?? {};
      if (String(p.forwardingRuleState ?? "Enabled").toLowerCase() === "disabled") continue;
      const domain = fqdn(String(p.domainName ?? ""));
      if (!(domain === "." || name === domain || name.endsWith(`.${domain}`))) continue;
      if (best && domain.length <= best.domain.length) continue;
      const targets = ((p.targetDnsServers ?? []) as Array<{ ipAddress?: string }>).map((t) => t.ipAddress ?? "");
      best = { domain, targets };
    }
  }
  return best?.targets ?? null;
}

function azureProvided(state: WorldState, vnetId: string, name: string, seen: Set<string>): ArmResource | null {
  const zone = zoneLinkedTo(state, vnetId);
  if (zone) return zone;
  const targets = winningRuleTargets(state, vnetId, name);
  return targets ? throughServers(state, targets, name, seen) : null;
}

function throughServers(state: WorldState, servers: string[], name: string, seen: Set<string>): ArmResource | null {
  let zone: ArmResource | null = null;
  for (const ip of servers) {
    const vnet = inboundEndpointVnet(state, ip);
    if (!vnet || seen.has(vnet)) return null;
    zone = azureProvided(state, vnet, name, new Set([...seen, vnet]));
    if (!zone) return null;
  }
  return zone;
}

/** The privatelink.azurecr.io zone `<registry>.privatelink.azurecr.io` resolves in from `vnetId`, or null. */
export function privateZoneFor(state: WorldState, vnetId: string, registry: ArmResource): ArmResource | null {
  const name = `${registry.name.toLowerCase()}.privatelink.azurecr.io.`;
  const vnet = state.resources.get(lowerId(vnetId));
  const dhcp = (vnet?.properties?.dhcpOptions ?? {}) as { dnsServers?: string[]; resolves?: string[] };
  const servers = (dhcp.dnsServers ?? []).filter((s) => s.trim() !== "");
  if (servers.length === 0) return azureProvided(state, vnetId, name, new Set([lowerId(vnetId)]));
  if (servers.every((ip) => inboundEndpointVnet(state, ip))) return throughServers(state, servers, name, new Set());
  const forwards = (dhcp.resolves ?? []).some((z) => REGISTRY_ZONE.test(z));
  if (!forwards) return null;
  const holding = resourcesOfType(state, "Microsoft.Network/privateDnsZones/A").find(
    (a) => a.name.toLowerCase().split("/").at(-1) === registry.name.toLowerCase(),
  );
  return (
    resourcesOfType(state, "Microsoft.Network/privateDnsZones").find(
      (z) => REGISTRY_ZONE.test(z.name) && holding !== undefined && lowerId(holding.id).startsWith(`${lowerId(z.id)}/`),
    ) ?? null
  );
}
