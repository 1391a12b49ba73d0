/** The forbidden list of pull-path.md, one test per rule. */
import { describe, expect, it } from "vitest";
import { assertAllowed, ForbiddenChangeError, type ForbiddenRule } from "../../src/core/forbidden.js";
import type { AssignRoleStep, PlanStep } from "../../src/core/plan-step.js";
import { ACR_PULL, APP_ID, REGISTRY_ID, REPO_READER, SUB, SYSTEM_PRINCIPAL, UAMI_ID } from "./builders.js";

const ARM = "https://management.azure.com";
const roleId = (guid: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const grant = (overrides: Partial<AssignRoleStep> = {}): AssignRoleStep =>
  ({
    kind: "assign-role",
    target: REGISTRY_ID,
    reason: "pull-role-missing",
    decision: "apply",
    roleDefinitionId: roleId(ACR_PULL),
    roleName: "AcrPull",
    scope: REGISTRY_ID,
    principalId: SYSTEM_PRINCIPAL,
    principalType: "ServicePrincipal",
    condition: null,
    conditionVersion: null,
    name: "5b0f1c1e-2d3e-5f40-8a1b-2c3d4e5f6a7b",
    ...overrides,
  }) as AssignRoleStep;
const grantWrite = (step: AssignRoleStep, props: Record<string, unknown> = {}, before: unknown = null) => ({
  method: "PUT",
  url: `${ARM}${step.scope}/providers/Microsoft.Authorization/roleAssignments/${step.name}?api-version=2022-04-01`,
  body: {
    properties: {
      roleDefinitionId: step.roleDefinitionId,
      principalId: step.principalId,
      principalType: step.principalType,
      ...props,
    },
  },
  before,
});

const appStep: PlanStep = {
  kind: "attach-user-identity",
  target: APP_ID,
  reason: "identity-not-attached",
  decision: "apply",
  identityId: UAMI_ID,
};
const entryStep: PlanStep = {
  kind: "add-registry-entry",
  target: APP_ID,
  reason: "registry-not-configured",
  decision: "apply",
  server: "b.azurecr.io",
  identity: "system",
};
const arm: PlanStep = {
  kind: "enable-arm-audience-tokens",
  target: REGISTRY_ID,
  reason: "arm-audience-tokens-disabled",
  decision: "apply",
};
const ips: PlanStep = {
  kind: "allow-registry-ips",
  target: REGISTRY_ID,
  reason: "registry-firewall-blocks-environment",
  decision: "apply",
  ips: ["20.1.2.3"],
};
const resubmit: PlanStep = {
  kind: "resubmit-template",
  target: APP_ID,
  reason: "pull-role-missing",
  decision: "apply",
  revisionSuffix: "pg12345678",
};
const patch = (url: string, body: unknown, before: unknown) => ({
  method: "PATCH",
  url: `${ARM}${url}?api-version=x`,
  body,
  before,
});

function rule(fn: () => void): ForbiddenRule | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof ForbiddenChangeError) return error.rule;
    throw error;
  }
}

