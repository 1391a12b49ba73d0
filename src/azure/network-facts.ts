/**
 * Network answers (SDK models, `properties` flattened) → the private-path facts: a private endpoint's subnet and
 * connections (automatic and manual), a virtual network's peerings, a private DNS zone's links and A record names.
 */
import type { PrivateEndpoint, VirtualNetwork } from "@azure/arm-network";
import type { PrivateZone, RecordSet, VirtualNetworkLink } from "@azure/arm-privatedns";
import { isAcrPrivateZone } from "../core/acr-host.js";
import type { PrivateDnsZoneFacts, PrivateEndpointFacts, VirtualNetworkFacts } from "../core/facts.js";

/** The private DNS zone names ACR uses: the one rule of src/core/acr-host.ts (read-network-facts.ts tests with it). */
export const REGISTRY_PRIVATE_ZONE = { test: isAcrPrivateZone };

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
  };
}
