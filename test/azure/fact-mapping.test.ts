/**
 * SDK models → facts, from the REST API examples served over HTTPS through the real SDK clients (so the SDKs'
 * own deserialization, flattening and renaming is what the mapping sees).
 */
import type { Registry } from "@azure/arm-containerregistry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appFactsFrom,
  environmentFactsFrom,
  revisionFactsFrom,
  userAssignedIdentityFactsFrom,
} from "../../src/azure/app-facts.js";
import { registryFactsFrom, registryNeedsNetworkFacts } from "../../src/azure/registry-facts.js";
import { createRoleDefinitionCache } from "../../src/azure/role-definitions.js";
import { roleAssignmentFactsFrom, roleDefinitionReadId } from "../../src/azure/role-facts.js";
import { answerFrom, exampleBody, type TestBackend, testBackend } from "./local-arm.js";
import { type LocalServer, startLocalHttps } from "./local-https.js";

const APP_SUB = "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345";
const APP = `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.App/containerApps/testcontainerApp0`;
const REGISTRY_SUB = "00000000-0000-0000-0000-000000000000";
const REGISTRIES = `/subscriptions/${REGISTRY_SUB}/providers/Microsoft.ContainerRegistry/registries`;

/** RegistryGet's body, behind a firewall, in ABAC mode, with a private endpoint and a replica's data endpoint. */
function lockedDownRegistry(): Record<string, unknown> {
  const body = exampleBody("containerregistry/RegistryGet.json") as { properties: Record<string, unknown> };
  return {
    ...body,
    id: `${REGISTRIES.replace("/providers", "/resourceGroups/myResourceGroup/providers")}/lockedRegistry`,
    name: "lockedRegistry",
    sku: { name: "Premium", tier: "Premium" },
    properties: {
      ...body.properties,
      loginServer: "lockedregistry.azurecr.io",
      publicNetworkAccess: "Disabled",
      networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "51.104.12.9" }] },
      roleAssignmentMode: "AbacRepositoryPermissions",
      policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" }, quarantinePolicy: { status: "enabled" } },
      dataEndpointEnabled: true,
      dataEndpointHostNames: ["lockedregistry.westus.data.azurecr.io", "lockedregistry.westeurope.data.azurecr.io"],
      privateEndpointConnections: [
        {
          id: "/subscriptions/x/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/lockedRegistry/privateEndpointConnections/pe1",
          properties: {
            privateEndpoint: {
              id: "/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/privateEndpoints/pe1",
            },
            privateLinkServiceConnectionState: { status: "Approved", description: "" },
          },
        },
      ],
    },
  };
}

/** The registries the SDK deserialized from the list example (plus the locked-down one). */
async function listedRegistries(): Promise<Registry[]> {
  const models: Registry[] = [];
  for await (const r of backend.clients.containerRegistry(REGISTRY_SUB).registries.list()) models.push(r);
  expect(models).toHaveLength(2);
  return models;
}

let server: LocalServer;
let backend: TestBackend;
beforeAll(async () => {
  const revisionsBase = `${APP}/revisions/testcontainerApp0-pjxhsye`;
  server = await startLocalHttps(
    answerFrom({
      [`GET ${APP}`]: { status: 200, body: exampleBody("app/ContainerApps_Get.json") },
      [`GET /subscriptions/${APP_SUB}/resourceGroups/examplerg/providers/Microsoft.App/managedEnvironments/jlaw-demo1`]:
        {
          status: 200,
          body: exampleBody("app/ManagedEnvironments_Get.json"),
        },
      [`GET ${revisionsBase}`]: { status: 200, body: exampleBody("app/Revisions_Get.json") },
      [`GET ${revisionsBase}/replicas`]: { status: 200, body: exampleBody("app/Replicas_List.json") },
      [`GET ${REGISTRIES}`]: {
        status: 200,
        body: {
          value: [...(exampleBody("containerregistry/RegistryList.json").value as unknown[]), lockedDownRegistry()],
        },
      },
      [`GET /subscriptions/${APP_SUB}/resourceGroups/rgName/providers/Microsoft.ManagedIdentity/userAssignedIdentities/identityName`]:
        { status: 200, body: exampleBody("msi/IdentityGet.json") },
      [`GET /subscriptions/${APP_SUB}/providers/Microsoft.Authorization/roleAssignments`]: {
        status: 200,
        body: exampleBody("authorization/RoleAssignments_ListForSubscription.json"),
      },
      "GET /subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId": {
        status: 200,
        body: exampleBody("authorization/GetRoleDefinitionById.json"),
      },
    }),
  );
  backend = testBackend(server);
});
afterAll(() => server.close());

