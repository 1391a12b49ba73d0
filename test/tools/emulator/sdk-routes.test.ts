/**
 * Every ARM operation of issue 3, performed by the real @azure/arm-* clients against the emulator over HTTPS.
 */
import { randomUUID } from "node:crypto";
import type { ContainerApp } from "@azure/arm-appcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import {
  ACR_PULL,
  appId,
  armCount,
  assignmentId,
  type Clients,
  CONTRIBUTOR,
  clientsFor,
  collect,
  ENV_ID,
  GROUP,
  READER,
  REGISTRY_ID,
  RG,
  RG2,
  rg,
  roleId,
  SPOKE_ID,
  SUB,
  SUB2,
  shopWorld,
  TENANT,
  UAMI_ID,
  UAMI_PRINCIPAL,
  VNET_ID,
  ZONE_ID,
} from "./helpers.js";

const LRO = { updateIntervalInMs: 5 };
let emu: Emulator;
let c: Clients;

beforeAll(async () => {
  emu = await startEmulator(shopWorld(), { pageSize: 2 });
  c = clientsFor(emu);
});
afterAll(async () => {
  await emu.stop();
});

describe("Microsoft.App container apps", () => {
  it("lists by subscription and by resource group, following nextLink page by page", async () => {
    emu.log.clear();
    const all = await collect(c.apps.containerApps.listBySubscription());
    expect(all.map((a) => a.name).sort()).toEqual(["billing", "orders-api", "orders-worker", "reports", "web"]);
    const bySub = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.App\/containerApps$/;
    expect(armCount(emu, "GET", bySub)).toBe(3);
    expect(
      emu.log.entries().filter((e) => e.path.includes("%24skiptoken=") || e.path.includes("$skiptoken=")),
    ).toHaveLength(2);

    emu.log.clear();
    const inGroup = await collect(c.apps.containerApps.listByResourceGroup(RG));
    expect(inGroup.map((a) => a.name).sort()).toEqual(["orders-api", "orders-worker", "web"]);
    expect(armCount(emu, "GET", /\/resourceGroups\/rg-shop\/providers\/Microsoft\.App\/containerApps$/)).toBe(2);
    expect(emu.log.count()).toBe(2);
  });

  it("gets an app with read-only fields filled and secret values redacted", async () => {
    const app = await c.apps.containerApps.get(RG, "orders-api");
    expect(app.id).toBe(appId("orders-api"));
    expect(app.identity?.userAssignedIdentities?.[UAMI_ID]?.principalId).toBe(UAMI_PRINCIPAL);
    expect(app.environmentId).toBe(ENV_ID);
    expect(app.provisioningState).toBe("Succeeded");
    expect(app.latestRevisionName).toMatch(/^orders-api--/);
    expect(app.configuration?.registries).toEqual([{ server: "contosoprod.azurecr.io", identity: UAMI_ID }]);
    expect(app.configuration?.secrets).toEqual([{ name: "db-password" }]);
    expect(app.template?.containers?.[0]?.image).toBe("contosoprod.azurecr.io/orders/api:1.4.2");
  });

  it("lists secrets with their values", async () => {
    const secrets = await c.apps.containerApps.listSecrets(RG, "orders-api");
    expect(secrets.value).toEqual([{ name: "db-password", value: "hunter2" }]);
  });

  it("PATCHes as a long-running operation: 202, Azure-AsyncOperation polled, new revision decided", async () => {
    const before = await c.apps.containerApps.get(RG, "orders-api");
    emu.log.clear();
    await c.apps.containerApps.beginUpdateAndWait(
      RG,
      "orders-api",
      {
        location: "West Europe",
        template: { containers: [{ name: "api", image: "contosoprod.azurecr.io/orders/api:1.5.0" }] },
      },
      LRO,
    );
    const patch = emu.log.entries().find((e) => e.method === "PATCH");
    expect(patch?.status).toBe(202);
    expect(armCount(emu, "GET", /\/containerappOperationStatuses\/[0-9a-f-]+$/)).toBeGreaterThanOrEqual(1);

    const after = await c.apps.containerApps.get(RG, "orders-api");
    expect(after.latestRevisionName).not.toBe(before.latestRevisionName);
    expect(after.latestReadyRevisionName).toBe(after.latestRevisionName);
    expect(after.provisioningState).toBe("Succeeded");
    expect(after.template?.containers?.[0]?.image).toBe("contosoprod.azurecr.io/orders/api:1.5.0");
    // A PATCH without configuration.secrets keeps them.
    expect((await c.apps.containerApps.listSecrets(RG, "orders-api")).value).toEqual([
      { name: "db-password", value: "hunter2" },
    ]);
  });

  it("PUTs a full app read with listSecrets as a long-running operation (201) with a new revision suffix", async () => {
    const current = await c.apps.containerApps.get(RG, "orders-worker");
    const secrets = await c.apps.containerApps.listSecrets(RG, "orders-worker");
    emu.log.clear();
    const envelope: ContainerApp = {
      ...current,
      configuration: { ...current.configuration, secrets: secrets.value },
      template: { ...current.template, revisionSuffix: "v2" },
    };
    const result = await c.apps.containerApps.beginCreateOrUpdateAndWait(RG, "orders-worker", envelope, LRO);
    expect(emu.log.entries().find((e) => e.method === "PUT")?.status).toBe(201);
    expect(result.provisioningState).toBe("Succeeded");
    expect(result.latestRevisionName).toBe("orders-worker--v2");
    const revision = await c.apps.containerAppsRevisions.getRevision(RG, "orders-worker", "orders-worker--v2");
    expect(revision).toMatchObject({
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
    });
  });

  it("lists and gets revisions, restarts one, lists its replicas", async () => {
    const revisions = await collect(c.apps.containerAppsRevisions.listRevisions(RG2, "reports"));
    expect(revisions).toHaveLength(1);
    const name = revisions[0]?.name ?? "";
    expect(revisions[0]?.template?.containers?.[0]?.image).toBe("contosoprod.azurecr.io/orders/api:1.4.2");
    const revision = await c.apps.containerAppsRevisions.getRevision(RG2, "reports", name);
    expect(revision).toMatchObject({ name, runningState: "Running", healthState: "Healthy", active: true });

    emu.log.clear();
    await c.apps.containerAppsRevisions.restartRevision(RG2, "reports", name);
    expect(armCount(emu, "POST", new RegExp(`/revisions/${name}/restart$`))).toBe(1);
    expect(emu.log.entries()[0]?.status).toBe(200);

    const replicas = await c.apps.containerAppsRevisionReplicas.listReplicas(RG2, "reports", name);
    expect(replicas.value).toHaveLength(1);
    expect(replicas.value[0]).toMatchObject({
      runningState: "Running",
      containers: [{ name: "api", runningState: "Running", ready: true }],
    });
    const replica = await c.apps.containerAppsRevisionReplicas.getReplica(
      RG2,
      "reports",
      name,
      replicas.value[0]?.name ?? "",
    );
    expect(replica.name).toBe(replicas.value[0]?.name);
  });

  it("deletes an app (long-running operation) so that it is gone from lists", async () => {
    await c.apps.containerApps.beginDeleteAndWait(RG2, "billing", LRO);
    expect(emu.getResource(appId("billing", RG2))).toBeUndefined();
    const names = (await collect(c.apps.containerApps.listByResourceGroup(RG2))).map((a) => a.name);
    expect(names).toEqual(["reports"]);
  });
});

