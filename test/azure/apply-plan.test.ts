import { describe, expect, it } from "vitest";
import { type ApplyDeps, applyPlan, TransientApplyError } from "../../src/azure/apply-plan.js";
import type { ArmRequest, ArmResponse, ArmTransport } from "../../src/azure/arm-transport.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import { planFixes } from "../../src/core/plan.js";
import type { AssignRoleStep, PlanStep } from "../../src/core/plan-step.js";
import { roleAssignmentName } from "../../src/core/role-assignment-name.js";
import {
  ACR_PULL,
  APP_ID,
  facts,
  finding,
  policy,
  REGISTRY_ID,
  REPO_READER,
  registry,
  SERVER,
  SUB,
  SYSTEM_PRINCIPAL,
  UAMI_ID,
} from "../core/builders.js";
import { FakeArm } from "./fake-arm.js";

const REVISION_ID = `${APP_ID}/revisions/checkout-web--r1`;

function world(
  options: { identity?: Record<string, unknown>; registries?: unknown[]; registryProps?: Record<string, unknown> } = {},
) {
  const arm = new FakeArm();
  arm.put({
    id: APP_ID,
    name: "checkout-web",
    type: "Microsoft.App/containerApps",
    location: "northeurope",
    identity: options.identity ?? { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL },
    properties: {
      configuration: {
        activeRevisionsMode: "Multiple",
        secrets: [{ name: "acr-password" }],
        registries: options.registries ?? [{ server: SERVER, identity: "system" }],
      },
      template: { revisionSuffix: "r1", containers: [{ name: "api", image: `${SERVER}/checkout/web:1.8.0` }] },
    },
  });
  arm.put({
    id: REVISION_ID,
    name: "checkout-web--r1",
    type: "Microsoft.App/containerApps/revisions",
    properties: { provisioningState: "Failed", runningState: "Failed", healthState: "Unhealthy" },
  });
  arm.put({
    id: REGISTRY_ID,
    name: "fabrikamacr",
    type: "Microsoft.ContainerRegistry/registries",
    properties: {
      loginServer: SERVER,
      adminUserEnabled: false,
      policies: { quarantinePolicy: { status: "disabled" }, azureADAuthenticationAsArmPolicy: { status: "enabled" } },
      ...options.registryProps,
    },
  });
  return arm;
}

function deps(
  arm: FakeArm,
  overrides: Partial<ApplyDeps> = {},
): ApplyDeps & { audit: ReturnType<typeof createMemoryAuditLog> } {
  return {
    arm,
    now: () => new Date("2026-11-22T12:00:00Z"),
    sleep: async () => undefined,
    budget: createMemoryChangeBudget(20),
    audit: createMemoryAuditLog(),
    trigger: { source: "cli", caller: "alice" },
    dryRun: false,
    ...overrides,
  } as ApplyDeps & { audit: ReturnType<typeof createMemoryAuditLog> };
}

const grantOf = (plan: PlanStep[]) => plan.find((s): s is AssignRoleStep => s.kind === "assign-role");

