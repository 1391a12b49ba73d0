import { describe, expect, it } from "vitest";
import { planFixes } from "../../src/core/plan.js";
import type { AssignRoleStep, PlanStep } from "../../src/core/plan-step.js";
import { roleAssignmentName } from "../../src/core/role-assignment-name.js";
import { assignmentCovers } from "../../src/core/roles.js";
import { stepDependencies } from "../../src/core/steps/order.js";
import {
  ACR_PULL,
  APP_ID,
  assignment,
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
  UAMI_PRINCIPAL,
} from "./builders.js";

const kinds = (plan: PlanStep[]) => plan.map((s) => s.kind);
const grant = (plan: PlanStep[]) => plan.find((s): s is AssignRoleStep => s.kind === "assign-role");

describe("planFixes per finding code", () => {
  it("pull-role-missing (legacy): AcrPull at registry scope with the deterministic name, then one restart", () => {
    const plan = planFixes(facts(), [finding("pull-role-missing")], policy());
    expect(kinds(plan)).toEqual(["assign-role", "restart-revision"]);
    expect(grant(plan)).toMatchObject({
      target: REGISTRY_ID,
      scope: REGISTRY_ID,
      roleDefinitionId: expect.stringMatching(new RegExp(`/roleDefinitions/${ACR_PULL}$`)),
      roleName: "AcrPull",
      principalId: SYSTEM_PRINCIPAL,
      principalType: "ServicePrincipal",
      condition: null,
      conditionVersion: null,
      name: roleAssignmentName(REGISTRY_ID, SYSTEM_PRINCIPAL, ACR_PULL),
      decision: "apply",
    });
    expect(plan[1]).toMatchObject({
      revision: "checkout-web--r1",
      target: `${APP_ID}/revisions/checkout-web--r1`,
      decision: "apply",
    });
  });

  it("pull-role-missing (ABAC): Repository Reader with a condition admitting exactly the app's repositories", () => {
    const f = facts({
      registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }),
      images: [
        `${SERVER}/checkout/web:1.8.0`,
        `${SERVER.toUpperCase()}/Checkout/Migrate@sha256:${"a".repeat(64)}`,
        "docker.io/library/redis:7",
      ],
    });
    const g = grant(planFixes(f, [finding("pull-role-missing")], policy()));
    expect(g?.roleDefinitionId).toContain(REPO_READER);
    expect(g?.conditionVersion).toBe("2.0");
    expect(g?.repositories).toEqual(["checkout/migrate", "checkout/web"]);
    expect(g?.condition).toBe(
      "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND " +
        "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR " +
        "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'checkout/migrate' OR " +
        "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'checkout/web'))",
    );
  });

  it("abac-mode-legacy-role-only: Repository Reader, not AcrPull again", () => {
    const f = facts({
      registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }),
      assignments: { [SYSTEM_PRINCIPAL]: [assignment()] },
    });
    const g = grant(planFixes(f, [finding("abac-mode-legacy-role-only")], policy()));
    expect(g?.roleName).toBe("Container Registry Repository Reader");
    expect(g?.decision).toBe("apply");
  });

  it("system-identity-disabled: enable, grant to the principal-to-be, restart — in one plan", () => {
    const f = facts({ identityType: "None", systemPrincipal: null });
    const plan = planFixes(
      f,
      [finding("system-identity-disabled", { identity: { ref: "system", principalId: null } })],
      policy(),
    );
    expect(kinds(plan)).toEqual(["enable-system-identity", "assign-role", "restart-revision"]);
    expect(grant(plan)).toMatchObject({
      principalFrom: "app-system-identity",
      principalId: null,
      name: null,
      decision: "apply",
    });
    expect(stepDependencies(plan, 1)).toEqual([0]);
  });

  it("identity-not-attached: attach the user-assigned identity", () => {
    const plan = planFixes(
      facts(),
      [finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } })],
      policy(),
    );
    expect(plan[0]).toMatchObject({
      kind: "attach-user-identity",
      identityId: UAMI_ID,
      target: APP_ID,
      decision: "apply",
    });
    expect(kinds(plan)).toEqual(["attach-user-identity", "restart-revision"]);
  });

  it("identity-not-attached: an identity outside the allowlist is reported, never attached", () => {
    // The app's resource group is allowed, the identity's resource group (rg-id) is not: attaching would lend the
    // app the rights of an identity PullGuard was not given to manage.
    const plan = planFixes(
      facts(),
      [finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } })],
      policy({ allowedScopes: [`/subscriptions/${SUB}/resourceGroups/rg-checkout`] }),
    );
    expect(plan[0]).toMatchObject({ kind: "attach-user-identity", decision: "report-only" });
    expect(plan[0]?.why).toContain("outside the allowlist");
    expect(plan.some((s) => s.decision === "apply")).toBe(false);
  });

  it("identity-not-attached + pull-role-missing for the same UAMI: attach, then grant", () => {
    const plan = planFixes(
      facts(),
      [
        finding("pull-role-missing", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } }),
        finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } }),
      ],
      policy(),
    );
    expect(kinds(plan)).toEqual(["attach-user-identity", "assign-role", "restart-revision"]);
    expect(grant(plan)?.principalId).toBe(UAMI_PRINCIPAL);
  });

  it("registry-not-configured: prefers a UAMI that already pulls, and grants nothing more", () => {
    const f = facts({
      registries: [],
      uamis: [{ id: UAMI_ID, principalId: UAMI_PRINCIPAL }],
      assignments: { [UAMI_PRINCIPAL]: [assignment({ principalId: UAMI_PRINCIPAL })] },
    });
    const plan = planFixes(f, [finding("registry-not-configured", { identity: null })], policy());
    expect(kinds(plan)).toEqual(["add-registry-entry", "restart-revision"]);
    expect(plan[0]).toMatchObject({ server: SERVER, identity: UAMI_ID });
  });

  it("registry-not-configured: falls back to the system identity and grants it pull", () => {
    const f = facts({ registries: [] });
    const plan = planFixes(f, [finding("registry-not-configured", { identity: null })], policy());
    expect(kinds(plan)).toEqual(["assign-role", "add-registry-entry", "restart-revision"]);
    expect(plan[1]).toMatchObject({ identity: "system" });
    expect(stepDependencies(plan, 1)).toEqual([0]);
  });

  it("registry-not-configured on an app with no identity: enable the system identity, grant, add the entry", () => {
    const f = facts({ registries: [], identityType: "None", systemPrincipal: null });
    const plan = planFixes(f, [finding("registry-not-configured", { identity: null })], policy());
    expect(kinds(plan)).toEqual(["enable-system-identity", "assign-role", "add-registry-entry", "restart-revision"]);
  });

  it("registry-not-configured with severity info (anonymous pull) plans nothing", () => {
    expect(
      planFixes(facts({ registries: [] }), [finding("registry-not-configured", { severity: "info" })], policy()),
    ).toEqual([]);
  });

  it("registry-uses-admin-credentials (opt-in): grant first, then switch the entry; needs approval by default", () => {
    const f = facts({
      registries: [{ server: SERVER, identity: null, username: "fabrikamacr", passwordSecretRef: "acr-password" }],
    });
    const plan = planFixes(f, [finding("registry-uses-admin-credentials", { identity: null })], policy());
    expect(kinds(plan)).toEqual(["assign-role", "set-registry-identity", "restart-revision"]);
    expect(plan.every((s) => s.decision === "needs-approval")).toBe(true);
    const on = planFixes(
      f,
      [finding("registry-uses-admin-credentials", { identity: null })],
      policy({ optInFixes: ["registry-uses-admin-credentials"] }),
    );
    expect(on.every((s) => s.decision === "apply")).toBe(true);
  });

  it("abac-condition-excludes-repository (opt-in): extends the existing assignment under its own name", () => {
    const existing = assignment({
      name: "0c8b7c2e-1111-4222-8333-444455556666",
      roleDefinitionId: `/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/${REPO_READER}`,
      condition:
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'checkout/api'))",
      conditionVersion: "2.0",
    });
    const f = facts({
      registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }),
      assignments: { [SYSTEM_PRINCIPAL]: [existing] },
    });
    const plan = planFixes(
      f,
      [finding("abac-condition-excludes-repository")],
      policy({ optInFixes: ["abac-condition-excludes-repository"] }),
    );
    const g = grant(plan);
    expect(g).toMatchObject({ name: existing.name, replaces: existing.id, decision: "apply" });
    expect(g?.condition).toContain("'checkout/api'");
    expect(g?.condition).toContain("StringEqualsIgnoreCase 'checkout/web'");
    expect(grant(planFixes(f, [finding("abac-condition-excludes-repository")], policy()))?.decision).toBe(
      "needs-approval",
    );
  });

  it("abac-condition-excludes-repository on an assignment at resource-group scope plans no edit of it (the forbidden list refuses any)", () => {
    const existing = assignment({
      scope: "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg-platform",
      roleDefinitionId: REPO_READER,
      condition:
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'other'))",
    });
    const f = facts({
      registry: registry({ roleAssignmentMode: "AbacRepositoryPermissions" }),
      assignments: { [SYSTEM_PRINCIPAL]: [existing] },
    });
    const plan = planFixes(
      f,
      [finding("abac-condition-excludes-repository")],
      policy({ optInFixes: ["abac-condition-excludes-repository"] }),
    );
    expect(plan.filter((s) => s.kind === "assign-role")).toEqual([]);
  });

  it("role-assignment-propagating: only a restart, not before the window ends", () => {
    const fresh = assignment({ createdOn: "2026-11-22T11:57:00.000Z" });
    const f = facts({ assignments: { [SYSTEM_PRINCIPAL]: [fresh] } });
    const plan = planFixes(f, [finding("role-assignment-propagating", { severity: "warning" })], policy());
    expect(plan).toEqual([
      expect.objectContaining({ kind: "restart-revision", notBefore: "2026-11-22T12:07:00.000Z", decision: "apply" }),
    ]);
  });

  it("role-assignment-propagating on a revision that already runs plans nothing", () => {
    const f = facts({
      revision: { name: "r", runningState: "Running", healthState: "Healthy", provisioningState: "Provisioned" },
    });
    expect(planFixes(f, [finding("role-assignment-propagating", { severity: "warning" })], policy())).toEqual([]);
  });

  it("arm-audience-tokens-disabled (opt-in): enable the policy on the registry", () => {
    const f = facts({ registry: registry({ armAudienceTokens: "disabled" }) });
    const plan = planFixes(
      f,
      [finding("arm-audience-tokens-disabled")],
      policy({ optInFixes: ["arm-audience-tokens-disabled"] }),
    );
    expect(plan[0]).toMatchObject({ kind: "enable-arm-audience-tokens", target: REGISTRY_ID, decision: "apply" });
  });

  it("registry-firewall-blocks-environment (opt-in): allow only the outbound IPs not yet allowed", () => {
    const f = facts({
      registry: registry({ defaultAction: "Deny", ipRules: [{ action: "Allow", value: "51.104.12.0/24" }] }),
      outboundIps: ["51.104.12.9", "20.1.2.3", "20.1.2.4"],
    });
    const plan = planFixes(
      f,
      [finding("registry-firewall-blocks-environment")],
      policy({ optInFixes: ["registry-firewall-blocks-environment"] }),
    );
    expect(plan[0]).toMatchObject({ kind: "allow-registry-ips", ips: ["20.1.2.3", "20.1.2.4"], decision: "apply" });
  });

  it.each([
    "environment-identity-missing",
    "identity-not-found",
    "registry-not-found",
    "registry-cross-tenant",
    "image-not-found",
    "image-quarantined",
    "registry-public-access-disabled",
    "role-assigned-via-group",
    "registry-not-acr",
  ] as const)("%s has no automatic fix: no step", (code) => {
    expect(planFixes(facts(), [finding(code)], policy())).toEqual([]);
  });
});