describe("Microsoft.App managed environments", () => {
  it("gets one and lists by subscription and resource group", async () => {
    const env = await c.apps.managedEnvironments.get(RG, "env-shop");
    expect(env.id).toBe(ENV_ID);
    expect(env.vnetConfiguration?.infrastructureSubnetId).toBe(`${SPOKE_ID}/subnets/aca`);
    expect((await collect(c.apps.managedEnvironments.listBySubscription())).map((e) => e.name).sort()).toEqual([
      "env-batch",
      "env-shop",
    ]);
    expect((await collect(c.apps.managedEnvironments.listByResourceGroup(RG2))).map((e) => e.name)).toEqual([
      "env-batch",
    ]);
  });
});

describe("Microsoft.ContainerRegistry registries", () => {
  it("gets, lists and updates a registry with the defaults of world.md filled", async () => {
    const registry = await c.registry.registries.get(RG2, "contosoprod");
    expect(registry).toMatchObject({ id: REGISTRY_ID, loginServer: "contosoprod.azurecr.io", adminUserEnabled: false });
    expect(registry.sku.name).toBe("Premium");
    expect((await collect(c.registry.registries.list())).map((r) => r.id)).toEqual([REGISTRY_ID]);
    expect((await collect(c.registry.registries.listByResourceGroup(RG2))).map((r) => r.name)).toEqual(["contosoprod"]);

    const updated = await c.registry.registries.update(
      RG2,
      "contosoprod",
      { tags: { owner: "platform" }, policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } } },
      LRO,
    );
    expect(updated.tags).toEqual({ owner: "platform" });
    const reread = emu.getResource(REGISTRY_ID);
    expect(reread?.properties?.policies).toEqual({ azureADAuthenticationAsArmPolicy: { status: "disabled" } });
    expect(reread?.properties?.loginServer).toBe("contosoprod.azurecr.io");
    expect(armCount(emu, "PATCH", /\/registries\/contosoprod$/)).toBe(1);
  });
});