describe("applyPlan", () => {
  it("grants AcrPull with the deterministic name, restarts, and audits both", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const d = deps(arm);
    const result = await applyPlan(plan, APP_ID, d);
    const name = roleAssignmentName(REGISTRY_ID, SYSTEM_PRINCIPAL, ACR_PULL);
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(result.writes).toBe(2);
    expect(arm.writes().map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      `PUT ${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      `POST ${REVISION_ID}/restart`,
    ]);
    expect(arm.writes()[0]?.body).toEqual({
      properties: {
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
        principalId: SYSTEM_PRINCIPAL,
        principalType: "ServicePrincipal",
      },
    });
    expect(result.requests.filter((r) => r.sent).map((r) => r.url)).toEqual(arm.writes().map((r) => r.url));
    expect(d.audit.entries.map((e) => [e.stepKind, e.outcome, e.reason, e.trigger.caller])).toEqual([
      ["assign-role", "done", "pull-role-missing", "alice"],
      ["restart-revision", "done", "pull-role-missing", "alice"],
    ]);
    expect(result.auditIds).toEqual(d.audit.entries.map((e) => e.id));
  });

  it("finds an assignment already made (same name) and writes no second one", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy()).filter((s) => s.kind === "assign-role");
    await applyPlan(plan, APP_ID, deps(arm));
    const again = await applyPlan(plan, APP_ID, deps(arm));
    expect(again.applied.map((s) => s.result)).toEqual(["already-in-place"]);
    expect(again.writes).toBe(0);
    expect(arm.assignments()).toHaveLength(1);
  });

  it("409 RoleAssignmentExists: already in place when the existing assignment admits the repositories", async () => {
    const arm = world({ registryProps: { roleAssignmentMode: "AbacRepositoryPermissions" } });
    const f = facts({ registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }) });
    const plan = planFixes(f, [finding("pull-role-missing")], policy());
    const g = grantOf(plan);
    arm.put({
      id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/made-by-a-person`,
      name: "made-by-a-person",
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        scope: REGISTRY_ID,
        roleDefinitionId: REPO_READER,
        principalId: SYSTEM_PRINCIPAL,
        principalType: "ServicePrincipal",
        condition: g?.condition,
      },
    });
    const d = deps(arm, { budget: createMemoryChangeBudget(2) });
    const result = await applyPlan(plan, APP_ID, d);
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "already-in-place"],
      ["restart-revision", "done"],
    ]);
    // The PUT changed nothing: its unit of budget was given back; only the restart is charged.
    expect(result.writes).toBe(2);
    expect(await d.budget.remaining(d.now())).toBe(1);
  });

  it("409 RoleAssignmentExists with a condition that excludes the repository: failed, and the restart is skipped", async () => {
    const arm = world({ registryProps: { roleAssignmentMode: "AbacRepositoryPermissions" } });
    const f = facts({ registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }) });
    const plan = planFixes(f, [finding("pull-role-missing")], policy());
    arm.put({
      id: `${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments/made-by-a-person`,
      name: "made-by-a-person",
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        scope: REGISTRY_ID,
        roleDefinitionId: REPO_READER,
        principalId: SYSTEM_PRINCIPAL,
        principalType: "ServicePrincipal",
        condition: grantOf(plan)?.condition?.replace("checkout/web", "other"),
      },
    });
    const d = deps(arm);
    const result = await applyPlan(plan, APP_ID, d);
    expect(result.applied[0]).toMatchObject({
      result: "failed",
      error: expect.stringContaining("does not admit checkout/web"),
    });
    expect(result.skipped[0]).toMatchObject({ kind: "restart-revision", why: expect.stringContaining("failed") });
    expect(d.audit.entries.map((e) => e.outcome)).toEqual(["failed"]);
  });

  it("system identity: enables it keeping the UAMIs, reads the new principal, grants to it, restarts — one run", async () => {
    const arm = world({
      identity: { type: "UserAssigned", userAssignedIdentities: { [UAMI_ID]: { principalId: "u" } } },
    });
    const f = facts({ identityType: "UserAssigned", systemPrincipal: null });
    const plan = planFixes(
      f,
      [finding("system-identity-disabled", { identity: { ref: "system", principalId: null } })],
      policy(),
    );
    const result = await applyPlan(plan, APP_ID, deps(arm));
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["enable-system-identity", "done"],
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(arm.writes()[0]?.body).toEqual({
      identity: { type: "SystemAssigned,UserAssigned", userAssignedIdentities: { [UAMI_ID]: {} } },
    });
    const principal = (arm.getResource(APP_ID)?.identity as { principalId: string }).principalId;
    const g = result.applied[1] as AssignRoleStep;
    expect(g.principalId).toBe(principal);
    expect(g.name).toBe(roleAssignmentName(REGISTRY_ID, principal, ACR_PULL));
    expect(arm.assignments()).toHaveLength(1);
  });

  it("adds a registry entry with a PATCH of registries only: no secrets sent, existing entries kept", async () => {
    const other = { server: "other.azurecr.io", username: "u", passwordSecretRef: "acr-password" };
    const arm = world({ registries: [other] });
    const f = facts({
      registries: [{ server: "other.azurecr.io", identity: null, username: "u", passwordSecretRef: "acr-password" }],
    });
    const plan = planFixes(f, [finding("registry-not-configured", { identity: null })], policy());
    const result = await applyPlan(plan, APP_ID, deps(arm));
    expect(result.applied.map((s) => s.result)).toEqual(["done", "done", "done"]);
    const patch = arm.writes().find((r) => r.method === "PATCH");
    expect(patch?.body).toEqual({
      properties: { configuration: { registries: [other, { server: SERVER, identity: "system" }] } },
    });
    const app = arm.getResource(APP_ID) as {
      properties: { configuration: { secrets: unknown[]; activeRevisionsMode: string } };
    };
    expect(app.properties.configuration.secrets).toEqual([{ name: "acr-password" }]);
    expect(app.properties.configuration.activeRevisionsMode).toBe("Multiple");
  });

  it("dry run: reads only, records the exact requests, consumes no budget, writes no audit row", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const d = deps(arm, { dryRun: true, budget: createMemoryChangeBudget(1) });
    const result = await applyPlan(plan, APP_ID, d);
    expect(arm.writes()).toEqual([]);
    expect(result.applied).toEqual([]);
    expect(result.skipped.map((s) => s.why)).toEqual(["dry run: nothing sent", "dry run: nothing sent"]);
    expect(result.requests.map((r) => [r.method, r.sent])).toEqual([
      ["PUT", false],
      ["POST", false],
    ]);
    expect(await d.budget.remaining(d.now())).toBe(1);
    expect(d.audit.entries).toEqual([]);
  });

  it("report mode: every step skipped with its why, requests shown, nothing written", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy({ mode: "report" }));
    const result = await applyPlan(plan, APP_ID, deps(arm));
    expect(arm.writes()).toEqual([]);
    expect(result.skipped.every((s) => s.why.includes("mode report"))).toBe(true);
    expect(result.requests).toHaveLength(2);
  });

  it("stops at the change budget: later steps are skipped with why", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const result = await applyPlan(plan, APP_ID, deps(arm, { budget: createMemoryChangeBudget(1) }));
    expect(result.applied.map((s) => s.kind)).toEqual(["assign-role"]);
    expect(result.skipped).toEqual([
      expect.objectContaining({ kind: "restart-revision", why: "change budget exhausted" }),
    ]);
    expect(result.writes).toBe(1);
  });

  it("rethrows a transient error that hits before anything changed (a retry is safe)", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    arm.failWrites.push({ status: 503, code: "ServiceUnavailable" });
    await expect(applyPlan(plan, APP_ID, deps(arm))).rejects.toBeInstanceOf(TransientApplyError);
    expect(arm.assignments()).toHaveLength(0);
  });

  it("records a transient error after a change as failed, with what to do", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    arm.failWrites.push({ status: 503, code: "ServiceUnavailable", match: (r) => r.method === "POST" });
    const d = deps(arm);
    const result = await applyPlan(plan, APP_ID, d);
    expect(result.applied.map((s) => s.result)).toEqual(["done", "failed"]);
    expect(result.applied[1]?.error).toContain("run fix again");
    expect(d.audit.entries.map((e) => e.outcome)).toEqual(["done", "failed"]);
  });

  it("refuses a forbidden step before sending anything", async () => {
    const arm = world();
    const step: AssignRoleStep = {
      kind: "assign-role",
      target: REGISTRY_ID,
      reason: "pull-role-missing",
      decision: "apply",
      roleDefinitionId:
        "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
      roleName: "Owner",
      scope: REGISTRY_ID,
      principalId: SYSTEM_PRINCIPAL,
      principalType: "ServicePrincipal",
      condition: null,
      conditionVersion: null,
      name: "11111111-1111-4111-8111-111111111111",
    };
    const result = await applyPlan([step], APP_ID, deps(arm));
    expect(result.applied[0]).toMatchObject({ result: "failed", error: expect.stringContaining("role-not-grantable") });
    expect(arm.writes()).toEqual([]);
  });

  it("never sends outside the allowlist, whatever the plan says", async () => {
    const arm = world();
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const result = await applyPlan(plan, APP_ID, deps(arm, { allowedScopes: [APP_ID] }));
    expect(result.skipped[0]).toMatchObject({
      kind: "assign-role",
      why: expect.stringContaining("outside the allowlist"),
    });
    expect(arm.writes().map((w) => w.method)).toEqual([]);
  });

  it("waits for a restart's notBefore", async () => {
    const arm = world();
    const step: PlanStep = {
      kind: "restart-revision",
      target: REVISION_ID,
      reason: "role-assignment-propagating",
      decision: "apply",
      revision: "checkout-web--r1",
      notBefore: "2026-11-22T12:07:00.000Z",
    };
    const early = await applyPlan([step], APP_ID, deps(arm));
    expect(early.skipped[0]?.why).toContain("not before");
    const late = await applyPlan([step], APP_ID, deps(arm, { now: () => new Date("2026-11-22T12:08:00Z") }));
    expect(late.applied[0]?.result).toBe("done");
  });

  it("firewall: adds only the missing IPs, keeps the rules and the default action", async () => {
    const arm = world({
      registryProps: { networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "1.2.3.4" }] } },
    });
    const f = facts({
      registry: registry({ defaultAction: "Deny", ipRules: [{ action: "Allow", value: "1.2.3.4" }] }),
      outboundIps: ["20.1.2.3"],
    });
    const plan = planFixes(
      f,
      [finding("registry-firewall-blocks-environment")],
      policy({ optInFixes: ["registry-firewall-blocks-environment"] }),
    );
    await applyPlan(plan, APP_ID, deps(arm));
    expect(arm.writes()[0]?.body).toEqual({
      properties: {
        networkRuleSet: {
          defaultAction: "Deny",
          ipRules: [
            { action: "Allow", value: "1.2.3.4" },
            { action: "Allow", value: "20.1.2.3" },
          ],
        },
      },
    });
  });

  it("ARM-audience tokens: PATCHes the policy on, keeping the other policies", async () => {
    const arm = world({
      registryProps: {
        policies: { quarantinePolicy: { status: "enabled" }, azureADAuthenticationAsArmPolicy: { status: "disabled" } },
      },
    });
    const f = facts({ registry: registry({ armAudienceTokens: "disabled" }) });
    const plan = planFixes(
      f,
      [finding("arm-audience-tokens-disabled")],
      policy({ optInFixes: ["arm-audience-tokens-disabled"] }),
    );
    await applyPlan(plan, APP_ID, deps(arm));
    expect(arm.writes()[0]?.body).toEqual({
      properties: {
        policies: { quarantinePolicy: { status: "enabled" }, azureADAuthenticationAsArmPolicy: { status: "enabled" } },
      },
    });
  });
});

