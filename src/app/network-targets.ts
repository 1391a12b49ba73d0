/**
 * "Network resource → affected environments → apps" for ARM events about the network (spec/events.md v2). The
 * environments come from one list per subscription, the NSG's or route table's associated subnets from one GET, the
 * apps from the same cheap app list every event uses: no app is read to find them.
 *
 *   const appIds = await appsForNetworkChange(subject, ["6d1f..."], listApps, networkChangeReads(clients));
 */

import type { AppSummary } from "../core/app-summary.js";
import type { NetworkChangeReads } from "../core/network/affected-environments.js";
import { environmentsAffected, networkChangeOf } from "../core/network/affected-environments.js";

/**
 * The IDs of the apps (of the watched subscriptions) whose environment the changed network resource can cut off.
 * Without `reads` (a host that wires none) nothing is re-checked.
 */
export async function appsForNetworkChange(
  resourceId: string,
  subscriptions: readonly string[],
  listApps: (subscriptionId: string) => Promise<AppSummary[]>,
  reads: NetworkChangeReads | undefined,
): Promise<string[]> {
  const change = networkChangeOf(resourceId);
  if (!change || !reads) return [];
  const [apps, environments, subnets] = await Promise.all([
    Promise.all(subscriptions.map(listApps)).then((lists) => lists.flat()),
    Promise.all(subscriptions.map((s) => reads.listEnvironments(s))).then((lists) => lists.flat()),
    change.kind === "subnet-policy" ? reads.associatedSubnets(change.id) : Promise.resolve(null),
  ]);
  const affected = new Set(environmentsAffected(change, environments, subnets).map((id) => id.toLowerCase()));
  return apps.filter((a) => a.environmentId && affected.has(a.environmentId.toLowerCase())).map((a) => a.id);
}
