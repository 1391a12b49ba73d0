/**
 * The ARM operations PullGuard reacts to (spec/events.md). This one list drives the event handler and the
 * Event Grid subscription's advanced filter in infra/ (a test keeps the Bicep equal to it).
 */
export const WATCHED_OPERATIONS = [
  "Microsoft.App/containerApps/write",
  "Microsoft.App/containerApps/delete",
  "Microsoft.App/containerApps/revisions/restart/action",
  "Microsoft.App/containerApps/revisions/activate/action",
  "Microsoft.App/containerApps/revisions/deactivate/action",
  // v2 (events.md): a job's writes and the start of an execution (its image is pulled then); an environment's write
  // (an identity attached to or removed from it changes what its workloads can pull with).
  "Microsoft.App/jobs/write",
  "Microsoft.App/jobs/delete",
  "Microsoft.App/jobs/start/action",
  "Microsoft.App/managedEnvironments/write",
  "Microsoft.Authorization/roleAssignments/write",
  "Microsoft.Authorization/roleAssignments/delete",
  "Microsoft.ContainerRegistry/registries/write",
  "Microsoft.ContainerRegistry/registries/delete",
  "Microsoft.ManagedIdentity/userAssignedIdentities/write",
  "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
  // v2: network writes that can close the path to a registry (events.md); mapped to environments by
  // core/network/affected-environments.ts.
  "Microsoft.Network/networkSecurityGroups/write",
  "Microsoft.Network/networkSecurityGroups/securityRules/write",
  "Microsoft.Network/networkSecurityGroups/securityRules/delete",
  "Microsoft.Network/routeTables/write",
  "Microsoft.Network/routeTables/routes/write",
  "Microsoft.Network/virtualNetworks/write",
  "Microsoft.Network/privateDnsZones/A/write",
  "Microsoft.Network/privateDnsZones/A/delete",
  "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",
  "Microsoft.Network/privateDnsZones/virtualNetworkLinks/delete",
] as const;

/** Event types of the subscription system topic that can carry a watched operation. */
export const WATCHED_EVENT_TYPES = [
  "Microsoft.Resources.ResourceWriteSuccess",
  "Microsoft.Resources.ResourceWriteFailure",
  "Microsoft.Resources.ResourceDeleteSuccess",
  "Microsoft.Resources.ResourceActionSuccess",
] as const;

export type WatchedOperation = (typeof WATCHED_OPERATIONS)[number];

export function watchedOperation(operationName: string): WatchedOperation | null {
  const lower = operationName.toLowerCase();
  return WATCHED_OPERATIONS.find((op) => op.toLowerCase() === lower) ?? null;
}