/** FakeArm behind ARM's throttling: the first `times` PUTs answer 429 with `Retry-After: seconds` (not applied). */
function throttled(arm: FakeArm, times: number, seconds: number): ArmTransport & { puts: number } {
  const transport = {
    endpoint: arm.endpoint,
    puts: 0,
    async send(request: ArmRequest): Promise<ArmResponse> {
      if (request.method !== "PUT" || transport.puts++ >= times) return arm.send(request);
      const body = { error: { code: "TooManyRequests", message: "throttled" } };
      return { status: 429, headers: { "retry-after": String(seconds) }, body };
    },
  };
  return transport;
}

describe("applyPlan under a deadline", () => {
  const start = Date.parse("2026-11-22T12:00:00Z");

  function clocked(overrides: Partial<ApplyDeps>) {
    let now = start;
    const waits: number[] = [];
    const d = deps(world(), {
      now: () => new Date(now),
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
      ...overrides,
    });
    return { d, waits, elapsed: () => now - start };
  }

  it("a 600 s Retry-After is waited 60 s at a time on the injected clock, and the PUT sent again", async () => {
    const arm = world();
    const { d, waits } = clocked({ arm: throttled(arm, 2, 600), deadline: new Date(start + 180_000) });
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const result = await applyPlan(plan, APP_ID, d);
    expect(waits).toEqual([60_000, 60_000]);
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(result.pending).toBe(false);
    expect(arm.assignments()).toHaveLength(1);
  });

  it("a wait that would pass the deadline is not made: the step is left pending, its row failed (not applied)", async () => {
    const arm = world();
    const transport = throttled(arm, 5, 600);
    const { d, waits, elapsed } = clocked({ arm: transport, deadline: new Date(start + 150_000) });
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const result = await applyPlan(plan, APP_ID, d);
    expect(waits).toEqual([60_000, 60_000]);
    expect(elapsed()).toBeLessThan(150_000);
    expect(transport.puts).toBe(3);
    expect(result.pending).toBe(true);
    expect(result.applied).toEqual([]);
    expect(result.skipped.map((s) => [s.kind, s.why.split(":")[0]])).toEqual([
      ["assign-role", "deadline"],
      ["restart-revision", "deadline"],
    ]);
    expect(d.audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([["assign-role", "failed"]]);
    expect(d.audit.entries[0]?.error).toMatch(
      /throttled \(Retry-After 600 s\), not sent again at the invocation's deadline/,
    );
    expect(arm.writes().filter((w) => w.method === "POST")).toEqual([]);
  });

  it("no step starts within the margin of the deadline", async () => {
    const { d } = clocked({ deadline: new Date(start + 10_000) });
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    const result = await applyPlan(plan, APP_ID, d);
    expect(result.pending).toBe(true);
    expect(result.writes).toBe(0);
    expect(result.skipped.every((s) => s.why.startsWith("deadline: the invocation's deadline is near"))).toBe(true);
  });
});
