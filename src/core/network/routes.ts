/**
 * User-defined routes on the environment's subnet that send the registry's public traffic somewhere PullGuard
 * cannot read (pull-path.md v2, `egress-not-proven`): a route whose prefix covers the registry (0.0.0.0/0, or a
 * service tag holding its addresses) with next hop VirtualAppliance (a firewall, an NVA) or VirtualNetworkGateway
 * (forced tunnelling on premises). Of the routes that cover, the most specific wins: a regional service tag before a
 * global one before 0.0.0.0/0. Routes take service tags as address prefixes and the longest prefix match decides
 * (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview, "Service tags for user-defined routes"
 * and "How Azure selects a route"); ranking a tag above 0.0.0.0/0 is that rule applied to the tag's ranges, the
 * order between tags is an assumption. Container Apps supports UDRs in workload-profile environments
 * (learn.microsoft.com/azure/container-apps/user-defined-routes).
 *
 * Example: [default 0.0.0.0/0 → VirtualAppliance 10.0.0.4] → that route; adding [acr AzureContainerRegistry →
 * Internet] → the acr route, which leaves directly (nothing to report).
 */
import type { RouteFacts, RouteTableFacts } from "../facts.js";

/** How specific a route's prefix is for the registry's public addresses; null when it does not cover them. */
function specificity(prefix: string, region: string): number | null {
  const p = prefix.trim().toLowerCase();
  const r = region.toLowerCase().replace(/\s+/g, "");
  if (p === "0.0.0.0/0") return 0;
  if (p === "azurecloud") return 1;
  if (p === `azurecloud.${r}`) return 2;
  if (p === "azurecontainerregistry") return 3;
  if (p === `azurecontainerregistry.${r}`) return 4;
  return null;
}

/** The route of `table` that carries traffic to the registry's public endpoint, if any. */
export function registryRoute(table: RouteTableFacts, registryRegion: string): RouteFacts | null {
  let best: { route: RouteFacts; rank: number } | null = null;
  for (const route of table.routes) {
    const rank = specificity(route.addressPrefix, registryRegion);
    if (rank !== null && (!best || rank > best.rank)) best = { route, rank };
  }
  return best?.route ?? null;
}

/** Whether a next hop is something PullGuard cannot see through (a firewall or an on-premises gateway). */
export function opaqueNextHop(route: RouteFacts): boolean {
  const hop = route.nextHopType.toLowerCase();
  return hop === "virtualappliance" || hop === "virtualnetworkgateway";
}
