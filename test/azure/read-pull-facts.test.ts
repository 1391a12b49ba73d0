/**
 * readPullFacts over the real SDK clients against a small local ARM + ACR (local-world.ts): what it reads, in how
 * many waves, how many requests (each counted by the server too), and how failures become facts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AppNotFoundError, AppUnreadableError } from "../../src/azure/errors.js";
import { readPullFacts } from "../../src/azure/read-pull-facts.js";
import { createRegistryIndex } from "../../src/azure/registry-index.js";
import { InvalidAppIdError } from "../../src/shared/errors.js";
import { armRequestsOf, TEST_TENANT, testBackend } from "./local-arm.js";
import { type LocalServer, startLocalHttps } from "./local-https.js";
import { answerWorld, type LocalResource, type LocalWorld } from "./local-world.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const OTHER_SUB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const APP_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const ENV_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/managedEnvironments/env-checkout`;
const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
const UAMI_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-checkout-pull`;
const GONE_UAMI_ID = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deleted`;
const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const UAMI_PRINCIPAL = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const NOW = new Date("2026-11-22T12:00:00Z");

function app(options: { identity?: Record<string, unknown>; registries?: unknown[]; images?: string[] } = {}) {
  return {
    id: APP_ID,
    name: "checkout-web",
    type: "Microsoft.App/containerApps",
    location: "northeurope",
    identity: options.identity ?? {
      type: "SystemAssigned,UserAssigned",
      principalId: SYSTEM_PRINCIPAL,
      tenantId: TEST_TENANT,
      userAssignedIdentities: {
        [UAMI_ID]: { principalId: UAMI_PRINCIPAL, clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4" },
      },
    },
    properties: {
      provisioningState: "Succeeded",
      environmentId: ENV_ID,
      latestRevisionName: "checkout-web--r1",
      latestReadyRevisionName: "checkout-web--r0",
      outboundIpAddresses: ["51.104.12.9"],
      configuration: {
        registries: options.registries ?? [{ server: "fabrikamacr.azurecr.io", identity: UAMI_ID }],
        secrets: [],
      },
      template: {
        containers: (options.images ?? ["fabrikamacr.azurecr.io/checkout/web:1.8.0"]).map((image, i) => ({
          name: `c${i}`,
          image,
        })),
        initContainers: [{ name: "migrate", image: "fabrikamacr.azurecr.io/checkout/migrate:9.9" }],
      },
    },
  };
}

function registry(properties: Record<string, unknown> = {}, id = REGISTRY_ID): LocalResource {
  const name = id.split("/").at(-1) ?? "";
  return {
    id,
    name,
    type: "Microsoft.ContainerRegistry/registries",
    location: "northeurope",
    sku: { name: "Premium" },
    properties: { loginServer: `${name}.azurecr.io`, adminUserEnabled: false, ...properties },
  };
}

function assignment(name: string, scope: string, principalId: string, role: string, createdOn?: string): LocalResource {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      scope,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType: "ServicePrincipal",
      ...(createdOn ? { createdOn } : {}),
    },
  };
}

const GROUP_PRINCIPAL = "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8";

/**
 * The entry names the UAMI, which the app (system identity only) does not have; the UAMI's only grant is Key Vault
 * Secrets User on a key vault: no pull on the registry.
 */
function unattachedUamiGrantedOnKeyVault() {
  const world = baseWorld();
  world.resources[0] = app({
    identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TEST_TENANT },
  });
  world.resources[6] = assignment(
    "a-other",
    `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.KeyVault/vaults/kv`,
    UAMI_PRINCIPAL,
    KEY_VAULT_SECRETS_USER,
  );
  return world;
}

/** An assignment held by an Entra group (principalType Group). */
function groupAssignment(name: string, scope: string, groupId: string, role: string): LocalResource {
  const a = assignment(name, scope, groupId, role);
  return { ...a, properties: { ...(a.properties as Record<string, unknown>), principalType: "Group" } };
}

