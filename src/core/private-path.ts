/**
 * Whether the app's environment has a private path to a registry (pull-path.md v2, "The private path"): the
 * environment is VNet-integrated; an Approved private endpoint to the registry sits in the environment's virtual
 * network or a Connected peer of it; the environment's VNet resolves `<registry>.privatelink.azurecr.io` into a
 * privatelink.azurecr.io zone (linked to it, or reached through a DNS Private Resolver: network/name-resolution.ts);
 * and that zone holds A records for `<registry>` and for `<registry>.<region>.data` of every region the registry is
 * replicated to. DNS servers PullGuard cannot see into leave the path present but unproven (`private-dns-not-proven`),
 * never missing for that reason alone.
 *
 * Example: environment in vnet-a, endpoint pe-acr in vnet-a (Approved), zone linked to vnet-a with records
 * `fabrikamacr` only, registry replicated to northeurope → missing ["A record fabrikamacr.northeurope.data"].
 */
import { isAcrPrivateZone } from "./acr-host.js";
import {
  isFound,
  type PrivateEndpointFacts,
  type PullFacts,
  type Read,
  type RegistryFacts,
  type Unreadable,
  type VirtualNetworkFacts,
} from "./facts.js";
import { resolveRegistryZone } from "./network/name-resolution.js";

export type PrivatePath =
  | {
      status: "present";
      /** The private endpoint's addresses as the zone's A record for the registry names them (may be empty). */
      addresses: string[];
      /** How the environment's VNet resolves the registry's name (zone link, forwarding rule, inbound endpoint). */
      via: string[];
      /** DNS servers PullGuard cannot see into, when resolution depends on them. */
      unprovenDns: { servers: string[]; via: string[] } | null;
    }
  | { status: "missing"; missing: string[] }
  | { status: "unknown"; unreadable: Unreadable[]; what: string };

const lower = (s: string): string => s.toLowerCase();
const trimId = (s: string): string => lower(s.replace(/\/+$/, ""));

/** The virtual network of a subnet ID (`.../virtualNetworks/<vnet>/subnets/<subnet>`). */
export function vnetOfSubnet(subnetId: string): string {
  return trimId(subnetId).replace(/\/subnets\/[^/]+$/, "");
}

/** The environment's VNet and the VNets it is peered with (Connected peerings only). */
function reachableVnets(vnet: string, vnets: readonly VirtualNetworkFacts[]): Set<string> {
  const reachable = new Set([vnet]);
  for (const v of vnets) {
    if (trimId(v.id) !== vnet) continue;
    for (const p of v.peerings)
      if (lower(p.peeringState ?? "") === "connected") reachable.add(trimId(p.remoteVirtualNetworkId));
  }
  return reachable;
}

/** Whether a private endpoint to the registry sits in a reachable VNet with an Approved connection. */
function hasApprovedEndpoint(
  registry: RegistryFacts,
  endpoints: readonly PrivateEndpointFacts[],
  reachable: ReadonlySet<string>,
): boolean {
  const approved = (endpointId: string, ownStatus: string | null): boolean => {
    // The registry's own connection list decides; when it lists none, the endpoint's connection state does.
    if (registry.privateEndpointConnections.length === 0) return lower(ownStatus ?? "") === "approved";
    return registry.privateEndpointConnections.some(
      (c) => trimId(c.privateEndpointId) === trimId(endpointId) && lower(c.status) === "approved",
    );
  };
  return endpoints.some((pe) => {
    const toRegistry = pe.connections.find((c) => trimId(c.privateLinkServiceId) === trimId(registry.id));
    return (
      toRegistry !== undefined &&
      pe.subnetId !== null &&
      reachable.has(vnetOfSubnet(pe.subnetId)) &&
      approved(pe.id, toRegistry.status)
    );
  });
}

export function privatePath(facts: PullFacts, registry: RegistryFacts): PrivatePath {
  const env = facts.environment;
  if (env === null) return { status: "unknown", unreadable: [], what: "the managed environment was not read" };
  if (!env.readable) return { status: "unknown", unreadable: [env], what: "the managed environment" };
  if (!env.found) return { status: "missing", missing: ["the managed environment does not exist"] };
  if (!env.infrastructureSubnetId) {
    return { status: "missing", missing: ["the environment is not VNet-integrated (no infrastructureSubnetId)"] };
  }
  const vnet = vnetOfSubnet(env.infrastructureSubnetId);
  const network = facts.network;
  if (network === null) return { status: "unknown", unreadable: [], what: "the network facts were not read" };
  const reads: Array<Read<object> | undefined> = [
    network.privateEndpoints,
    network.virtualNetworks,
    network.privateDnsZones,
    network.dnsInboundEndpoints,
    network.dnsForwardingRulesets,
  ];
  const unreadable = reads.filter((r): r is Unreadable => r !== undefined && !r.readable);
  if (unreadable.length > 0)
    return { status: "unknown", unreadable, what: "the private endpoints, networks or DNS zones" };
  const endpoints = isFound(network.privateEndpoints) ? network.privateEndpoints.items : [];
  const vnets = isFound(network.virtualNetworks) ? network.virtualNetworks.items : [];
  const zones = isFound(network.privateDnsZones) ? network.privateDnsZones.items : [];

  const missing: string[] = [];
  if (!hasApprovedEndpoint(registry, endpoints, reachableVnets(vnet, vnets)))
    missing.push("an Approved private endpoint to the registry in the environment's (or a peered) VNet");
  const items = <T>(read: Read<{ items: T[] }> | undefined): T[] => (isFound(read) ? read.items : []);
  const resolution = resolveRegistryZone(
    {
      virtualNetworks: vnets,
      zones: zones.filter((z) => isAcrPrivateZone(z.name)),
      inboundEndpoints: items(network.dnsInboundEndpoints),
      rulesets: items(network.dnsForwardingRulesets),
      resolversRead: network.dnsInboundEndpoints !== undefined,
    },
    vnet,
    registry.name,
  );
  if (resolution.status === "missing") {
    missing.push(
      network.dnsInboundEndpoints === undefined
        ? "a privatelink.azurecr.io DNS zone linked to the environment's VNet"
        : `name resolution: ${resolution.why}`,
    );
  }
  let addresses: string[] = [];
  if (resolution.status === "resolved") {
    const zone = resolution.zone;
    const names = new Set(zone.aRecordNames.map(lower));
    const name = lower(registry.name);
    const wanted = [name, ...registry.replicationLocations.map((l) => `${name}.${lower(l).replace(/\s/g, "")}.data`)];
    for (const w of wanted) if (!names.has(w)) missing.push(`A record ${w} in ${zone.name}`);
    addresses = zone.aRecordAddresses?.[name] ?? [];
  }
  if (missing.length > 0 || resolution.status === "missing") return { status: "missing", missing };
  return {
    status: "present",
    addresses,
    via: resolution.via,
    unprovenDns: resolution.status === "unproven" ? { servers: resolution.servers, via: resolution.via } : null,
  };
}