describe("container app → AppFacts", () => {
  it("maps identity, environment (managedEnvironmentId fallback), revisions and every container", async () => {
    const model = await backend.clients.containerApps(APP_SUB).containerApps.get("rg", "testcontainerApp0");
    const facts = appFactsFrom(model);
    expect(facts).toMatchObject({
      id: APP,
      name: "testcontainerApp0",
      subscriptionId: APP_SUB,
      resourceGroup: "rg",
      location: "East US",
      environmentId: `/subscriptions/${APP_SUB}/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/demokube`,
      provisioningState: "Succeeded",
      latestReadyRevisionName: "testcontainerApp0-pjxhsye",
      outboundIpAddresses: [],
      registries: [],
      secretNames: [],
    });
    expect(facts.identity).toEqual({
      type: "SystemAssigned,UserAssigned",
      principalId: "24adfa4f-dedf-8dc0-ca29-b6d1a69ab319",
      tenantId: "23adfa4f-eedf-1dc0-ba29-a6d1a69ab3d0",
      userAssigned: [
        {
          id: `/subscriptions/${APP_SUB}/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myidentity`,
          principalId: "74adfa4f-dedf-8dc0-ca29-b6d1a69ab312",
          clientId: "14adfa4f-eedf-1dc0-ba29-a6d1a69ab3df",
        },
      ],
    });
    expect(facts.containers).toEqual([
      { name: "testcontainerApp0", image: "repo/testcontainerApp0:v4", kind: "container" },
      { name: "testinitcontainerApp0", image: "repo/testcontainerApp0:v4", kind: "init" },
    ]);
  });

  it("maps registry entries and secret names as configured", () => {
    const facts = appFactsFrom({
      id: APP,
      name: "testcontainerApp0",
      location: "northeurope",
      environmentId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env",
      configuration: {
        registries: [
          { server: "contoso.azurecr.io", identity: "system" },
          { server: "legacy.azurecr.io", username: "legacy", passwordSecretRef: "acr-password" },
        ],
        secrets: [{ name: "acr-password" }],
      },
    });
    expect(facts.registries).toEqual([
      { server: "contoso.azurecr.io", identity: "system", username: null, passwordSecretRef: null },
      { server: "legacy.azurecr.io", identity: null, username: "legacy", passwordSecretRef: "acr-password" },
    ]);
    expect(facts.secretNames).toEqual(["acr-password"]);
    expect(facts.identity).toEqual({ type: "None", principalId: null, tenantId: null, userAssigned: [] });
  });
});