const uami = (id = UAMI_ID, principalId = UAMI_PRINCIPAL): LocalResource => ({
  id,
  name: id.split("/").at(-1) ?? "",
  type: "Microsoft.ManagedIdentity/userAssignedIdentities",
  location: "northeurope",
  properties: { principalId, clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4", tenantId: TEST_TENANT },
});

const environment = (properties: Record<string, unknown> = {}): LocalResource => ({
  id: ENV_ID,
  name: "env-checkout",
  type: "Microsoft.App/managedEnvironments",
  location: "northeurope",
  properties: { provisioningState: "Succeeded", ...properties },
});

const revision: LocalResource = {
  id: `${APP_ID}/revisions/checkout-web--r1`,
  name: "checkout-web--r1",
  type: "Microsoft.App/containerApps/revisions",
  properties: {
    provisioningState: "Failed",
    runningState: "Failed",
    healthState: "Unhealthy",
    provisioningError: "Failed to provision revision: UNAUTHORIZED: authentication required",
    createdTime: "2026-11-22T11:50:00Z",
  },
};

const replica: LocalResource = {
  id: `${APP_ID}/revisions/checkout-web--r1/replicas/checkout-web--r1-abc`,
  name: "checkout-web--r1-abc",
  type: "Microsoft.App/containerApps/revisions/replicas",
  properties: {
    runningState: "NotRunning",
    containers: [{ name: "c0", runningState: "Waiting", runningStateDetails: "ImagePullBackOff", restartCount: 0 }],
  },
};

function baseWorld(extra: Partial<LocalWorld> = {}): LocalWorld {
  return {
    subscriptions: [
      { subscriptionId: SUB, tenantId: TEST_TENANT },
      { subscriptionId: OTHER_SUB, tenantId: TEST_TENANT },
    ],
    resources: [
      app(),
      environment(),
      registry(),
      uami(),
      revision,
      replica,
      assignment("a-pull", REGISTRY_ID, UAMI_PRINCIPAL, ACR_PULL, "2026-10-01T09:00:00Z"),
      assignment(
        "a-vault",
        `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.KeyVault/vaults/kv`,
        SYSTEM_PRINCIPAL,
        KEY_VAULT_SECRETS_USER,
      ),
    ],
    tags: { "fabrikamacr.azurecr.io": { "checkout/web": ["1.7.3", "1.8.0", "latest"], "checkout/migrate": ["1.8.0"] } },
    ...extra,
  };
}

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function read(world: LocalWorld, appId = APP_ID, index?: ReturnType<typeof createRegistryIndex>) {
  server ??= await startLocalHttps(answerWorld(world));
  const backend = testBackend(server);
  const before = server.requests.length;
  const result = await readPullFacts(appId, {
    clients: backend.clients,
    credential: backend.credential,
    httpClient: backend.httpClient,
    now: () => NOW,
    ...(index ? { registryIndex: index } : {}),
    dataPlaneRetryOptions: { maxRetries: 0 },
  });
  const sent = server.requests.slice(before);
  return { ...result, backend, sent, arm: armRequestsOf(sent) };
}

describe("readPullFacts", () => {
  it("reads an app's whole pull path in two waves, every request counted", async () => {
    const { facts, stats, arm, sent } = await read(baseWorld());
    expect(stats.waves).toBe(2);
    expect(stats.armRequests).toBe(arm.length);
    expect(stats.dataPlaneRequests).toBe(sent.length - arm.length);
    expect(facts.readAt).toBe(NOW.toISOString());
    expect(facts.app).toMatchObject({
      id: APP_ID,
      environmentId: ENV_ID,
      latestRevisionName: "checkout-web--r1",
      outboundIpAddresses: ["51.104.12.9"],
      registries: [{ server: "fabrikamacr.azurecr.io", identity: UAMI_ID, username: null, passwordSecretRef: null }],
    });
    // The registry is open and no entry uses the environment's identity: the environment is not needed, not read.
    expect(facts.environment).toBeNull();
    expect(arm.some((r) => r.path.includes("/managedEnvironments/"))).toBe(false);
    expect(facts.userAssignedIdentities).toEqual({
      [UAMI_ID.toLowerCase()]: {
        readable: true,
        found: true,
        id: UAMI_ID,
        principalId: UAMI_PRINCIPAL,
        clientId: "0b9f6e2d-4c3a-4e18-b7d5-91a8c6e0f2d4",
        tenantId: TEST_TENANT,
      },
    });
    expect(facts.registries["fabrikamacr.azurecr.io"]).toMatchObject({ readable: true, found: true, id: REGISTRY_ID });
    expect(facts.subscriptionTenants).toEqual({ [SUB]: TEST_TENANT, [OTHER_SUB]: TEST_TENANT });
    const uamiAssignments = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(uamiAssignments?.readable && uamiAssignments.found && uamiAssignments.items).toEqual([
      expect.objectContaining({ name: "a-pull", scope: REGISTRY_ID, createdOn: "2026-10-01T09:00:00.000Z" }),
    ]);
    const systemAssignments = facts.roleAssignments[SYSTEM_PRINCIPAL];
    expect(
      systemAssignments?.readable && systemAssignments.found && systemAssignments.items.map((a) => a.name),
    ).toEqual(["a-vault"]);
    // Only roles that could grant a pull on the app's registries are kept (not the Key Vault one); AcrPull comes from
    // the built-in snapshot, so no role definition is read at all.
    expect(Object.keys(facts.roleDefinitions)).toEqual([ACR_PULL]);
    expect(facts.roleDefinitions[ACR_PULL]).toMatchObject({
      roleName: "AcrPull",
      roleType: "BuiltInRole",
      permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"] }],
    });
    expect(arm.some((r) => r.path.includes("/roleDefinitions/"))).toBe(false);
    expect(facts.revision).toMatchObject({
      readable: true,
      found: true,
      name: "checkout-web--r1",
      provisioningState: "Failed",
      provisioningError: expect.stringContaining("UNAUTHORIZED"),
      replicas: [{ name: "checkout-web--r1-abc", containers: [{ runningStateDetails: "ImagePullBackOff" }] }],
    });
    expect(facts.network).toBeNull();
    expect(facts.manifests).toEqual({
      "fabrikamacr.azurecr.io/checkout/web:1.8.0": {
        status: "found",
        digest: `sha256:${"b".repeat(64)}`,
        quarantineState: null,
        mediaType: null,
      },
      "fabrikamacr.azurecr.io/checkout/migrate:9.9": {
        status: "not-found",
        errorCode: "MANIFEST_UNKNOWN",
        existingTags: ["1.8.0"],
      },
    });
  });

  it("a registry entry naming a UAMI that is not attached: its grant (atScope) and the environment's identities in two waves", async () => {
    const world = baseWorld();
    world.resources[0] = app({
      identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TEST_TENANT },
    });
    world.resources[1] = environment();
    Object.assign(world.resources[1] as object, {
      identity: {
        type: "UserAssigned",
        userAssignedIdentities: { [UAMI_ID]: { principalId: UAMI_PRINCIPAL, clientId: "0b9f6e2d" } },
      },
    });
    const { facts, stats, arm } = await read(world);
    expect(stats.waves).toBe(2);
    expect(stats.armRequests).toBe(arm.length);
    const pulls = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(pulls?.readable && pulls.found && pulls.items.map((a) => a.name)).toEqual(["a-pull"]);
    expect(facts.roleDefinitions[ACR_PULL]?.roleName).toBe("AcrPull");
    // atScope() already showed the UAMI a direct AcrPull on the registry: its own assignedTo() is not read.
    expect(arm.filter((r) => (r.query.get("$filter") ?? "").includes(UAMI_PRINCIPAL))).toEqual([]);
    // v2: the identity may be attached to the environment instead, so the environment is read, with its identities.
    expect(arm.filter((r) => r.path === ENV_ID)).toHaveLength(1);
    expect(facts.environment).toMatchObject({
      readable: true,
      found: true,
      identity: { userAssigned: [expect.objectContaining({ id: UAMI_ID, principalId: UAMI_PRINCIPAL })] },
    });
  });

  it("a UAMI not attached, no pull grant at the registry, but a group's assignment there: its own assignments are read in a third wave", async () => {
    // A group holds AcrPull at the registry, and only assignedTo() tells whether the UAMI is a member, so it must
    // have the last word.
    const world = unattachedUamiGrantedOnKeyVault();
    world.resources.push(groupAssignment("a-group-pull", REGISTRY_ID, GROUP_PRINCIPAL, ACR_PULL));
    const { facts, stats, arm } = await read(world);
    expect(stats.waves).toBe(3);
    expect(stats.armRequests).toBe(arm.length);
    expect(arm.filter((r) => r.query.get("$filter") === `assignedTo('${UAMI_PRINCIPAL}')`)).toHaveLength(1);
    const held = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(held?.readable && held.found && held.items.map((a) => a.name)).toEqual(["a-other"]);
  });

  it("a UAMI not attached, no pull grant and no group's assignment at the registry: two waves, no assignedTo()", async () => {
    const world = unattachedUamiGrantedOnKeyVault();
    const { facts, stats, arm } = await read(world);
    expect(stats.waves).toBe(2);
    expect(arm.filter((r) => r.query.get("$filter") === `assignedTo('${UAMI_PRINCIPAL}')`)).toHaveLength(0);
    // What atScope() showed is all that covers the registry: no grant of pull for the UAMI there.
    const held = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(
      held?.readable && held.found && held.items.filter((a) => a.scope.toLowerCase() === REGISTRY_ID.toLowerCase()),
    ).toEqual([]);
  });

  it("a custom role definition is read (once); the built-in ones are not", async () => {
    const customRole = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    const customId = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${customRole}`;
    const world = baseWorld({
      failures: {
        [`GET ${customId}`]: {
          status: 200,
          body: {
            id: customId,
            name: customRole,
            type: "Microsoft.Authorization/roleDefinitions",
            properties: {
              roleName: "Checkout image puller",
              type: "CustomRole",
              permissions: [
                {
                  actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
                  notActions: [],
                  dataActions: [],
                  notDataActions: [],
                },
              ],
            },
          },
        },
      },
    });
    world.resources[6] = assignment("a-pull", REGISTRY_ID, UAMI_PRINCIPAL, customRole, "2026-10-01T09:00:00Z");
    const { facts, stats, arm } = await read(world);
    expect(arm.filter((r) => r.path.includes("/roleDefinitions/")).map((r) => r.path)).toEqual([customId]);
    expect(stats.waves).toBe(3);
    expect(facts.roleDefinitions[customRole]).toMatchObject({
      roleName: "Checkout image puller",
      roleType: "CustomRole",
    });
  });

  it("a registry in a neighbouring subscription: its grants and their role definitions still within two waves", async () => {
    const otherRegistry = REGISTRY_ID.replace(SUB, OTHER_SUB);
    const world = baseWorld();
    world.resources[2] = registry({}, otherRegistry);
    world.resources[6] = assignment("a-pull", otherRegistry, UAMI_PRINCIPAL, ACR_PULL, "2026-10-01T09:00:00Z");
    const { facts, stats, arm } = await read(world);
    expect(facts.registries["fabrikamacr.azurecr.io"]).toMatchObject({
      readable: true,
      found: true,
      id: otherRegistry,
    });
    const pulls = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(pulls?.readable && pulls.found && pulls.items.map((a) => a.name)).toEqual(["a-pull"]);
    expect(facts.roleDefinitions[ACR_PULL]?.roleName).toBe("AcrPull");
    expect(stats.waves).toBe(2);
    expect(stats.armRequests).toBe(arm.length);
  });

  it("a speculative read that fails, in a subscription that turns out to hold no registry of the app, is dropped", async () => {
    const world = baseWorld({
      failures: {
        [`GET /subscriptions/${OTHER_SUB}/providers/Microsoft.Authorization/roleAssignments`]: {
          status: 403,
          body: { error: { code: "AuthorizationFailed", message: "The client does not have authorization" } },
        },
      },
    });
    // An image from a registry that exists nowhere: while it is looked for, OTHER_SUB is read speculatively.
    world.resources[0] = app({
      images: ["fabrikamacr.azurecr.io/checkout/web:1.8.0", "nowhereacr.azurecr.io/api:1"],
    });
    const { facts, arm } = await read(world);
    expect(
      arm.some((r) => r.path === `/subscriptions/${OTHER_SUB}/providers/Microsoft.Authorization/roleAssignments`),
    ).toBe(true);
    expect(facts.registries["nowhereacr.azurecr.io"]).toEqual({
      readable: true,
      found: false,
      resource: "nowhereacr.azurecr.io",
    });
    const pulls = facts.roleAssignments[UAMI_PRINCIPAL];
    expect(pulls).toMatchObject({ readable: true, found: true });
  });

  it("images on hosts that are not ACR login servers are NotFound without a lookup, and not tag-checked", async () => {
    const world = baseWorld();
    world.resources[0] = app({
      images: ["docker.io/library/busybox:1.36", "fabrikamacr.azurecr.io/checkout/web:1.8.0"],
    });
    const { facts, arm } = await read(world);
    expect(facts.registries["docker.io"]).toEqual({ readable: true, found: false, resource: "docker.io" });
    expect(Object.keys(facts.manifests)).not.toContain("docker.io/library/busybox:1.36");
    // The app's subscription had the registry: the other subscription's registries were never listed.
    expect(arm.some((r) => r.path.includes(OTHER_SUB))).toBe(false);
  });

  it("turns failures into facts: 403 on another subscription, a deleted identity, 5xx after retries", async () => {
    const world = baseWorld({
      failures: {
        [`GET /subscriptions/${OTHER_SUB}/providers/Microsoft.ContainerRegistry/registries`]: {
          status: 403,
          body: { error: { code: "AuthorizationFailed", message: "The client does not have authorization" } },
        },
        [`GET ${APP_ID}/revisions/checkout-web--r1`]: {
          status: 500,
          body: { error: { code: "InternalServerError", message: "boom" } },
        },
      },
    });
    world.resources[0] = app({
      registries: [
        { server: "fabrikamacr.azurecr.io", identity: UAMI_ID },
        { server: "otheracr.azurecr.io", identity: GONE_UAMI_ID },
      ],
      images: ["fabrikamacr.azurecr.io/checkout/web:1.8.0", "otheracr.azurecr.io/api:2"],
    });
    const { facts, stats, arm } = await read(world);
    expect(stats.armRequests).toBe(arm.length);
    expect(arm.filter((r) => r.path === `${APP_ID}/revisions/checkout-web--r1`)).toHaveLength(3);
    expect(facts.registries["otheracr.azurecr.io"]).toMatchObject({
      readable: false,
      status: 403,
      errorCode: "AuthorizationFailed",
      neededRole: expect.stringContaining(`Reader on subscription ${OTHER_SUB}`),
    });
    expect(facts.userAssignedIdentities[GONE_UAMI_ID.toLowerCase()]).toEqual({
      readable: true,
      found: false,
      resource: GONE_UAMI_ID,
    });
    expect(facts.revision).toMatchObject({ readable: false, status: 500, errorCode: "InternalServerError" });
    expect(facts.revision && "neededRole" in facts.revision).toBe(false);
    // The registry PullGuard could not find is still tag-checked (the answer says why it is unknown).
    expect(facts.manifests["otheracr.azurecr.io/api:2"]).toMatchObject({ status: "unknown" });
  });

  it("the app itself: 404 → AppNotFoundError, 403 → AppUnreadableError, a malformed ID → a clear error", async () => {
    const gone = `${APP_ID}-gone`;
    await expect(read(baseWorld(), gone)).rejects.toBeInstanceOf(AppNotFoundError);
    await expect(read(baseWorld(), gone)).rejects.toThrow(/check the subscription, resource group and name/);
    await server?.close();
    server = undefined;
    const refused = baseWorld({
      failures: { [`GET ${APP_ID}`]: { status: 403, body: { error: { code: "AuthorizationFailed", message: "no" } } } },
    });
    await expect(read(refused)).rejects.toBeInstanceOf(AppUnreadableError);
    await (server as LocalServer | undefined)?.close();
    server = undefined;
    // ARM's answer for a subscription the caller cannot see (text as quoted in Azure/azure-cli#33657): not "app not
    // found" but "no access to the subscription".
    const invisible = baseWorld({
      failures: {
        [`GET ${APP_ID}`]: {
          status: 404,
          body: { error: { code: "SubscriptionNotFound", message: `The subscription '${SUB}' could not be found.` } },
        },
      },
    });
    const error = await read(invisible).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppUnreadableError);
    expect(error).not.toBeInstanceOf(AppNotFoundError);
    expect((error as Error).message).toMatch(
      /cannot see the subscription .* SubscriptionNotFound.*give its identity Reader/,
    );
    const invalid = await read(baseWorld(), "/subscriptions/x/resourceGroups/rg").catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidAppIdError);
    expect((invalid as Error).message).toMatch(
      /not a container app or job resource ID; expected \/subscriptions\/.*\/containerApps\/<name> .* or \/subscriptions\/.*\/jobs\/<name> /,
    );
  });

  it("a sweep shares the registry index: the second app lists no subscription or registry again", async () => {
    const world = baseWorld();
    server = await startLocalHttps(answerWorld(world));
    const index = createRegistryIndex(testBackend(server).clients);
    await read(world, APP_ID, index);
    const second = await read(world, APP_ID, index);
    expect(second.arm.some((r) => r.path === "/subscriptions" || r.path.endsWith("/registries"))).toBe(false);
    expect(second.stats.armRequests).toBe(second.arm.length);
    expect(second.stats.waves).toBe(2);
  });

  it("reads the private path when the registry has public access disabled, still in three waves", async () => {
    const vnet = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-aca`;
    const pe = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr`;
    const zone = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;
    const world = baseWorld();
    world.resources[1] = environment({
      vnetConfiguration: { infrastructureSubnetId: `${vnet}/subnets/aca`, internal: true },
    });
    world.resources[2] = registry({
      publicNetworkAccess: "Disabled",
      privateEndpointConnections: [
        {
          id: `${REGISTRY_ID}/privateEndpointConnections/pe-acr`,
          properties: { privateEndpoint: { id: pe }, privateLinkServiceConnectionState: { status: "Approved" } },
        },
      ],
    });
    world.resources.push(
      {
        id: pe,
        name: "pe-acr",
        type: "Microsoft.Network/privateEndpoints",
        location: "northeurope",
        properties: {
          subnet: { id: `${vnet}/subnets/endpoints` },
          privateLinkServiceConnections: [
            {
              name: "acr",
              properties: {
                privateLinkServiceId: REGISTRY_ID,
                privateLinkServiceConnectionState: { status: "Approved" },
              },
            },
          ],
        },
      },
      {
        id: vnet,
        name: "vnet-aca",
        type: "Microsoft.Network/virtualNetworks",
        location: "northeurope",
        properties: {},
      },
      {
        id: zone,
        name: "privatelink.azurecr.io",
        type: "Microsoft.Network/privateDnsZones",
        location: "global",
        properties: {},
      },
      {
        id: `${zone}/virtualNetworkLinks/aca`,
        name: "aca",
        type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        location: "global",
        properties: { virtualNetwork: { id: vnet }, registrationEnabled: false },
      },
      {
        id: `${zone}/A/fabrikamacr`,
        name: "fabrikamacr",
        type: "Microsoft.Network/privateDnsZones/A",
        properties: { ttl: 10, aRecords: [{ ipv4Address: "10.0.1.5" }] },
      },
      {
        id: `${REGISTRY_ID}/replications/westeurope`,
        name: "westeurope",
        type: "Microsoft.ContainerRegistry/registries/replications",
        location: "westeurope",
        properties: {},
      },
    );
    const { facts, stats, arm } = await read(world);
    expect(stats.waves).toBe(3);
    expect(stats.armRequests).toBe(arm.length);
    // A closed registry needs the environment's network: it is read.
    expect(facts.environment).toMatchObject({
      readable: true,
      found: true,
      id: ENV_ID,
      infrastructureSubnetId: `${vnet}/subnets/aca`,
    });
    expect(facts.network).toEqual({
      privateEndpoints: {
        readable: true,
        found: true,
        items: [
          {
            id: pe,
            subnetId: `${vnet}/subnets/endpoints`,
            connections: [{ privateLinkServiceId: REGISTRY_ID, status: "Approved" }],
          },
        ],
      },
      // v2: the VNet's DNS servers and subnets, the A records' addresses, and (none here) the subnet's NSG and route
      // table; the zone is linked to the environment's VNet, so no DNS resolver is read.
      virtualNetworks: {
        readable: true,
        found: true,
        items: [{ id: vnet, peerings: [], dnsServers: [], subnets: [] }],
      },
      privateDnsZones: {
        readable: true,
        found: true,
        items: [
          {
            id: zone,
            name: "privatelink.azurecr.io",
            linkedVirtualNetworkIds: [vnet],
            aRecordNames: ["fabrikamacr"],
            aRecordAddresses: { fabrikamacr: ["10.0.1.5"] },
          },
        ],
      },
      securityGroups: { readable: true, found: true, items: [] },
      routeTables: { readable: true, found: true, items: [] },
    });
    expect(facts.registries["fabrikamacr.azurecr.io"]).toMatchObject({
      replicationLocations: ["northeurope", "westeurope"],
    });
  });
});
