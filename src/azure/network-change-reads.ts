/**
 * The reads behind app/network-targets.ts: the managed environments of a subscription (`managedEnvironments
 * .listBySubscription`, one paged list) and the subnets an NSG or route table is associated with (its own
 * `subnets[]`, one GET through @azure/arm-network). A 404 means the resource is gone: null, so every VNet-integrated
 * environment is re-checked.
 */
import type { EnvironmentSubnet, NetworkChangeReads } from "../core/network/affected-environments.js";
import { groupAndName } from "./arm-id.js";
import type { AzureClients } from "./clients.js";
import { isNotFound } from "./errors.js";

export function networkChangeReads(clients: AzureClients): NetworkChangeReads {
  return {
    async listEnvironments(subscriptionId) {
      const out: EnvironmentSubnet[] = [];
      for await (const env of clients.containerApps(subscriptionId).managedEnvironments.listBySubscription()) {
        if (env.id)
          out.push({ id: env.id, infrastructureSubnetId: env.vnetConfiguration?.infrastructureSubnetId ?? null });
      }
      return out;
    },
    async associatedSubnets(resourceId) {
      const at = groupAndName(resourceId);
      if (!at) return null;
      const network = clients.network(at.subscriptionId);
      try {
        const resource = /\/networkSecurityGroups\//i.test(resourceId)
          ? await network.networkSecurityGroups.get(at.resourceGroup, at.name)
          : await network.routeTables.get(at.resourceGroup, at.name);
        return (resource.subnets ?? []).map((s) => s.id ?? "").filter(Boolean);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
  };
}