describe("managed environment, identity, revision", () => {
  it("maps the environment's VNet integration", async () => {
    const model = await backend.clients.containerApps(APP_SUB).managedEnvironments.get("examplerg", "jlaw-demo1");
    expect(environmentFactsFrom(model)).toEqual({
      id: "/subscriptions/8efdecc5-919e-44eb-b179-915dca89ebf9/resourceGroups/examplerg/providers/Microsoft.App/managedEnvironments/jlaw-demo1",
      name: "jlaw-demo1",
      identity: { type: "None", principalId: null, tenantId: null, userAssigned: [] },
      infrastructureSubnetId:
        "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/RGName/providers/Microsoft.Network/virtualNetworks/VNetName/subnets/subnetName1",
      internal: false,
    });
  });

  it("maps a user-assigned identity", async () => {
    const model = await backend.clients.managedIdentities(APP_SUB).userAssignedIdentities.get("rgName", "identityName");
    expect(userAssignedIdentityFactsFrom(model)).toEqual({
      id: "/subscriptions/subid/resourcegroups/rgName/providers/Microsoft.ManagedIdentity/userAssignedIdentities/identityName",
      principalId: "25cc773c-7f05-40fc-a104-32d2300754ad",
      clientId: "4024ab25-56a8-4370-aea6-6389221caf29",
      tenantId: "b6c948ef-f6b5-4384-8354-da3a15eca969",
    });
  });

  it("maps the revision and its replicas from the raw bodies the SDK received", async () => {
    const containerApps = backend.clients.containerApps(APP_SUB);
    let revisionBody: unknown;
    let replicasBody: unknown;
    await containerApps.containerAppsRevisions.getRevision("rg", "testcontainerApp0", "testcontainerApp0-pjxhsye", {
      onResponse: (r) => {
        revisionBody = JSON.parse(r.bodyAsText ?? "null");
      },
    });
    await containerApps.containerAppsRevisionReplicas.listReplicas(
      "rg",
      "testcontainerApp0",
      "testcontainerApp0-pjxhsye",
      {
        onResponse: (r) => {
          replicasBody = JSON.parse(r.bodyAsText ?? "null");
        },
      },
    );
    expect(revisionFactsFrom(revisionBody, replicasBody)).toEqual({
      name: "testcontainerApp0-pjxhsye",
      provisioningState: null,
      runningState: "Running",
      runningStateDetails: null,
      healthState: null,
      provisioningError: null,
      createdTime: "2021-05-24T21:24:22+00:00",
      replicas: [
        {
          name: "myapp--0wlqy09-5d9774cff-5wnd8",
          runningState: "Running",
          runningStateDetails: "testDetail",
          containers: [
            {
              name: "hello92",
              kind: "container",
              runningState: "Running",
              runningStateDetails: "testDetail",
              restartCount: 0,
            },
          ],
        },
      ],
    });
  });

  it("keeps open-ended states and init containers as sent", () => {
    const facts = revisionFactsFrom(
      {
        name: "r1",
        properties: {
          provisioningState: "Failed",
          runningState: "ActivationFailed",
          runningStateDetails: "1/1 Pending:ImagePullBackOff",
          healthState: "Unhealthy",
          provisioningError: "Failed to provision revision: UNAUTHORIZED: authentication required",
        },
      },
      {
        value: [
          {
            name: "r1-abc",
            properties: {
              runningState: "NotRunning",
              containers: [],
              initContainers: [
                { name: "migrate", runningState: "Waiting", runningStateDetails: "ImagePullBackOff", restartCount: 4 },
              ],
            },
          },
        ],
      },
    );
    expect(facts.runningState).toBe("ActivationFailed");
    expect(facts.runningStateDetails).toBe("1/1 Pending:ImagePullBackOff");
    expect(facts.provisioningError).toContain("UNAUTHORIZED");
    expect(facts.replicas[0]?.containers).toEqual([
      {
        name: "migrate",
        kind: "init",
        runningState: "Waiting",
        runningStateDetails: "ImagePullBackOff",
        restartCount: 4,
      },
    ]);
  });
});

