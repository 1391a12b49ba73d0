/**
 * world.md v2: conditions on the caller's own role assignments are enforced on writes. The caller here is PullGuard
 * exactly as infra/ deploys it (test/e2e/deployed-pullguard.ts reads the condition from the Bicep), driven through
 * the real @azure/arm-authorization client. Also: 400 PrincipalNotFound for a principal created moments ago when the
 * assignment does not say its principalType (the replication delay of learn.microsoft.com RBAC troubleshooting).
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { asDeployedPullGuard, deployedAssignments, PULLGUARD_PRINCIPAL } from "../../e2e/deployed-pullguard.js";
import { ACR_PULL, clientsFor, REGISTRY_ID, RG, rg, SUB, shopWorld } from "./helpers.js";

const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";
/** A managed identity with no grant on the registry yet. */
const GRANTEE = "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b";
const REPOSITORY_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const roleDefinition = (guid: string) =>
  `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

async function deployed(resources: unknown[] = []): Promise<Emulator> {
  const world = shopWorld({ resources }) as { resources: unknown[] };
  emu = await startEmulator(asDeployedPullGuard(world));
  return emu;
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as { statusCode?: number; code?: string; message?: string },
  );
  expect(error, "the write was expected to be refused").not.toBeNull();
  return { status: error?.statusCode, code: error?.code, message: error?.message ?? "" };
};

describe("the deployed PullGuard's conditioned Role Based Access Control Administrator", () => {
  it("holds the roles infra/ grants in fix mode, the administrator one with a version 2.0 condition", () => {
    const assignments = deployedAssignments([SUB]) as Array<{ properties: Record<string, unknown> }>;
    const roles = assignments.map((a) => String(a.properties.roleDefinitionId).split("/").pop());
    expect(roles).toEqual(
      expect.arrayContaining([
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "358470bc-b998-42bd-ab17-a7e34c199c0f",
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
      ]),
    );
    const admin = assignments.find((a) =>
      String(a.properties.roleDefinitionId).endsWith("f58310d9-a9f6-439a-9e8d-f62e7b41a168"),
    );
    expect(admin?.properties.conditionVersion).toBe("2.0");
    expect(String(admin?.properties.condition)).toContain(ACR_PULL);
    expect(deployedAssignments([SUB], { mode: "report" })).toHaveLength(1);
  });

  it("may assign AcrPull and Container Registry Repository Reader to a service principal at registry scope", async () => {
    const c = clientsFor(await deployed());
    for (const role of [ACR_PULL, REPOSITORY_READER]) {
      const created = await c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
        roleDefinitionId: roleDefinition(role),
        principalId: GRANTEE,
        principalType: "ServicePrincipal",
      });
      expect(created.principalId).toBe(GRANTEE);
    }
  });

  it("is refused any other role, any other principal type, and the delete of any other assignment, with ARM's wording", async () => {
    const pushName = "5b4a3928-1706-4f5e-9d4c-3b2a19080706";
    const push = {
      id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/${pushName}`,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        roleDefinitionId: roleDefinition(ACR_PUSH),
        principalId: GRANTEE,
        principalType: "ServicePrincipal",
      },
    };
    const c = clientsFor(await deployed([push]));
    const create = (role: string, principalType: "ServicePrincipal" | "User" | "Group") =>
      c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
        roleDefinitionId: roleDefinition(role),
        principalId: GRANTEE,
        principalType,
      });
    for (const [role, type] of [
      [ACR_PUSH, "ServicePrincipal"],
      [OWNER, "ServicePrincipal"],
      [ACR_PULL, "User"],
      [ACR_PULL, "Group"],
    ] as const) {
      const refused = await failure(create(role, type));
      expect(refused).toMatchObject({ status: 403, code: "AuthorizationFailed" });
      expect(refused.message).toContain("does not have authorization or an ABAC condition not fulfilled");
      expect(refused.message).toContain("'Microsoft.Authorization/roleAssignments/write'");
    }
    const granted = await c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
      roleDefinitionId: roleDefinition(ACR_PULL),
      principalId: GRANTEE,
      principalType: "ServicePrincipal",
    });
    // The documented "constrain roles and principal types" form admits deleting what it admits creating ...
    await c.auth.roleAssignments.delete(REGISTRY_ID, String(granted.name));
    // ... and nothing else: an AcrPush assignment someone else made stays.
    const deleted = await failure(c.auth.roleAssignments.delete(REGISTRY_ID, pushName));
    expect(deleted).toMatchObject({ status: 403, code: "AuthorizationFailed" });
    expect(deleted.message).toContain("'Microsoft.Authorization/roleAssignments/delete'");
  });

  it("reads are not constrained by the condition", async () => {
    const c = clientsFor(await deployed());
    const listed = [];
    for await (const a of c.auth.roleAssignments.listForScope(REGISTRY_ID)) listed.push(a);
    expect(listed.some((a) => a.principalId === PULLGUARD_PRINCIPAL)).toBe(true);
  });

  it("the same write is allowed to an operator whose assignment has no condition (the near miss)", async () => {
    emu = await startEmulator(shopWorld());
    const c = clientsFor(emu);
    const created = await c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
      roleDefinitionId: roleDefinition(ACR_PUSH),
      principalId: GRANTEE,
      principalType: "ServicePrincipal",
    });
    expect(created.roleDefinitionId).toContain(ACR_PUSH);
  });
});

describe("a principal created moments ago (directory replication)", () => {
  const FRESH = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";
  const freshIdentity = (ageSeconds: number) => ({
    id: `${rg(RG)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-fresh`,
    name: "id-fresh",
    type: "Microsoft.ManagedIdentity/userAssignedIdentities",
    location: "westeurope",
    properties: { principalId: FRESH },
    systemData: { createdAt: new Date(Date.parse("2026-11-22T12:00:00Z") - ageSeconds * 1000).toISOString() },
  });
  const assign = (e: Emulator, principalType?: "ServicePrincipal") =>
    clientsFor(e).auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
      roleDefinitionId: roleDefinition(ACR_PULL),
      principalId: FRESH,
      ...(principalType ? { principalType } : {}),
    });

  it("without principalType: 400 PrincipalNotFound with the replication-delay advice", async () => {
    const e = await deployed([freshIdentity(5)]);
    const refused = await failure(assign(e));
    expect(refused).toMatchObject({ status: 400, code: "PrincipalNotFound" });
    expect(refused.message).toContain(`Principal ${FRESH} does not exist in the directory`);
    expect(refused.message).toContain("set the role assignment principalType property");
  });

  it("with principalType ServicePrincipal: created (what PullGuard always sends)", async () => {
    const e = await deployed([freshIdentity(5)]);
    expect((await assign(e, "ServicePrincipal")).principalId).toBe(FRESH);
  });

  it("an identity created long ago needs no principalType (the near miss)", async () => {
    const e = await deployed([freshIdentity(3600)]);
    expect((await assign(e)).principalId).toBe(FRESH);
  });
});