describe("forbidden list", () => {
  it("allows the least-privilege grants PullGuard plans", () => {
    expect(rule(() => assertAllowed(grant(), grantWrite(grant())))).toBeNull();
    const abac = grant({ roleDefinitionId: roleId(REPO_READER), condition: "x", conditionVersion: "2.0" });
    expect(rule(() => assertAllowed(abac, grantWrite(abac, { condition: "x", conditionVersion: "2.0" })))).toBeNull();
  });

  it.each([
    ["AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"],
    ["Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"],
    ["Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"],
    ["Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"],
    ["Repository Writer", "2a1e307c-b015-4ebd-883e-5b7698a07328"],
  ])("never grants a broader role than the table says (%s)", (_name, guid) => {
    const step = grant({ roleDefinitionId: roleId(guid) });
    expect(rule(() => assertAllowed(step))).toBe("role-not-grantable");
    // A request that smuggles a broader role under a harmless step is refused too.
    expect(rule(() => assertAllowed(grant(), grantWrite(grant(), { roleDefinitionId: roleId(guid) })))).toBe(
      "role-not-grantable",
    );
  });

  it.each([
    ["subscription", `/subscriptions/${SUB}`],
    ["resource group", `/subscriptions/${SUB}/resourceGroups/rg-platform`],
    ["a repository-like child", `${REGISTRY_ID}/repositories/api`],
  ])("never grants at %s scope", (_what, scope) => {
    expect(rule(() => assertAllowed(grant({ scope, target: scope })))).toBe("scope-not-registry");
    const step = grant();
    const write = grantWrite(step);
    write.url = `${ARM}${scope}/providers/Microsoft.Authorization/roleAssignments/${step.name}?api-version=2022-04-01`;
    expect(rule(() => assertAllowed(step, write))).toBe("scope-not-registry");
  });

  it("grants only to principalType ServicePrincipal", () => {
    const step = { ...grant(), principalType: "Group" } as unknown as AssignRoleStep;
    expect(rule(() => assertAllowed(step))).toBe("principal-type-not-service-principal");
    expect(rule(() => assertAllowed(grant(), grantWrite(grant(), { principalType: "User" })))).toBe(
      "principal-type-not-service-principal",
    );
  });

  it("never sends a grant whose principal is not known yet", () => {
    const step = grant({ principalId: null, name: null, principalFrom: "app-system-identity" });
    expect(rule(() => assertAllowed(step))).toBe("principal-unresolved");
  });

  it("never enables the admin user", () => {
    expect(rule(() => assertAllowed(arm, patch(REGISTRY_ID, { properties: { adminUserEnabled: true } }, {})))).toBe(
      "enables-admin-user",
    );
  });

  it("never enables anonymous pull", () => {
    expect(rule(() => assertAllowed(arm, patch(REGISTRY_ID, { properties: { anonymousPullEnabled: true } }, {})))).toBe(
      "enables-anonymous-pull",
    );
  });

  it("never enables public network access", () => {
    expect(
      rule(() => assertAllowed(ips, patch(REGISTRY_ID, { properties: { publicNetworkAccess: "Enabled" } }, {}))),
    ).toBe("enables-public-network-access");
  });

  it("never opens a registry firewall (defaultAction Deny → Allow)", () => {
    const before = { properties: { networkRuleSet: { defaultAction: "Deny", ipRules: [] } } };
    const body = { properties: { networkRuleSet: { defaultAction: "Allow", ipRules: [] } } };
    expect(rule(() => assertAllowed(ips, patch(REGISTRY_ID, body, before)))).toBe("opens-registry-firewall");
  });

  it("never removes an IP rule a person configured", () => {
    const before = {
      properties: { networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "1.2.3.4" }] } },
    };
    const ok = {
      properties: {
        networkRuleSet: {
          defaultAction: "Deny",
          ipRules: [
            { action: "Allow", value: "1.2.3.4" },
            { action: "Allow", value: "20.1.2.3" },
          ],
        },
      },
    };
    const bad = {
      properties: { networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.1.2.3" }] } },
    };
    expect(rule(() => assertAllowed(ips, patch(REGISTRY_ID, ok, before)))).toBeNull();
    expect(rule(() => assertAllowed(ips, patch(REGISTRY_ID, bad, before)))).toBe("removes-ip-rule");
  });

  it("never detaches a user-assigned identity or disables the system identity", () => {
    const before = { identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } } };
    const keeps = {
      identity: {
        type: "SystemAssigned,UserAssigned",
        userAssignedIdentities: { [UAMI_ID.toUpperCase()]: {}, "/x/other": {} },
      },
    };
    expect(rule(() => assertAllowed(appStep, patch(APP_ID, keeps, before)))).toBeNull();
    const drops = { identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { "/x/other": {} } } };
    expect(rule(() => assertAllowed(appStep, patch(APP_ID, drops, before)))).toBe("removes-identity");
    const nulls = { identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [UAMI_ID]: null } } };
    expect(rule(() => assertAllowed(appStep, patch(APP_ID, nulls, before)))).toBe("removes-identity");
    const noSystem = { identity: { type: "UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } } };
    expect(rule(() => assertAllowed(appStep, patch(APP_ID, noSystem, before)))).toBe("removes-identity");
  });

  it("never removes or rewrites a registry entry a person configured", () => {
    const before = { properties: { configuration: { registries: [{ server: "a.azurecr.io", identity: UAMI_ID }] } } };
    const keeps = {
      properties: {
        configuration: {
          registries: [
            { server: "a.azurecr.io", identity: UAMI_ID },
            { server: "b.azurecr.io", identity: "system" },
          ],
        },
      },
    };
    expect(rule(() => assertAllowed(entryStep, patch(APP_ID, keeps, before)))).toBeNull();
    const drops = { properties: { configuration: { registries: [{ server: "b.azurecr.io", identity: "system" }] } } };
    expect(rule(() => assertAllowed(entryStep, patch(APP_ID, drops, before)))).toBe("removes-registry-entry");
    const rewrites = {
      properties: {
        configuration: {
          registries: [
            { server: "a.azurecr.io", identity: "system" },
            { server: "b.azurecr.io", identity: "system" },
          ],
        },
      },
    };
    expect(rule(() => assertAllowed(entryStep, patch(APP_ID, rewrites, before)))).toBe("removes-registry-entry");
  });

  it("never sends configuration.secrets", () => {
    const body = { properties: { configuration: { secrets: [{ name: "acr-password" }], registries: [] } } };
    expect(
      rule(() => assertAllowed(entryStep, patch(APP_ID, body, { properties: { configuration: { registries: [] } } }))),
    ).toBe("sends-secrets");
  });

  it("never removes a role assignment (no DELETE, no replacing another role under the same name)", () => {
    expect(
      rule(() =>
        assertAllowed(grant(), {
          method: "DELETE",
          url: `${ARM}${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/x`,
        }),
      ),
    ).toBe("removes-role-assignment");
    const before = { properties: { roleDefinitionId: roleId(REPO_READER) } };
    expect(rule(() => assertAllowed(grant(), grantWrite(grant(), {}, before)))).toBe("removes-role-assignment");
  });

  it("never narrows or drops a condition a person wrote when extending it", () => {
    const old =
      "(... OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'api'))";
    const step = grant({ roleDefinitionId: roleId(REPO_READER), replaces: "x", conditionVersion: "2.0" });
    const before = { properties: { roleDefinitionId: roleId(REPO_READER), condition: old } };
    const extended = old.replace(
      "'api'",
      "'api' OR @Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'web'",
    );
    expect(
      rule(() => assertAllowed(step, grantWrite(step, { condition: extended, conditionVersion: "2.0" }, before))),
    ).toBeNull();
    const narrowed = old.replace("'api'", "'web'");
    expect(
      rule(() => assertAllowed(step, grantWrite(step, { condition: narrowed, conditionVersion: "2.0" }, before))),
    ).toBe("narrows-condition");
    expect(rule(() => assertAllowed(step, grantWrite(step, {}, before)))).toBe("narrows-condition");
  });

  it("a template re-submission changes nothing but the revision suffix", () => {
    const template = { containers: [{ name: "api", image: "a.azurecr.io/api:1" }], revisionSuffix: "v1" };
    const before = { properties: { template } };
    expect(
      rule(() =>
        assertAllowed(
          resubmit,
          patch(APP_ID, { properties: { template: { ...template, revisionSuffix: "pg12345678" } } }, before),
        ),
      ),
    ).toBeNull();
    const other = {
      ...template,
      containers: [{ name: "api", image: "a.azurecr.io/api:2" }],
      revisionSuffix: "pg12345678",
    };
    expect(rule(() => assertAllowed(resubmit, patch(APP_ID, { properties: { template: other } }, before)))).toBe(
      "changes-template",
    );
  });

  it("registry policies: only switches ARM-audience tokens on, keeps the other policies", () => {
    const before = {
      properties: {
        policies: {
          quarantinePolicy: { status: "disabled" },
          azureADAuthenticationAsArmPolicy: { status: "disabled" },
        },
      },
    };
    const ok = {
      properties: {
        policies: { quarantinePolicy: { status: "disabled" }, azureADAuthenticationAsArmPolicy: { status: "enabled" } },
      },
    };
    expect(rule(() => assertAllowed(arm, patch(REGISTRY_ID, ok, before)))).toBeNull();
    const off = {
      properties: {
        policies: {
          quarantinePolicy: { status: "disabled" },
          azureADAuthenticationAsArmPolicy: { status: "disabled" },
        },
      },
    };
    expect(rule(() => assertAllowed(arm, patch(REGISTRY_ID, off, before)))).toBe("removes-registry-policy");
    const drops = { properties: { policies: { azureADAuthenticationAsArmPolicy: { status: "enabled" } } } };
    expect(rule(() => assertAllowed(arm, patch(REGISTRY_ID, drops, before)))).toBe("removes-registry-policy");
  });
});
