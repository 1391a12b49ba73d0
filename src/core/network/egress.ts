/**
 * The way out of the environment's infrastructure subnet towards a registry (pull-path.md v2, `egress-blocked`,
 * `egress-not-proven`): which path the pull takes (the private path whenever one exists, else the public one when
 * public access is on), the subnet, the NSG and route table on it. Known only when the network facts were read,
 * that is for a registry reached privately or filtered by its firewall: an open registry's public path is not read
 * (its diagnosis keeps its cost) and so never judged here.
 *
 * Example: environment on snet-aca (NSG nsg-aca), registry with public access Disabled and a complete private path
 * whose A record says 10.1.4.5 → { over: "private", destination: { kind: "private", addresses: ["10.1.4.5"] }, ... }.
 */
import {
  isFound,
  type NetworkSecurityGroupFacts,
  type PullFacts,
  type Read,
  type RegistryFacts,
  type RouteTableFacts,
  type SubnetFacts,
  type Unreadable,
} from "../facts.js";
import { privatePath, vnetOfSubnet } from "../private-path.js";
import type { Destination } from "./nsg.js";

export interface Egress {
  over: "private" | "public";
  destination: Destination;
  subnet: SubnetFacts;
  nsg: NetworkSecurityGroupFacts | null;
  routeTable: RouteTableFacts | null;
}

const trimId = (s: string): string => s.toLowerCase().replace(/\/+$/, "");

/** The item with `id` of a read list: null when none is named or none was read, `unknown` when the read failed. */
function pick<T extends { id: string }>(
  read: Read<{ items: T[] }> | undefined,
  id: string | null,
): T | null | { unknown: Unreadable } {
  if (!id || read === undefined) return null;
  if (!read.readable) return { unknown: read };
  if (!read.found) return null;
  return read.items.find((x) => trimId(x.id) === trimId(id)) ?? null;
}

/** The egress towards `registry`, `unknown` when a read it needs failed, or null when it is not judged. */
export function egressTo(facts: PullFacts, registry: RegistryFacts): Egress | { unknown: Unreadable } | null {
  const env = facts.environment;
  const network = facts.network;
  if (!isFound(env) || !env.infrastructureSubnetId || !network) return null;
  const route = privatePath(facts, registry);
  let over: Egress["over"];
  let destination: Destination;
  if (route.status === "present") {
    over = "private";
    destination = { kind: "private", addresses: route.addresses };
  } else if (route.status === "missing" && registry.publicNetworkAccess.toLowerCase() !== "disabled") {
    over = "public";
    destination = { kind: "public", region: registry.location };
  } else return null;
  const vnets = isFound(network.virtualNetworks) ? network.virtualNetworks.items : [];
  const vnetId = vnetOfSubnet(env.infrastructureSubnetId);
  const subnet = vnets
    .find((v) => trimId(v.id) === vnetId)
    ?.subnets?.find((s) => trimId(s.id) === trimId(env.infrastructureSubnetId as string));
  if (!subnet) return null;
  const nsg = pick(network.securityGroups, subnet.networkSecurityGroupId);
  if (nsg && "unknown" in nsg) return nsg;
  const routeTable = pick(network.routeTables, subnet.routeTableId);
  if (routeTable && "unknown" in routeTable) return routeTable;
  return { over, destination, subnet, nsg, routeTable };
}