describe("planFixes ordering", () => {
  it("identity steps, grants, entries, registry policy, then exactly one restart", () => {
    const f = facts({
      identityType: "None",
      systemPrincipal: null,
      registry: registry({ armAudienceTokens: "disabled", defaultAction: "Deny" }),
      outboundIps: ["20.1.2.3"],
    });
    const plan = planFixes(
      f,
      [
        finding("arm-audience-tokens-disabled"),
        finding("registry-firewall-blocks-environment"),
        finding("identity-not-attached", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } }),
        finding("system-identity-disabled", { identity: { ref: "system", principalId: null } }),
        finding("pull-role-missing", { identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL } }),
      ],
      policy({ optInFixes: ["arm-audience-tokens-disabled", "registry-firewall-blocks-environment"] }),
    );
    expect(kinds(plan)).toEqual([
      "enable-system-identity",
      "attach-user-identity",
      "assign-role",
      "assign-role",
      "enable-arm-audience-tokens",
      "allow-registry-ips",
      "restart-revision",
    ]);
  });

  it("the same grant asked for twice is planned once", () => {
    const plan = planFixes(
      facts(),
      [finding("pull-role-missing"), finding("pull-role-missing", { container: "c1" })],
      policy(),
    );
    expect(kinds(plan)).toEqual(["assign-role", "restart-revision"]);
  });

  it("re-submits the template when the app has no revision", () => {
    const plan = planFixes(facts({ revision: null }), [finding("pull-role-missing")], policy());
    expect(plan[1]).toMatchObject({
      kind: "resubmit-template",
      target: APP_ID,
      revisionSuffix: expect.stringMatching(/^pg[0-9a-f]{8}$/),
    });
    expect(planFixes(facts({ revision: null }), [finding("pull-role-missing")], policy())).toEqual(plan);
  });

  it("does not restart a revision that already runs", () => {
    const f = facts({
      revision: { name: "r", runningState: "Running", healthState: "Healthy", provisioningState: "Provisioned" },
    });
    expect(kinds(planFixes(f, [finding("pull-role-missing")], policy()))).toEqual(["assign-role"]);
  });
});

