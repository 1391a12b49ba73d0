/**
 * Network answers (SDK models, `properties` flattened) → the private-path facts: a private endpoint's subnet and
 * connections (automatic and manual), a virtual network's peerings, DNS servers and subnets (with their NSG and
 * route table), a private DNS zone's links and A records, an NSG's rules, a route table's routes; and (v2) DNS
 * Private Resolver resources as raw ARM JSON (`properties` nested; read through the generic resources client, shapes
 * of specification/dnsresolver/resource-manager/Microsoft.Network/stable/2022-07-01/dnsresolver.json in
 * Azure/azure-rest-api-specs).
 */
import type { NetworkSecurityGroup, PrivateEndpoint, RouteTable, VirtualNetwork } from "@azure/arm-network";
import type { PrivateZone, RecordSet, VirtualNetworkLink } from "@azure/arm-privatedns";
import type {
  DnsForwardingRulesetFacts,
  DnsInboundEndpointFacts,
  NetworkSecurityGroupFacts,
  PrivateDnsZoneFacts,
  PrivateEndpointFacts,
  RouteTableFacts,
  VirtualNetworkFacts,
} from "../core/facts.js";
import { resourceNameOf } from "../core/resource-id.js";

export function privateEndpointFactsFrom(endpoint: PrivateEndpoint, requestedId: string): PrivateEndpointFacts {
  return {
    id: endpoint.id ?? requestedId,
    subnetId: endpoint.subnet?.id ?? null,
    connections: [
      ...(endpoint.privateLinkServiceConnections ?? []),
      ...(endpoint.manualPrivateLinkServiceConnections ?? []),
    ].map((c) => ({
      privateLinkServiceId: c.privateLinkServiceId ?? "",
      status: c.privateLinkServiceConnectionState?.status ?? null,
    })),
  };
}

export function virtualNetworkFactsFrom(network: VirtualNetwork, requestedId: string): VirtualNetworkFacts {
  return {
    id: network.id ?? requestedId,
    peerings: (network.virtualNetworkPeerings ?? []).map((p) => ({
      remoteVirtualNetworkId: p.remoteVirtualNetwork?.id ?? "",
      peeringState: p.peeringState ?? null,
    })),
    dnsServers: network.dhcpOptions?.dnsServers ?? [],
    subnets: (network.subnets ?? []).map((subnet) => ({
      id: subnet.id ?? "",
      addressPrefixes: [...(subnet.addressPrefix ? [subnet.addressPrefix] : []), ...(subnet.addressPrefixes ?? [])],
      networkSecurityGroupId: subnet.networkSecurityGroup?.id ?? null,
      routeTableId: subnet.routeTable?.id ?? null,
    })),
  };
}

const both = (one: string | undefined, many: string[] | undefined): string[] => [
  ...(one ? [one] : []),
  ...(many ?? []),
];

export function networkSecurityGroupFactsFrom(
  nsg: NetworkSecurityGroup,
  requestedId: string,
): NetworkSecurityGroupFacts {
  return {
    id: nsg.id ?? requestedId,
    name: nsg.name ?? resourceNameOf(requestedId),
    securityRules: (nsg.securityRules ?? []).map((r) => ({
      name: r.name ?? "",
      priority: r.priority ?? 4096,
      direction: r.direction ?? "",
      access: r.access ?? "",
      protocol: r.protocol ?? "*",
      sourceAddressPrefixes: both(r.sourceAddressPrefix, r.sourceAddressPrefixes),
      destinationAddressPrefixes: both(r.destinationAddressPrefix, r.destinationAddressPrefixes),
      destinationPortRanges: both(r.destinationPortRange, r.destinationPortRanges),
    })),
  };
}

export function routeTableFactsFrom(table: RouteTable, requestedId: string): RouteTableFacts {
  return {
    id: table.id ?? requestedId,
    name: table.name ?? resourceNameOf(requestedId),
    routes: (table.routes ?? []).map((r) => ({
      name: r.name ?? "",
      addressPrefix: r.addressPrefix ?? "",
      nextHopType: r.nextHopType ?? "",
      nextHopIpAddress: r.nextHopIpAddress ?? null,
    })),
  };
}

/** A raw ARM resource (nested `properties`), as the generic resources client returns it. */
export interface RawResource {
  id?: string;
  name?: string;
  properties?: Record<string, unknown>;
}

const idOf = (value: unknown): string | null =>
  value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string"
    ? (value as { id: string }).id
    : null;

/** An inbound endpoint: its addresses, and its resolver's VNet (the VNet of the endpoint's subnet). */
export function inboundEndpointFactsFrom(endpoint: RawResource): DnsInboundEndpointFacts | null {
  const configs = (endpoint.properties?.ipConfigurations ?? []) as Array<{
    subnet?: unknown;
    privateIpAddress?: string;
  }>;
  const subnetId = configs.map((c) => idOf(c.subnet)).find((id): id is string => id !== null);
  if (!endpoint.id || !subnetId) return null;
  return {
    id: endpoint.id,
    virtualNetworkId: subnetId.replace(/\/subnets\/[^/]+$/i, ""),
    ipAddresses: configs.map((c) => c.privateIpAddress).filter((ip): ip is string => typeof ip === "string"),
  };
}

export function forwardingRulesetFactsFrom(
  ruleset: RawResource,
  links: readonly RawResource[],
  rules: readonly RawResource[],
): DnsForwardingRulesetFacts {
  return {
    id: ruleset.id ?? "",
    name: ruleset.name ?? resourceNameOf(ruleset.id ?? ""),
    linkedVirtualNetworkIds: links.map((l) => idOf(l.properties?.virtualNetwork)).filter((id): id is string => !!id),
    rules: rules.map((r) => ({
      name: r.name ?? "",
      domainName: String(r.properties?.domainName ?? ""),
      state: String(r.properties?.forwardingRuleState ?? "Enabled"),
      targetDnsServers: ((r.properties?.targetDnsServers ?? []) as Array<{ ipAddress?: string; port?: number }>).map(
        (t) => ({ ipAddress: t.ipAddress ?? "", port: t.port ?? 53 }),
      ),
    })),
  };
}

export function privateDnsZoneFactsFrom(
  zone: PrivateZone,
  links: readonly VirtualNetworkLink[],
  aRecordSets: readonly RecordSet[],
): PrivateDnsZoneFacts {
  return {
    id: zone.id ?? "",
    name: zone.name ?? "",
    linkedVirtualNetworkIds: links.map((l) => l.virtualNetwork?.id).filter((id): id is string => !!id),
    aRecordNames: aRecordSets.map((r) => r.name).filter((n): n is string => !!n),
    aRecordAddresses: Object.fromEntries(
      aRecordSets
        .filter((r) => !!r.name)
        .map((r) => [
          (r.name as string).toLowerCase(),
          (r.aRecords ?? []).map((a) => a.ipv4Address).filter((ip): ip is string => !!ip),
        ]),
    ),
  };
}
