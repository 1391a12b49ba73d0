/**
 * Network facts (v2) for the per-code tests: a spoke VNet holding the environment's subnet (10.20.0.0/23) and the
 * registry's private endpoint (10.20.4.5), a hub VNet with a DNS Private Resolver inbound endpoint (10.0.2.4), the
 * privatelink.azurecr.io zone, and the subnet's NSG and route table, each switchable so a test breaks exactly one
 * thing. The shapes are what src/azure/network-facts.ts makes of ARM's answers.
 */
import type {
  DnsForwardingRulesetFacts,
  DnsInboundEndpointFacts,
  NetworkFacts,
  PullFacts,
  RouteFacts,
  SecurityRuleFacts,
} from "../../../src/core/facts.js";
import { environmentFacts, REGISTRY_ID, SERVER, SUB } from "./world.js";

export const NET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network`;
export const VNET_SPOKE = `${NET}/virtualNetworks/vnet-spoke`;
export const VNET_HUB = `${NET}/virtualNetworks/vnet-hub`;
export const SUBNET_ACA = `${VNET_SPOKE}/subnets/snet-aca`;
export const PE = `${NET}/privateEndpoints/pe-fabrikamacr`;
export const PE_IP = "10.20.4.5";
export const ZONE = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;
export const NSG = `${NET}/networkSecurityGroups/nsg-aca`;
export const ROUTE_TABLE = `${NET}/routeTables/rt-aca`;
export const INBOUND = `${NET}/dnsResolvers/dnspr-hub/inboundEndpoints/in-hub`;
export const INBOUND_IP = "10.0.2.4";
export const RULESET = `${NET}/dnsForwardingRulesets/rs-hub`;

export function securityRule(
  name: string,
  priority: number,
  access: "Allow" | "Deny",
  destination: string,
  overrides: Partial<SecurityRuleFacts> = {},
): SecurityRuleFacts {
  return {
    name,
    priority,
    direction: "Outbound",
    access,
    protocol: "Tcp",
    sourceAddressPrefixes: ["*"],
    destinationAddressPrefixes: [destination],
    destinationPortRanges: ["443"],
    ...overrides,
  };
}

export interface NetworkOptions {
  /** Default true: an Approved private endpoint in the spoke. */
  privateEndpoint?: boolean;
  dnsServers?: string[];
  /** VNets the zone is linked to (default: the spoke). */
  zoneLinkedTo?: string[];
  nsgRules?: SecurityRuleFacts[] | null;
  routes?: RouteFacts[] | null;
  /** Given: the resolvers and rulesets were read (as the reader does when the spoke has no zone link or names DNS servers). */
  inboundEndpoints?: DnsInboundEndpointFacts[];
  rulesets?: DnsForwardingRulesetFacts[];
}

export const hubInboundEndpoint = (): DnsInboundEndpointFacts => ({
  id: INBOUND,
  virtualNetworkId: VNET_HUB,
  ipAddresses: [INBOUND_IP],
});

export function ruleset(
  domainName: string,
  targets: string[],
  linkedTo: string[] = [VNET_SPOKE],
): DnsForwardingRulesetFacts {
  return {
    id: RULESET,
    name: "rs-hub",
    linkedVirtualNetworkIds: linkedTo,
    rules: [
      {
        name: "acr",
        domainName,
        state: "Enabled",
        targetDnsServers: targets.map((ipAddress) => ({ ipAddress, port: 53 })),
      },
    ],
  };
}

/** The environment on snet-aca and the network facts the options describe. */
export function withNetwork(facts: PullFacts, o: NetworkOptions = {}): NetworkFacts {
  facts.environment = {
    readable: true,
    found: true,
    ...environmentFacts({ infrastructureSubnetId: SUBNET_ACA, internal: true }),
  };
  const endpoint = o.privateEndpoint ?? true;
  const network: NetworkFacts = {
    privateEndpoints: {
      readable: true,
      found: true,
      items: endpoint
        ? [
            {
              id: PE,
              subnetId: `${VNET_SPOKE}/subnets/snet-pe`,
              connections: [{ privateLinkServiceId: REGISTRY_ID, status: "Approved" }],
            },
          ]
        : [],
    },
    virtualNetworks: {
      readable: true,
      found: true,
      items: [
        {
          id: VNET_SPOKE,
          peerings: [{ remoteVirtualNetworkId: VNET_HUB, peeringState: "Connected" }],
          dnsServers: o.dnsServers ?? [],
          subnets: [
            {
              id: SUBNET_ACA,
              addressPrefixes: ["10.20.0.0/23"],
              networkSecurityGroupId: o.nsgRules ? NSG : null,
              routeTableId: o.routes ? ROUTE_TABLE : null,
            },
          ],
        },
      ],
    },
    privateDnsZones: {
      readable: true,
      found: true,
      items: [
        {
          id: ZONE,
          name: "privatelink.azurecr.io",
          linkedVirtualNetworkIds: o.zoneLinkedTo ?? [VNET_SPOKE],
          aRecordNames: ["fabrikamacr", "fabrikamacr.northeurope.data"],
          aRecordAddresses: { fabrikamacr: [PE_IP], "fabrikamacr.northeurope.data": ["10.20.4.6"] },
        },
      ],
    },
    securityGroups: {
      readable: true,
      found: true,
      items: o.nsgRules ? [{ id: NSG, name: "nsg-aca", securityRules: o.nsgRules }] : [],
    },
    routeTables: {
      readable: true,
      found: true,
      items: o.routes ? [{ id: ROUTE_TABLE, name: "rt-aca", routes: o.routes }] : [],
    },
    ...(o.inboundEndpoints || o.rulesets
      ? {
          dnsInboundEndpoints: { readable: true as const, found: true as const, items: o.inboundEndpoints ?? [] },
          dnsForwardingRulesets: { readable: true as const, found: true as const, items: o.rulesets ?? [] },
        }
      : {}),
  };
  facts.network = network;
  const registry = facts.registries[SERVER];
  if (registry?.readable && registry.found) {
    registry.privateEndpointConnections = endpoint ? [{ privateEndpointId: PE, status: "Approved" }] : [];
  }
  return network;
}

export const applianceRoute = (): RouteFacts => ({
  name: "default-to-firewall",
  addressPrefix: "0.0.0.0/0",
  nextHopType: "VirtualAppliance",
  nextHopIpAddress: "10.0.1.4",
});