describe("planFixes per policy decision", () => {
  const findings = [finding("pull-role-missing")];

  it("mode off: no steps at all", () => {
    expect(planFixes(facts(), findings, policy({ mode: "off" }))).toEqual([]);
  });

  it("mode report: every step report-only, with why", () => {
    const plan = planFixes(facts(), findings, policy({ mode: "report" }));
    expect(plan.length).toBe(2);
    for (const s of plan)
      expect(s).toMatchObject({ decision: "report-only", why: expect.stringContaining("mode report") });
  });

  it("tag pullguard-mode narrows fix to report or off", () => {
    expect(
      planFixes(facts(), findings, policy({}, { "pullguard-mode": "report" })).every(
        (s) => s.decision === "report-only",
      ),
    ).toBe(true);
    expect(planFixes(facts(), findings, policy({}, { "pullguard-mode": "off" }))).toEqual([]);
    expect(
      planFixes(facts(), findings, policy({ mode: "report" }, { "pullguard-mode": "fix" })).every(
        (s) => s.decision === "report-only",
      ),
    ).toBe(true);
  });

  it("a disabled auto fix becomes report-only, and the restart follows it", () => {
    const plan = planFixes(facts(), findings, policy({ disabledFixes: ["pull-role-missing"] }));
    expect(plan.map((s) => s.decision)).toEqual(["report-only", "report-only"]);
  });

  it("a registry outside the allowlist: the grant is report-only with why", () => {
    const plan = planFixes(facts(), findings, policy({ allowedScopes: [`${APP_ID.split("/providers/")[0]}`] }));
    expect(plan[0]).toMatchObject({ decision: "report-only", why: expect.stringContaining("outside the allowlist") });
    expect(plan[1]?.decision).toBe("report-only");
  });

  it("a grant to the system identity is never stronger than enabling it", () => {
    const f = facts({ identityType: "None", systemPrincipal: null });
    const plan = planFixes(
      f,
      [finding("system-identity-disabled", { identity: { ref: "system", principalId: null } })],
      policy({ allowedScopes: [APP_ID] }),
    );
    expect(plan.map((s) => s.decision)).toEqual(["apply", "report-only", "apply"]);
    const off = planFixes(
      f,
      [finding("system-identity-disabled", { identity: { ref: "system", principalId: null } })],
      policy({ disabledFixes: ["system-identity-disabled"] }),
    );
    expect(off.map((s) => s.decision)).toEqual(["report-only", "report-only", "report-only"]);
  });

  it("is pure: same input, same plan, input untouched", () => {
    const f = facts();
    const before = JSON.stringify(f);
    expect(planFixes(f, findings, policy())).toEqual(planFixes(f, findings, policy()));
    expect(JSON.stringify(f)).toBe(before);
  });
});

describe("the scope test the planner uses for an assignment that covers the registry (assignmentCovers)", () => {
  const group = (name: string) => `/subscriptions/${SUB}/resourceGroups/${name}`;
  const registryIn = (name: string) => `${group(name)}/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;

  it(".../resourceGroups/rg does not cover .../resourceGroups/rg2 or what is in it (a path boundary, not a raw prefix)", () => {
    expect(assignmentCovers(group("rg"), group("rg2"))).toBe(false);
    expect(assignmentCovers(group("rg"), registryIn("rg2"))).toBe(false);
    expect(assignmentCovers(`${group("rg")}/`, registryIn("rg2"))).toBe(false);
  });

  it("covers the group itself and what is in it, in any casing and with a trailing slash", () => {
    expect(assignmentCovers(group("rg"), group("rg"))).toBe(true);
    expect(assignmentCovers(group("rg"), registryIn("rg"))).toBe(true);
    expect(assignmentCovers(`${group("RG")}/`, registryIn("rg").toLowerCase())).toBe(true);
  });
});