describe("registry → RegistryFacts", () => {
  it("maps the example registry with the service's defaults", async () => {
    const [model] = await listedRegistries();
    expect(model && registryFactsFrom(model)).toEqual({
      id: `/subscriptions/${REGISTRY_SUB}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry`,
      name: "myRegistry",
      subscriptionId: REGISTRY_SUB,
      resourceGroup: "myResourceGroup",
      location: "westus",
      loginServer: "myregistry.azurecr.io",
      sku: "Standard",
      adminUserEnabled: false,
      publicNetworkAccess: "Enabled",
      defaultAction: "Allow",
      ipRules: [],
      networkRuleBypassOptions: "AzureServices",
      anonymousPullEnabled: false,
      roleAssignmentMode: "LegacyRegistryPermissions",
      armAudienceTokens: "enabled",
      quarantinePolicy: "disabled",
      dataEndpointEnabled: false,
      privateEndpointConnections: [],
      replicationLocations: ["westus"],
    });
  });

  it("maps network rules (iPAddressOrRange back to value), ABAC mode, policies, private endpoints, data endpoints", async () => {
    const [, model] = await listedRegistries();
    const facts = model && registryFactsFrom(model);
    expect(facts).toMatchObject({
      name: "lockedRegistry",
      loginServer: "lockedregistry.azurecr.io",
      sku: "Premium",
      publicNetworkAccess: "Disabled",
      defaultAction: "Deny",
      ipRules: [{ action: "Allow", value: "51.104.12.9" }],
      roleAssignmentMode: "AbacRepositoryPermissions",
      armAudienceTokens: "disabled",
      quarantinePolicy: "enabled",
      dataEndpointEnabled: true,
      privateEndpointConnections: [
        {
          privateEndpointId: "/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/privateEndpoints/pe1",
          status: "Approved",
        },
      ],
      replicationLocations: ["westus", "westeurope"],
    });
    expect(facts && registryNeedsNetworkFacts(facts)).toBe(true);
  });

  it("fills the defaults when the registry omits the newer fields", () => {
    const facts = registryFactsFrom({
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/old",
      location: "West Europe",
      loginServer: "Old.azurecr.io",
      sku: { name: "Basic" },
    });
    expect(facts).toMatchObject({
      name: "old",
      loginServer: "old.azurecr.io",
      publicNetworkAccess: "Enabled",
      defaultAction: "Allow",
      roleAssignmentMode: "LegacyRegistryPermissions",
      armAudienceTokens: "enabled",
      replicationLocations: ["westeurope"],
    });
    expect(facts && registryNeedsNetworkFacts(facts)).toBe(false);
  });
});

describe("role assignments and definitions", () => {
  it("maps an assignment; a missing createdOn stays null (old, never fresh)", async () => {
    const items = [];
    for await (const a of backend.clients.authorization(APP_SUB).roleAssignments.listForSubscription({
      filter: "assignedTo('ce2ce14e-85d7-4629-bdbc-454d0519d987')",
    })) {
      items.push(roleAssignmentFactsFrom(a));
    }
    expect(items).toEqual([
      {
        id: "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments/b0f43c54-e787-4862-89b1-a653fa9cf747",
        name: "b0f43c54-e787-4862-89b1-a653fa9cf747",
        scope: "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
        roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/0b5fe924-9a61-425c-96af-cfe6e287ca2d",
        principalId: "ce2ce14e-85d7-4629-bdbc-454d0519d987",
        principalType: "User",
        condition: null,
        conditionVersion: null,
        createdOn: null,
      },
    ]);
    const filter = server.requests.find((r) => r.path.endsWith("/roleAssignments"))?.query.get("$filter");
    expect(filter).toBe("assignedTo('ce2ce14e-85d7-4629-bdbc-454d0519d987')");
  });

  it("keeps an ABAC condition and createdOn as ISO time", () => {
    const facts = roleAssignmentFactsFrom({
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/a1",
      roleDefinitionId:
        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b93aa761-3e63-49ed-ac28-beffa264f7ac",
      principalId: "p",
      principalType: "ServicePrincipal",
      condition: "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'api'",
      conditionVersion: "2.0",
      createdOn: new Date("2026-11-22T11:55:00Z"),
    });
    expect(facts).toMatchObject({
      name: "a1",
      scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r",
      conditionVersion: "2.0",
      createdOn: "2026-11-22T11:55:00.000Z",
    });
  });

  it("maps a role definition's permissions; a bare GUID is read at the tenant root", async () => {
    const id = "/subscriptions/subID/providers/Microsoft.Authorization/roleDefinitions/roleDefinitionId";
    const cache = createRoleDefinitionCache(backend.clients);
    const read = await cache.read(id, APP_SUB);
    expect(read).toEqual({
      readable: true,
      found: true,
      id,
      guid: "roledefinitionid",
      roleName: "Role name",
      roleType: "roletype",
      permissions: [{ actions: ["action"], notActions: [], dataActions: ["dataAction"], notDataActions: [] }],
    });
    expect(server.requests.at(-1)?.path).toBe(id);
    expect(roleDefinitionReadId("7f951dda-4ed3-4680-a7ca-43fe172d538d")).toBe(
      "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    );
  });
});
