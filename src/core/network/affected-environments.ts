/**
 * Which managed environments a network change can close the path of (spec/events.md v2: NSG and security rule
 * writes and deletes, route tables, virtual networks, private DNS records and links). An event only names the
 * resource that changed; the environments follow from their infrastructure subnets:
 *   - an NSG or a route table (or one of its rules/routes): the environments whose subnet it is associated with
 *     (the NSG's or route table's own `properties.subnets[]`); when that list is unknown (the resource was deleted or
 *     could not be read), every VNet-integrated environment;
 *   - a virtual network (DNS servers, subnets, peerings): the environments whose subnet is in it;
 *   - a privatelink.azurecr.io zone's records or links: every VNet-integrated environment, since through peerings
 *     and DNS Private Resolvers any of them may resolve through that zone. Other private zones: none.
 *
 * Example: a write of `.../networkSecurityGroups/nsg-aca/securityRules/deny-all-out`, nsg-aca associated with
 * `.../vnet-spoke/subnets/snet-aca`, env-checkout on that subnet → ["<env-checkout id>"].
 */

export type NetworkChange =
  | { kind: "subnet-policy"; id: string }
  | { kind: "virtual-network"; id: string }
  | { kind: "registry-dns"; id: string };

export interface EnvironmentSubnet {
  id: string;
  infrastructureSubnetId: string | null;
}

const NSG_OR_ROUTES =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/(?:networkSecurityGroups|routeTables)\/[^/]+)(?:\/(?:securityRules|routes)\/[^/]+)?$/i;
const VNET =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+)(?:\/subnets\/[^/]+)?$/i;
const ZONE =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+))(?:\/.+)?$/i;

/** The change an event subject names, or null when it is no network resource PullGuard follows. */
export function networkChangeOf(subject: string): NetworkChange | null {
  const policy = NSG_OR_ROUTES.exec(subject);
  if (policy?.[1]) return { kind: "subnet-policy", id: policy[1] };
  const vnet = VNET.exec(subject);
  if (vnet?.[1]) return { kind: "virtual-network", id: vnet[1] };
  const zone = ZONE.exec(subject);
  if (zone?.[1] && /^privatelink\.azurecr\.(io|cn|us)$/i.test(zone[2] ?? ""))
    return { kind: "registry-dns", id: zone[1] };
  return null;
}

const lower = (s: string): string => s.toLowerCase().replace(/\/+$/, "");

/**
 * The IDs of the environments the change concerns. `associatedSubnets`: the subnets of the NSG or route table
 * (null when unknown).
 */
export function environmentsAffected(
  change: NetworkChange,
  environments: readonly EnvironmentSubnet[],
  associatedSubnets: readonly string[] | null,
): string[] {
  const integrated = environments.filter((e) => e.infrastructureSubnetId);
  const subnetOf = (e: EnvironmentSubnet): string => lower(e.infrastructureSubnetId ?? "");
  switch (change.kind) {
    case "subnet-policy": {
      if (associatedSubnets === null) return integrated.map((e) => e.id);
      const subnets = new Set(associatedSubnets.map(lower));
      return integrated.filter((e) => subnets.has(subnetOf(e))).map((e) => e.id);
    }
    case "virtual-network":
      return integrated.filter((e) => subnetOf(e).startsWith(`${lower(change.id)}/subnets/`)).map((e) => e.id);
    case "registry-dns":
      return integrated.map((e) => e.id);
  }
}

/** The reads that map a changed network resource to environments (src/azure/network-change-reads.ts). */
export interface NetworkChangeReads {
  /** The managed environments of a subscription with their infrastructure subnets (one list). */
  listEnvironments(subscriptionId: string): Promise<EnvironmentSubnet[]>;
  /** The subnets an NSG or route table is associated with; null when it no longer exists. */
  associatedSubnets(resourceId: string): Promise<string[] | null>;
}
