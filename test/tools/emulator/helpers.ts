/**
 * Shared by the emulator's acceptance tests: the real Azure SDK clients pointed at a running emulator, and a small
 * world with one of each resource type the emulator understands.
 */
import { readFileSync } from "node:fs";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { NetworkManagementClient } from "@azure/arm-network";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SubscriptionClient } from "@azure/arm-subscriptions";
import type { TokenCredential } from "@azure/core-auth";
import type { Emulator } from "../../../tools/emulator/index.js";

export const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
export const SUB2 = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
export const TENANT = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
export const RG = "rg-shop";
export const RG2 = "rg-platform";
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
export const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
export const RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168";

export const rg = (group: string, sub = SUB) => `/subscriptions/${sub}/resourceGroups/${group}`;
export const ENV_ID = `${rg(RG)}/providers/Microsoft.App/managedEnvironments/env-shop`;
export const REGISTRY_ID = `${rg(RG2)}/providers/Microsoft.ContainerRegistry/registries/contosoprod`;
export const UAMI_ID = `${rg(RG)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders`;
export const VNET_ID = `${rg(RG2)}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
export const SPOKE_ID = `${rg(RG)}/providers/Microsoft.Network/virtualNetworks/vnet-shop`;
export const ZONE_ID = `${rg(RG2)}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;
export const appId = (name: string, group = RG) => `${rg(group)}/providers/Microsoft.App/containerApps/${name}`;
export const assignmentId = (scope: string, name: string) =>
  `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
export const roleId = (guid: string, sub = SUB) =>
  `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

export const UAMI_PRINCIPAL = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
export const GROUP = "7c6b5a49-3827-4615-a4b3-c2d1e0f9a8b7";

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

