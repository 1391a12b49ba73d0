/**
 * ARM's error contract as the real SDK clients surface it: RestError with the `{"error":{code,message}}` code and the
 * HTTP status, for 404, 403 (the world's named caller without the right), 409, 400 and 401.
 */
import { randomUUID } from "node:crypto";
import { createHttpHeaders, createPipelineRequest, type RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import {
  ACR_PULL,
  appId,
  assignmentId,
  type Clients,
  clientsFor,
  collect,
  READER,
  REGISTRY_ID,
  RG,
  RG2,
  rg,
  roleId,
  shopWorld,
  TENANT,
  UAMI_PRINCIPAL,
} from "./helpers.js";

const CALLER = "8e7d6c5b-4a39-4281-9706-f5e4d3c2b1a0";
const STRANGER = "1f2e3d4c-5b6a-4798-8877-665544332211";

/** What the SDK threw, as a plain object of what callers read. */
async function failure(work: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await work;
  } catch (error) {
    // Each SDK may bundle its own copy of core-rest-pipeline, so compare by name rather than by class.
    expect((error as Error).name).toBe("RestError");
    const e = error as RestError;
    return { statusCode: e.statusCode, code: e.code, message: e.message };
  }
  throw new Error("expected the call to fail");
}

/** A raw request through the emulator's HTTP client, for bodies the SDK would never send. */
async function raw(emu: Emulator, method: "PUT" | "GET", path: string, body?: string, token?: string | null) {
  const access =
    token === undefined ? (await emu.credential.getToken("https://management.azure.com/.default"))?.token : token;
  const request = createPipelineRequest({
    url: `${emu.endpoint}${path}`,
    method,
    headers: createHttpHeaders({
      "content-type": "application/json",
      ...(access ? { authorization: `Bearer ${access}` } : {}),
    }),
    ...(body !== undefined ? { body } : {}),
  });
  const response = await emu.httpClient.sendRequest(request);
  return { status: response.status, body: JSON.parse(response.bodyAsText ?? "null") as unknown };
}

describe("as the world's operator (no caller named)", () => {
  let emu: Emulator;
  let c: Clients;
  beforeAll(async () => {
    emu = await startEmulator(shopWorld());
    c = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it("404 ResourceNotFound for a missing registry, identity or environment", async () => {
    expect(await failure(c.registry.registries.get(RG2, "nosuchacr"))).toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    expect(await failure(c.msi.userAssignedIdentities.get(RG, "id-gone"))).toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    const env = await failure(c.apps.managedEnvironments.get(RG, "env-gone"));
    expect(env).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    expect(env.message).toContain("env-gone");
    expect((await failure(c.apps.containerApps.get(RG, "nope"))).statusCode).toBe(404);
  });

  it("404 SubscriptionNotFound for anything under a subscription ARM does not know (not the app's 404)", async () => {
    const unknown = "0f1e2d3c-4b5a-4697-8877-a6b5c4d3e2f1";
    const elsewhere = clientsFor(emu, emu.credential, unknown);
    const read = await failure(elsewhere.apps.containerApps.get(RG, "orders-api"));
    // The text ARM answers, as quoted in Azure/azure-cli#33657 and #30164.
    expect(read).toMatchObject({
      statusCode: 404,
      code: "SubscriptionNotFound",
      message: `The subscription '${unknown}' could not be found.`,
    });
    expect(await failure(collect(elsewhere.registry.registries.list()))).toMatchObject({
      statusCode: 404,
      code: "SubscriptionNotFound",
    });
    // A missing app in a known subscription stays a plain 404 of the app.
    expect((await failure(c.apps.containerApps.get(RG, "nope"))).code).not.toBe("SubscriptionNotFound");
  });

  it("409 RoleAssignmentExists for the same principal, role and scope under another name; same name is idempotent", async () => {
    const existing = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    const properties = { roleDefinitionId: roleId(ACR_PULL), principalId: UAMI_PRINCIPAL };
    const conflict = await failure(c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), properties));
    expect(conflict).toMatchObject({ statusCode: 409, code: "RoleAssignmentExists" });
    const again = await c.auth.roleAssignments.create(REGISTRY_ID, existing, properties);
    expect(again.id).toBe(assignmentId(REGISTRY_ID, existing));
    // Another role for the same principal at the same scope is no conflict.
    const other = await c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
      roleDefinitionId: roleId(READER),
      principalId: UAMI_PRINCIPAL,
    });
    expect(other.roleDefinitionId).toBe(roleId(READER));
  });

  it("400 for atScope() combined with principalId eq or assignedTo(), and for filters ARM does not know", async () => {
    const combined = await failure(
      collect(
        c.auth.roleAssignments.listForScope(REGISTRY_ID, {
          filter: `atScope() and principalId eq '${UAMI_PRINCIPAL}'`,
        }),
      ),
    );
    expect(combined.statusCode).toBe(400);
    expect(combined.code).toBe("UnsupportedQuery");
    const assigned = await failure(
      collect(
        c.auth.roleAssignments.listForScope(REGISTRY_ID, { filter: `atScope() and assignedTo('${UAMI_PRINCIPAL}')` }),
      ),
    );
    expect(assigned.statusCode).toBe(400);
    const unknown = await failure(collect(c.auth.roleAssignments.listForSubscription({ filter: "roleName eq 'x'" })));
    expect(unknown).toMatchObject({ statusCode: 400, code: "InvalidFilter" });
  });

  it("400 for bodies ARM cannot use: invalid JSON, an app without location, an assignment without principal", async () => {
    const path = `${appId("web")}?api-version=2025-07-01`;
    expect(await raw(emu, "PUT", path, "{not json")).toEqual({
      status: 400,
      body: { error: { code: "InvalidRequestContent", message: expect.any(String) } },
    });
    const noLocation = await raw(emu, "PUT", path, JSON.stringify({ properties: {} }));
    expect(noLocation).toMatchObject({ status: 400, body: { error: { code: "InvalidRequestContent" } } });
    expect(emu.getResource(appId("web"))?.location).toBe("West Europe");

    const assignment = await failure(
      c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), { roleDefinitionId: roleId(ACR_PULL), principalId: "" }),
    );
    expect(assignment).toMatchObject({ statusCode: 400, code: "InvalidPrincipalId" });
    const badRole = await failure(
      c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
        roleDefinitionId: roleId("00000000-0000-4000-8000-000000000000"),
        principalId: randomUUID(),
      }),
    );
    expect(badRole).toMatchObject({ statusCode: 400, code: "RoleDefinitionDoesNotExist" });
  });

  it("401 AuthenticationFailed without a bearer token; 400 MissingApiVersionParameter without api-version", async () => {
    expect(await raw(emu, "GET", `${appId("web")}?api-version=2025-07-01`, undefined, null)).toMatchObject({
      status: 401,
      body: { error: { code: "AuthenticationFailed" } },
    });
    expect(await raw(emu, "GET", appId("web"))).toMatchObject({
      status: 400,
      body: { error: { code: "MissingApiVersionParameter" } },
    });
  });
});