describe("Microsoft.ManagedIdentity user-assigned identities", () => {
  it("gets one and lists by subscription and resource group", async () => {
    const uami = await c.msi.userAssignedIdentities.get(RG, "id-orders");
    expect(uami).toMatchObject({ id: UAMI_ID, principalId: UAMI_PRINCIPAL, tenantId: TENANT });
    expect((await collect(c.msi.userAssignedIdentities.listBySubscription())).map((u) => u.id)).toEqual([UAMI_ID]);
    expect(await collect(c.msi.userAssignedIdentities.listByResourceGroup(RG2))).toEqual([]);
  });
});

describe("Microsoft.Authorization", () => {
  const acrPull = assignmentId(REGISTRY_ID, "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
  const groupReader = assignmentId(rg(RG2), "4d2e3f50-6b7c-4d8e-9fa0-1b2c3d4e5f60");
  const subContributor = assignmentId(`/subscriptions/${SUB}`, "5e3f4051-7c8d-4e9f-a0b1-2c3d4e5f6071");

  it("lists role assignments at a scope with atScope(): at and above, never below", async () => {
    const atRegistry = await collect(c.auth.roleAssignments.listForScope(REGISTRY_ID, { filter: "atScope()" }));
    expect(atRegistry.map((a) => a.id).sort()).toEqual([acrPull, groupReader, subContributor].sort());
    const atGroup = await collect(c.auth.roleAssignments.listForScope(rg(RG2), { filter: "atScope()" }));
    expect(atGroup.map((a) => a.id).sort()).toEqual([groupReader, subContributor].sort());
    const unfiltered = await collect(c.auth.roleAssignments.listForScope(rg(RG2)));
    expect(unfiltered.map((a) => a.id).sort()).toEqual([acrPull, groupReader, subContributor].sort());
  });

  it("filters by principalId eq (direct only) and assignedTo() (groups too)", async () => {
    const direct = await collect(
      c.auth.roleAssignments.listForSubscription({ filter: `principalId eq '${UAMI_PRINCIPAL}'` }),
    );
    expect(direct.map((a) => a.id)).toEqual([acrPull]);
    expect(direct[0]).toMatchObject({
      principalId: UAMI_PRINCIPAL,
      principalType: "ServicePrincipal",
      roleDefinitionId: roleId(ACR_PULL),
      scope: REGISTRY_ID,
    });
    expect(direct[0]?.createdOn?.toISOString()).toBe("2026-10-23T12:00:00.000Z"); // no createdOn: 30 days old
    const assigned = await collect(
      c.auth.roleAssignments.listForScope(REGISTRY_ID, { filter: `assignedTo('${UAMI_PRINCIPAL}')` }),
    );
    expect(assigned.map((a) => a.id).sort()).toEqual([acrPull, groupReader].sort());
    expect(assigned.find((a) => a.id === groupReader)?.principalId).toBe(GROUP);
  });

  it("creates, gets and deletes a role assignment", async () => {
    const name = randomUUID();
    const principalId = randomUUID();
    emu.log.clear();
    const created = await c.auth.roleAssignments.create(REGISTRY_ID, name, {
      roleDefinitionId: roleId(ACR_PULL),
      principalId,
      principalType: "ServicePrincipal",
    });
    expect(emu.log.entries()[0]).toMatchObject({ method: "PUT", status: 201 });
    expect(created).toMatchObject({ id: assignmentId(REGISTRY_ID, name), name, principalId, scope: REGISTRY_ID });
    expect(created.createdOn).toBeInstanceOf(Date);
    const got = await c.auth.roleAssignments.get(REGISTRY_ID, name);
    expect(got.roleDefinitionId).toBe(roleId(ACR_PULL));
    const byId = await c.auth.roleAssignments.getById(assignmentId(REGISTRY_ID, name).slice(1));
    expect(byId.id).toBe(created.id);

    await c.auth.roleAssignments.delete(REGISTRY_ID, name);
    await expect(c.auth.roleAssignments.get(REGISTRY_ID, name)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("gets built-in role definitions with their real permissions, and lists custom ones", async () => {
    const acrPullRole = await c.auth.roleDefinitions.get(`/subscriptions/${SUB}`, ACR_PULL);
    expect(acrPullRole).toMatchObject({ name: ACR_PULL, roleName: "AcrPull", roleType: "BuiltInRole" });
    expect(acrPullRole.id).toBe(roleId(ACR_PULL));
    expect(acrPullRole.permissions?.[0]?.actions).toEqual(["Microsoft.ContainerRegistry/registries/pull/read"]);
    const reader = await c.auth.roleDefinitions.getById(roleId(READER).slice(1));
    expect(reader.permissions?.[0]?.actions).toContain("*/read");
    const contributor = await c.auth.roleDefinitions.get(`/subscriptions/${SUB}`, CONTRIBUTOR);
    expect(contributor.permissions?.[0]).toMatchObject({ actions: ["*"] });
    expect(contributor.permissions?.[0]?.notActions).toContain("Microsoft.Authorization/*/Write");

    const all = await collect(c.auth.roleDefinitions.list(`/subscriptions/${SUB}`));
    const names = all.map((d) => d.roleName);
    for (const role of ["AcrPull", "AcrPush", "Reader", "Contributor", "Owner", "Container Registry Repository Reader"])
      expect(names).toContain(role);
    const custom = all.find((d) => d.roleType === "CustomRole");
    expect(custom).toMatchObject({
      roleName: "Image Puller (custom)",
      permissions: [expect.objectContaining({ actions: ["Microsoft.ContainerRegistry/registries/pull/read"] })],
    });
  });
});

describe("Microsoft.Network and private DNS", () => {
  it("gets and lists private endpoints and virtual networks with their peerings", async () => {
    const pe = await c.network.privateEndpoints.get(RG2, "pe-contosoprod");
    expect(pe.subnet?.id).toBe(`${VNET_ID}/subnets/endpoints`);
    expect(pe.privateLinkServiceConnections?.[0]).toMatchObject({
      privateLinkServiceId: REGISTRY_ID,
      privateLinkServiceConnectionState: { status: "Approved" },
    });
    expect((await collect(c.network.privateEndpoints.list(RG2))).map((p) => p.name)).toEqual(["pe-contosoprod"]);
    expect((await collect(c.network.privateEndpoints.listBySubscription())).map((p) => p.id)).toEqual([pe.id]);

    const spoke = await c.network.virtualNetworks.get(RG, "vnet-shop");
    expect(spoke.virtualNetworkPeerings?.[0]).toMatchObject({
      name: "shop-to-hub",
      remoteVirtualNetwork: { id: VNET_ID },
      peeringState: "Connected",
    });
    expect((await collect(c.network.virtualNetworks.listAll())).map((v) => v.name).sort()).toEqual([
      "vnet-hub",
      "vnet-shop",
    ]);
    expect((await collect(c.network.virtualNetworks.list(RG2))).map((v) => v.id)).toEqual([VNET_ID]);
  });

  it("gets and lists private DNS zones, virtual network links and A record sets", async () => {
    const zone = await c.dns.privateZones.get(RG2, "privatelink.azurecr.io");
    expect(zone.id).toBe(ZONE_ID);
    expect((await collect(c.dns.privateZones.list())).map((z) => z.name)).toEqual(["privatelink.azurecr.io"]);
    expect((await collect(c.dns.privateZones.listByResourceGroup(RG2))).map((z) => z.id)).toEqual([ZONE_ID]);

    const link = await c.dns.virtualNetworkLinks.get(RG2, "privatelink.azurecr.io", "link-shop");
    expect(link.virtualNetwork?.id).toBe(SPOKE_ID);
    expect((await collect(c.dns.virtualNetworkLinks.list(RG2, "privatelink.azurecr.io"))).map((l) => l.name)).toEqual([
      "link-shop",
    ]);

    const a = await c.dns.recordSets.get(RG2, "privatelink.azurecr.io", "A", "contosoprod");
    expect(a.aRecords).toEqual([{ ipv4Address: "10.0.2.4" }]);
    const records = await collect(c.dns.recordSets.listByType(RG2, "privatelink.azurecr.io", "A"));
    expect(records.map((r) => r.name).sort()).toEqual(["contosoprod", "contosoprod.westeurope.data"]);
  });
});

describe("generic resources and subscriptions", () => {
  it("lists resources of one type with $filter resourceType eq", async () => {
    const registries = await collect(
      c.resources.resources.list({ filter: "resourceType eq 'Microsoft.ContainerRegistry/registries'" }),
    );
    expect(registries.map((r) => r.id)).toEqual([REGISTRY_ID]);
    expect(registries[0]).toMatchObject({ type: "Microsoft.ContainerRegistry/registries", location: "westeurope" });
    const uamis = await collect(
      c.resources.resources.list({ filter: "resourceType eq 'microsoft.managedidentity/userassignedidentities'" }),
    );
    expect(uamis.map((r) => r.id)).toEqual([UAMI_ID]);
  });

  it("lists and gets subscriptions with their tenantId", async () => {
    const subs = await collect(c.subscriptions.subscriptions.list());
    expect(subs.map((s) => [s.subscriptionId, s.tenantId]).sort()).toEqual(
      [
        [SUB, TENANT],
        [SUB2, TENANT],
      ].sort(),
    );
    const one = await c.subscriptions.subscriptions.get(SUB2);
    expect(one).toMatchObject({
      id: `/subscriptions/${SUB2}`,
      subscriptionId: SUB2,
      tenantId: TENANT,
      state: "Enabled",
    });
  });
});