export function app(
  name: string,
  options: { group?: string; image?: string; identity?: "system" | "uami"; secrets?: boolean } = {},
): Record<string, unknown> {
  const identityRef = options.identity === "uami" ? UAMI_ID : "system";
  return {
    id: appId(name, options.group),
    name,
    type: "Microsoft.App/containerApps",
    location: "West Europe",
    identity:
      options.identity === "uami"
        ? { type: "UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } }
        : { type: "SystemAssigned" },
    properties: {
      environmentId: ENV_ID,
      outboundIpAddresses: ["20.71.4.9"],
      configuration: {
        activeRevisionsMode: "Single",
        registries: [{ server: "contosoprod.azurecr.io", identity: identityRef }],
        secrets: options.secrets ? [{ name: "db-password", value: "hunter2" }] : [],
      },
      template: {
        containers: [{ name: "api", image: options.image ?? "contosoprod.azurecr.io/orders/api:1.4.2" }],
      },
    },
  };
}

/** One environment, five apps in two groups, a registry, a UAMI, networking and RBAC. */
export function shopWorld(extra: { resources?: unknown[]; caller?: unknown } = {}): Record<string, unknown> {
  return {
    description: "emulator acceptance world",
    now: "2026-11-22T12:00:00Z",
    tenants: [{ tenantId: TENANT, subscriptions: [SUB, SUB2] }],
    resources: [
      {
        id: ENV_ID,
        name: "env-shop",
        type: "Microsoft.App/managedEnvironments",
        location: "West Europe",
        properties: { vnetConfiguration: { internal: false, infrastructureSubnetId: `${SPOKE_ID}/subnets/aca` } },
      },
      {
        id: `${rg(RG2)}/providers/Microsoft.App/managedEnvironments/env-batch`,
        name: "env-batch",
        type: "Microsoft.App/managedEnvironments",
        location: "West Europe",
        properties: {},
      },
      app("orders-api", { identity: "uami", secrets: true }),
      app("orders-worker", { identity: "uami" }),
      app("web"),
      app("reports", { group: RG2, identity: "uami" }),
      app("billing", { group: RG2, identity: "uami" }),
      {
        id: REGISTRY_ID,
        name: "contosoprod",
        type: "Microsoft.ContainerRegistry/registries",
        location: "westeurope",
        sku: { name: "Premium", tier: "Premium" },
        properties: { adminUserEnabled: false, publicNetworkAccess: "Enabled" },
      },
      {
        id: UAMI_ID,
        name: "id-orders",
        type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        location: "westeurope",
        properties: { principalId: UAMI_PRINCIPAL, clientId: "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6" },
      },
      {
        id: assignmentId(REGISTRY_ID, "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
        name: "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        type: "Microsoft.Authorization/roleAssignments",
        properties: {
          roleDefinitionId: roleId(ACR_PULL),
          principalId: UAMI_PRINCIPAL,
          principalType: "ServicePrincipal",
        },
      },
      {
        id: assignmentId(rg(RG2), "4d2e3f50-6b7c-4d8e-9fa0-1b2c3d4e5f60"),
        name: "4d2e3f50-6b7c-4d8e-9fa0-1b2c3d4e5f60",
        type: "Microsoft.Authorization/roleAssignments",
        properties: { roleDefinitionId: READER, principalId: GROUP, principalType: "Group" },
      },
      {
        id: assignmentId(`/subscriptions/${SUB}`, "5e3f4051-7c8d-4e9f-a0b1-2c3d4e5f6071"),
        name: "5e3f4051-7c8d-4e9f-a0b1-2c3d4e5f6071",
        type: "Microsoft.Authorization/roleAssignments",
        properties: {
          roleDefinitionId: roleId(CONTRIBUTOR),
          principalId: "2b3c4d5e-6f70-4819-a2b3-c4d5e6f7a8b9",
          principalType: "User",
        },
      },
      {
        id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/9d8c7b6a-5f4e-4d3c-8b2a-190817263544`,
        name: "9d8c7b6a-5f4e-4d3c-8b2a-190817263544",
        type: "Microsoft.Authorization/roleDefinitions",
        properties: {
          roleName: "Image Puller (custom)",
          type: "CustomRole",
          assignableScopes: [`/subscriptions/${SUB}`],
          permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"], notActions: [] }],
        },
      },
      {
        id: SPOKE_ID,
        name: "vnet-shop",
        type: "Microsoft.Network/virtualNetworks",
        location: "westeurope",
        properties: {
          addressSpace: { addressPrefixes: ["10.1.0.0/16"] },
          subnets: [{ id: `${SPOKE_ID}/subnets/aca`, name: "aca", properties: { addressPrefix: "10.1.0.0/23" } }],
          virtualNetworkPeerings: [
            {
              id: `${SPOKE_ID}/virtualNetworkPeerings/shop-to-hub`,
              name: "shop-to-hub",
              properties: { remoteVirtualNetwork: { id: VNET_ID }, peeringState: "Connected" },
            },
          ],
        },
      },
      {
        id: VNET_ID,
        name: "vnet-hub",
        type: "Microsoft.Network/virtualNetworks",
        location: "westeurope",
        properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } },
      },
      {
        id: `${rg(RG2)}/providers/Microsoft.Network/privateEndpoints/pe-contosoprod`,
        name: "pe-contosoprod",
        type: "Microsoft.Network/privateEndpoints",
        location: "westeurope",
        properties: {
          subnet: { id: `${VNET_ID}/subnets/endpoints` },
          privateLinkServiceConnections: [
            {
              name: "pe-contosoprod",
              properties: {
                privateLinkServiceId: REGISTRY_ID,
                groupIds: ["registry"],
                privateLinkServiceConnectionState: { status: "Approved" },
              },
            },
          ],
        },
      },
      {
        id: ZONE_ID,
        name: "privatelink.azurecr.io",
        type: "Microsoft.Network/privateDnsZones",
        location: "global",
        properties: { numberOfRecordSets: 3 },
      },
      {
        id: `${ZONE_ID}/virtualNetworkLinks/link-shop`,
        name: "link-shop",
        type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        location: "global",
        properties: { virtualNetwork: { id: SPOKE_ID }, registrationEnabled: false },
      },
      ...["contosoprod", "contosoprod.westeurope.data"].map((name) => ({
        id: `${ZONE_ID}/A/${name}`,
        name,
        type: "Microsoft.Network/privateDnsZones/A",
        properties: { ttl: 3600, aRecords: [{ ipv4Address: "10.0.2.4" }] },
      })),
      ...(extra.resources ?? []),
    ],
    groups: [{ objectId: GROUP, members: [UAMI_PRINCIPAL] }],
    ...(extra.caller ? { caller: extra.caller } : {}),
    registryContent: { "contosoprod.azurecr.io": { "orders/api": ["1.4.2", "1.5.0", "latest"] } },
  };
}

export interface Clients {
  apps: ContainerAppsAPIClient;
  registry: ContainerRegistryManagementClient;
  auth: AuthorizationManagementClient;
  msi: ManagedServiceIdentityClient;
  network: NetworkManagementClient;
  dns: PrivateDnsManagementClient;
  resources: ResourceManagementClient;
  subscriptions: SubscriptionClient;
}

/** The real SDK clients, talking to the emulator over HTTPS through its HTTP client. */
export function clientsFor(emu: Emulator, credential: TokenCredential = emu.credential, sub = SUB): Clients {
  const options = { endpoint: emu.endpoint, httpClient: emu.httpClient };
  return {
    apps: new ContainerAppsAPIClient(credential, sub, options),
    registry: new ContainerRegistryManagementClient(credential, sub, options),
    auth: new AuthorizationManagementClient(credential, sub, options),
    msi: new ManagedServiceIdentityClient(credential, sub, options),
    network: new NetworkManagementClient(credential, sub, options),
    dns: new PrivateDnsManagementClient(credential, sub, options),
    resources: new ResourceManagementClient(credential, sub, options),
    subscriptions: new SubscriptionClient(credential, options),
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** ARM requests whose path (without query) matches. */
export const armCount = (emu: Emulator, method: string, path: RegExp) =>
  emu.log.count((e) => e.plane === "arm" && e.method === method && path.test(e.path.split("?")[0] ?? ""));