describe("as a named caller (world.md caller rule)", () => {
  let emu: Emulator;
  let c: Clients;
  beforeAll(async () => {
    const readerOnShop = {
      id: assignmentId(rg(RG), "6f405162-8d9e-4fa0-b1c2-3d4e5f607182"),
      type: "Microsoft.Authorization/roleAssignments",
      properties: { roleDefinitionId: READER, principalId: CALLER, principalType: "ServicePrincipal" },
    };
    emu = await startEmulator(
      shopWorld({ resources: [readerOnShop], caller: { principalId: CALLER, tenantId: TENANT } }),
    );
    c = clientsFor(emu);
  });
  afterAll(() => emu.stop());

  it("reads where its role assignments allow", async () => {
    expect((await c.apps.containerApps.get(RG, "web")).name).toBe("web");
    expect((await collect(c.apps.containerApps.listByResourceGroup(RG))).length).toBe(3);
    expect(emu.log.entries().every((e) => e.caller === CALLER)).toBe(true);
  });

  it("403 AuthorizationFailed naming the caller, the action and the scope where it has no role", async () => {
    const read = await failure(c.registry.registries.get(RG2, "contosoprod"));
    expect(read).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(read.message).toContain(`'${CALLER}'`);
    expect(read.message).toContain("'Microsoft.ContainerRegistry/registries/read'");
    expect(read.message).toContain(`'${REGISTRY_ID}'`);
    expect((await failure(collect(c.apps.containerApps.listBySubscription()))).statusCode).toBe(403);
  });

  it("403 on writes a Reader may not make, and nothing changes", async () => {
    const patch = await failure(
      c.apps.containerApps.beginUpdateAndWait(RG, "web", { location: "West Europe", tags: { x: "y" } }),
    );
    expect(patch).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(patch.message).toContain("Microsoft.App/containerApps/write");
    expect(emu.getResource(appId("web"))?.tags).toBeUndefined();

    const grant = await failure(
      c.auth.roleAssignments.create(rg(RG), randomUUID(), { roleDefinitionId: roleId(ACR_PULL), principalId: CALLER }),
    );
    expect(grant).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(grant.message).toContain("Microsoft.Authorization/roleAssignments/write");
    expect(await failure(c.apps.containerApps.listSecrets(RG, "orders-api"))).toMatchObject({ statusCode: 403 });
  });

  it("403 for any other principal, which holds no assignment at all", async () => {
    const stranger = clientsFor(emu, emu.credentialFor(STRANGER));
    const denied = await failure(stranger.apps.containerApps.get(RG, "web"));
    expect(denied).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(denied.message).toContain(STRANGER);
  });
});
