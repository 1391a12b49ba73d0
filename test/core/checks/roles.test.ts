/**
 * The role codes, all decided by one access evaluation (pull-access.ts): pull-role-missing, abac-mode-legacy-role-only,
 * abac-condition-excludes-repository, role-assignment-propagating, role-assigned-via-group and the tool code
 * permission-not-proven. Also the role semantics the spec spells out: scope inheritance, which roles grant in which
 * mode (evaluated from the definitions' permissions), custom-role wildcards, ABAC conditions, assignment ages.
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import type { PullFacts, RoleAssignmentFacts } from "../../../src/core/facts.js";
import { CASES } from "./scenarios.js";
import {
  abacCondition,
  addContainer,
  assignment,
  CUSTOM_ROLE,
  codes,
  customRole,
  expectFinding,
  factsWith,
  GROUP_ID,
  IMAGE,
  minutesAgo,
  REGISTRY,
  REGISTRY_ID,
  REPO_NAME,
  REVISION,
  RG_PLATFORM,
  ROLE,
  SERVER,
  SUB,
  SYSTEM,
  SYSTEM_PRINCIPAL,
  setAssignments,
  setRegistry,
  theFinding,
} from "./world.js";

const ABAC = "AbacRepositoryPermissions";

/** The baseline with the system identity holding exactly `items`, in `mode`. */
function holding(items: RoleAssignmentFacts[], mode = "LegacyRegistryPermissions"): PullFacts {
  return factsWith((f) => {
    setRegistry(f, { roleAssignmentMode: mode });
    setAssignments(f, SYSTEM_PRINCIPAL, items);
  });
}

function withCustomRole(facts: PullFacts, permissions: Parameters<typeof customRole>[0]): PullFacts {
  const role = customRole(permissions);
  facts.roleDefinitions[role.guid] = role;
  return facts;
}

const conditioned = (condition: string): RoleAssignmentFacts =>
  assignment(ROLE.repositoryReader, { condition, conditionVersion: "2.0" });

describe("pull-role-missing", () => {
  it("legacy registry, the identity holds only an unrelated role: error, auto fix AcrPull at registry scope", () => {
    const f = theFinding(CASES["pull-role-missing"](), "pull-role-missing");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: REGISTRY_ID, path: "properties.roleAssignmentMode", value: "LegacyRegistryPermissions" },
        {
          resource: REGISTRY_ID,
          path: `roleAssignments?$filter=assignedTo('${SYSTEM_PRINCIPAL}')`,
          value: [
            `${ROLE.keyVaultSecretsUser} @ /subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.KeyVault/vaults/kv-checkout`,
          ],
        },
      ],
      fix: true,
    });
    expect(f.fix?.az).toBe(
      `az role assignment create --assignee-object-id ${SYSTEM_PRINCIPAL} --assignee-principal-type ServicePrincipal --role ${ROLE.acrPull} --scope ${REGISTRY_ID}`,
    );
  });

  it("ABAC registry without any role: the fix is Repository Reader with a condition admitting the app's repositories", () => {
    const facts = holding([], ABAC);
    addContainer(facts, "worker", `${SERVER}/checkout/worker:2.0.1`);
    addContainer(facts, "migrate", `${SERVER}/checkout/migrate:2.0.1`, "init");
    const found = diagnose(facts).findings.filter((x) => x.code === "pull-role-missing");
    expect(found.map((x) => x.container)).toEqual(["web", "worker", "migrate"]);
    const az = found[0]?.fix?.az ?? "";
    expect(az).toContain(`--role ${ROLE.repositoryReader} --scope ${REGISTRY_ID}`);
    expect(az).toContain("--condition-version 2.0");
    for (const repo of ["checkout/web", "checkout/worker", "checkout/migrate"]) expect(az).toContain(`'${repo}'`);
    expect(found[0]?.evidence).toContainEqual(
      expect.objectContaining({ path: "properties.roleAssignmentMode", value: ABAC }),
    );
  });

  it.each([
    ["the registry", REGISTRY_ID],
    ["its resource group", RG_PLATFORM],
    ["its subscription", `/subscriptions/${SUB}`],
    ["the root scope", "/"],
    ["the registry, written in another case with a trailing slash", `${REGISTRY_ID.toLowerCase()}/`],
  ])("near miss: AcrPull at %s covers the registry", (_where, scope) => {
    expect(codes(holding([assignment(ROLE.acrPull, { scope })]))).toEqual([]);
  });

  it.each([
    ["a resource group whose name is a prefix of the registry's", `/subscriptions/${SUB}/resourceGroups/rg-plat`],
    ["a sibling registry whose name starts the same", `${REGISTRY_ID}2`],
    ["another subscription", "/subscriptions/00000000-1111-4222-8333-444444444444"],
    ["a scope below the registry", `${REGISTRY_ID}/scopeMaps/_repositories_pull`],
  ])("AcrPull at %s does not cover the registry → pull-role-missing", (_where, scope) => {
    expect(codes(holding([assignment(ROLE.acrPull, { scope })]))).toEqual(["pull-role-missing"]);
  });

  it("near miss: AcrPull at a management group that ARM lists for the principal covers the registry", () => {
    // ARM lists a management-group assignment for a subscription only when the group is one of its ancestors.
    const scope = "/providers/Microsoft.Management/managementGroups/contoso-platform";
    expect(codes(holding([assignment(ROLE.acrPull, { scope })]))).toEqual([]);
  });

  it.each([
    ["AcrPull", ROLE.acrPull],
    ["AcrPush", ROLE.acrPush],
    ["Reader (*/read)", ROLE.reader],
    ["Contributor (* minus Authorization writes)", ROLE.contributor],
    ["Owner", ROLE.owner],
    ["Container Registry Data Importer and Data Reader", ROLE.dataImporterAndReader],
    ["User Access Administrator (*/read, an inference of the spec's rule)", ROLE.userAccessAdministrator],
  ])("legacy mode: %s grants pull", (_name, role) => {
    expect(codes(holding([assignment(role)]))).toEqual([]);
  });

  it.each([
    ["Container Registry Repository Reader (no effect in legacy mode)", ROLE.repositoryReader],
    ["Container Registry Repository Writer", ROLE.repositoryWriter],
    ["Container Registry Repository Catalog Lister", ROLE.catalogLister],
    ["AcrQuarantineReader (quarantined artifacts only)", ROLE.quarantineReader],
  ])("legacy mode: %s alone → pull-role-missing", (_name, role) => {
    expect(codes(holding([assignment(role)]))).toEqual(["pull-role-missing"]);
  });

  it.each([
    ["Container Registry Repository Reader", ROLE.repositoryReader],
    ["Container Registry Repository Writer", ROLE.repositoryWriter],
    ["Container Registry Repository Contributor", ROLE.repositoryContributor],
    ["Container Registry Data Importer and Data Reader", ROLE.dataImporterAndReader],
  ])("ABAC mode: %s grants pull", (_name, role) => {
    expect(codes(holding([assignment(role)], ABAC))).toEqual([]);
  });

  it.each([
    ["Container Registry Repository Catalog Lister", ROLE.catalogLister],
    ["Key Vault Secrets User", ROLE.keyVaultSecretsUser],
  ])("ABAC mode: %s alone → pull-role-missing (not a legacy role either)", (_name, role) => {
    expect(codes(holding([assignment(role)], ABAC))).toEqual(["pull-role-missing"]);
  });

  it("a definition PullGuard could not read falls back to the spec's table (AcrPull grants in legacy mode)", () => {
    const facts = holding([assignment(ROLE.acrPull)]);
    facts.roleDefinitions = {};
    expect(codes(facts)).toEqual([]);
  });

  it("another principal's AcrPull does not help (the seed world: AcrPull on another identity)", () => {
    const facts = holding([]);
    setAssignments(facts, "99999999-8888-4777-8666-555555555555", [
      assignment(ROLE.acrPull, { principalId: "99999999-8888-4777-8666-555555555555" }),
    ]);
    expect(codes(facts)).toEqual(["pull-role-missing"]);
  });
});

describe("abac-mode-legacy-role-only", () => {
  it("ABAC registry, only AcrPull: error, auto fix Repository Reader with a condition for the app's repositories", () => {
    const facts = CASES["abac-mode-legacy-role-only"]();
    const held = facts.roleAssignments[SYSTEM_PRINCIPAL];
    const acrPull = held?.readable && held.found ? held.items[0] : undefined;
    const f = theFinding(facts, "abac-mode-legacy-role-only");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: REGISTRY_ID, path: "properties.roleAssignmentMode", value: ABAC },
        {
          resource: acrPull?.id ?? "?",
          path: "properties",
          value: {
            role: "AcrPull",
            scope: REGISTRY_ID,
            principalType: "ServicePrincipal",
            createdOn: acrPull?.createdOn,
          },
        },
      ],
      fix: true,
    });
    expect(f.message).toMatch(/AcrPull/);
    expect(f.fix?.az).toContain(`--role ${ROLE.repositoryReader} --scope ${REGISTRY_ID}`);
    expect(f.fix?.az).toContain(`${REPO_NAME} StringEqualsIgnoreCase 'checkout/web'`);
  });

  it.each([
    ["AcrPush", ROLE.acrPush],
    ["Reader (control plane only)", ROLE.reader],
    ["Contributor", ROLE.contributor],
    ["Owner", ROLE.owner],
  ])("ABAC mode: %s alone is a legacy-only role", (_name, role) => {
    expect(codes(holding([assignment(role)], ABAC))).toEqual(["abac-mode-legacy-role-only"]);
  });

  it("the mode is read case-insensitively", () => {
    expect(codes(holding([assignment(ROLE.acrPull)], "abacrepositorypermissions"))).toEqual([
      "abac-mode-legacy-role-only",
    ]);
  });

  it("near miss: the same AcrPull on a legacy registry grants", () => {
    expect(codes(holding([assignment(ROLE.acrPull)]))).toEqual([]);
  });

  it("near miss: AcrPull plus an unconditioned Repository Reader at the resource group", () => {
    const facts = holding([assignment(ROLE.acrPull), assignment(ROLE.repositoryReader, { scope: RG_PLATFORM })], ABAC);
    expect(codes(facts)).toEqual([]);
  });
});

describe("abac-condition-excludes-repository", () => {
  it("the only ABAC grant's condition admits another repository: error, opt-in fix extending that condition", () => {
    const facts = CASES["abac-condition-excludes-repository"]();
    const f = theFinding(facts, "abac-condition-excludes-repository");
    const condition = abacCondition(`${REPO_NAME} StringEqualsIgnoreCase 'checkout/worker'`);
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: REGISTRY_ID, path: "properties.roleAssignmentMode", value: ABAC },
        {
          path: "properties",
          value: {
            role: "Container Registry Repository Reader",
            scope: REGISTRY_ID,
            principalType: "ServicePrincipal",
            condition,
            createdOn: "2026-03-14T09:26:53.000Z",
          },
        },
      ],
      fix: false,
    });
    expect(f.fix?.az).toMatch(/^az role assignment update /);
    expect(f.fix?.az).toContain("5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d");
    expect(f.fix?.az).toContain("'checkout/worker'");
    expect(f.fix?.az).toContain("'checkout/web'");
  });

  it.each([
    ["StringEqualsIgnoreCase in another case", `${REPO_NAME} StringEqualsIgnoreCase 'Checkout/Web'`],
    ["StringStartsWithIgnoreCase on the namespace", `${REPO_NAME} StringStartsWithIgnoreCase 'CHECKOUT/'`],
    ["StringEquals, exact", `${REPO_NAME} StringEquals 'checkout/web'`],
    ["StringLike with a wildcard", `${REPO_NAME} StringLike 'checkout/*'`],
    [
      "one of several OR-ed clauses",
      `${REPO_NAME} StringEqualsIgnoreCase 'billing/api' OR ${REPO_NAME} StringStartsWithIgnoreCase 'checkout/'`,
    ],
    [
      "ForAnyOfAnyValues over a set",
      `${REPO_NAME} ForAnyOfAnyValues:StringEqualsIgnoreCase {'billing/api', 'checkout/web'}`,
    ],
  ])("near miss: a condition admitting the repository (%s) grants", (_what, clause) => {
    expect(codes(holding([conditioned(abacCondition(clause))], ABAC))).toEqual([]);
  });

  it("v2 near miss: a condition guarding only write actions admits every repository for pull: no finding", () => {
    const write = "Microsoft.ContainerRegistry/registries/repositories/content/write";
    const condition = `((!(ActionMatches{'${write}'})) OR (${REPO_NAME} StringEqualsIgnoreCase 'billing/api'))`;
    expect(codes(holding([conditioned(condition)], ABAC))).toEqual([]);
  });

  it("a bare condition without the portal's read guard is understood too", () => {
    expect(codes(holding([conditioned(`${REPO_NAME} StringEqualsIgnoreCase 'checkout/web'`)], ABAC))).toEqual([]);
    expect(codes(holding([conditioned(`${REPO_NAME} StringEqualsIgnoreCase 'checkout/webapp'`)], ABAC))).toEqual([
      "abac-condition-excludes-repository",
    ]);
  });

  it.each([
    ["StringEquals is case-sensitive", `${REPO_NAME} StringEquals 'Checkout/Web'`],
    ["StringStartsWithIgnoreCase on another namespace", `${REPO_NAME} StringStartsWithIgnoreCase 'billing/'`],
    ["a longer name is not a prefix match for StringEquals", `${REPO_NAME} StringEqualsIgnoreCase 'checkout/web2'`],
  ])("%s → excludes", (_what, clause) => {
    expect(codes(holding([conditioned(abacCondition(clause))], ABAC))).toEqual(["abac-condition-excludes-repository"]);
  });

  it("a conditioned grant that excludes wins over a legacy-only AcrPull (the person meant ABAC)", () => {
    const facts = holding(
      [conditioned(abacCondition(`${REPO_NAME} StringEqualsIgnoreCase 'billing/api'`)), assignment(ROLE.acrPull)],
      ABAC,
    );
    expect(codes(facts)).toEqual(["abac-condition-excludes-repository"]);
  });

  it("is reported per image: the container whose repository is admitted has none", () => {
    const facts = CASES["abac-condition-excludes-repository"]();
    addContainer(facts, "worker", `${SERVER}/checkout/worker:2.0.1`);
    expect(diagnose(facts).findings.map((x) => [x.code, x.container])).toEqual([
      ["abac-condition-excludes-repository", "web"],
    ]);
  });

  it("near miss: a registry entry no image uses has no repository, so any condition grants there", () => {
    const facts = CASES["abac-condition-excludes-repository"]();
    facts.app.containers = [];
    facts.manifests = {};
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: in legacy mode the same Repository Reader has no effect at all → pull-role-missing", () => {
    const facts = CASES["abac-condition-excludes-repository"]();
    setRegistry(facts, { roleAssignmentMode: "LegacyRegistryPermissions" });
    expect(codes(facts)).toEqual(["pull-role-missing"]);
  });
});

describe("permission-not-proven", () => {
  it("a custom role granting pull only through a wildcard: warning, fix suggests a direct AcrPull, never automatic", () => {
    const facts = CASES["permission-not-proven"]();
    const f = theFinding(facts, "permission-not-proven");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        {
          path: "properties",
          value: {
            role: "acr-pipeline",
            scope: REGISTRY_ID,
            principalType: "ServicePrincipal",
            createdOn: "2026-03-14T09:26:53.000Z",
          },
        },
      ],
      fix: false,
    });
    expect(f.message).toMatch(/custom role .*wildcard/);
    expect(f.fix?.az).toContain(`--role ${ROLE.acrPull}`);
    expect(diagnose(facts).verdict).toBe("degraded");
  });

  it("near miss: the same custom role with the exact action is proof", () => {
    const facts = withCustomRole(holding([assignment(CUSTOM_ROLE)]), {
      actions: ["Microsoft.ContainerRegistry/registries/pull/read"],
    });
    expect(diagnose(facts)).toEqual({ verdict: "healthy", findings: [] });
  });

  it("a custom role with */read is not proven, while the built-in Reader's */read grants", () => {
    expect(codes(withCustomRole(holding([assignment(CUSTOM_ROLE)]), { actions: ["*/read"] }))).toEqual([
      "permission-not-proven",
    ]);
    expect(codes(holding([assignment(ROLE.reader)]))).toEqual([]);
  });

  it("a custom wildcard that its notActions take back grants nothing → pull-role-missing", () => {
    const facts = withCustomRole(holding([assignment(CUSTOM_ROLE)]), {
      actions: ["Microsoft.ContainerRegistry/*"],
      notActions: ["Microsoft.ContainerRegistry/registries/pull/*"],
    });
    expect(codes(facts)).toEqual(["pull-role-missing"]);
  });

  it("ABAC mode: a custom role's data-action wildcard is not proven, its exact data action is", () => {
    const wildcard = withCustomRole(holding([assignment(CUSTOM_ROLE)], ABAC), {
      dataActions: ["Microsoft.ContainerRegistry/registries/repositories/*"],
    });
    expect(codes(wildcard)).toEqual(["permission-not-proven"]);
    const exact = withCustomRole(holding([assignment(CUSTOM_ROLE)], ABAC), {
      dataActions: ["Microsoft.ContainerRegistry/registries/repositories/content/read"],
    });
    expect(codes(exact)).toEqual([]);
  });

  it.each([
    [
      "AND between two comparisons",
      `(${REPO_NAME} StringStartsWithIgnoreCase 'checkout/' AND ${REPO_NAME} StringNotEquals 'checkout/secret')`,
    ],
    ["another attribute", "@Resource[Microsoft.ContainerRegistry/registries:name] StringEquals 'fabrikamacr'"],
    ["an operator PullGuard does not evaluate", `${REPO_NAME} StringNotEquals 'checkout/secret'`],
  ])("an ABAC condition PullGuard cannot evaluate (%s) → permission-not-proven, never a guess", (_what, condition) => {
    const facts = holding([conditioned(condition)], ABAC);
    const f = theFinding(facts, "permission-not-proven");
    expect(f.message).toMatch(/condition/);
    expect(codes(facts)).toEqual(["permission-not-proven"]);
  });

  it("near miss: an unproven grant next to a proven one → granted, nothing reported", () => {
    const facts = withCustomRole(holding([assignment(CUSTOM_ROLE), assignment(ROLE.acrPull, { scope: RG_PLATFORM })]), {
      actions: ["Microsoft.ContainerRegistry/*"],
    });
    expect(codes(facts)).toEqual([]);
  });

  it("an unproven grant is reported rather than a condition that excludes", () => {
    const facts = holding(
      [
        conditioned(`${REPO_NAME} StringNotEquals 'x'`),
        conditioned(abacCondition(`${REPO_NAME} StringEqualsIgnoreCase 'billing/api'`)),
      ],
      ABAC,
    );
    expect(codes(facts)).toEqual(["permission-not-proven"]);
  });
});

describe("role-assignment-propagating", () => {
  it("the only grant is 3 minutes old: warning, auto fix restarting the revision (no new grant)", () => {
    const facts = CASES["role-assignment-propagating"]();
    const f = theFinding(facts, "role-assignment-propagating");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        {
          path: "properties",
          value: { role: "AcrPull", scope: REGISTRY_ID, principalType: "ServicePrincipal", createdOn: minutesAgo(3) },
        },
      ],
      fix: true,
    });
    expect(f.fix?.az).toBe(
      `az containerapp revision restart --name checkout-web --resource-group rg-checkout --revision ${REVISION}`,
    );
    expect(f.fix?.az).not.toMatch(/role assignment create/);
    expect(diagnose(facts).verdict).toBe("degraded");
  });

  it.each([
    ["9 minutes 59 seconds", 9 + 59 / 60, true],
    ["exactly 10 minutes", 10, false],
    ["11 minutes", 11, false],
  ])("a grant %s old is propagating: %s", (_age, minutes, propagating) => {
    const facts = holding([assignment(ROLE.acrPull, { createdOn: minutesAgo(minutes) })]);
    expect(codes(facts)).toEqual(propagating ? ["role-assignment-propagating"] : []);
  });

  it("near miss: a missing createdOn means an old assignment, never a fresh one", () => {
    expect(codes(holding([assignment(ROLE.acrPull, { createdOn: null })]))).toEqual([]);
  });

  it("near miss: an unparsable createdOn is not fresh either", () => {
    expect(codes(holding([assignment(ROLE.acrPull, { createdOn: "yesterday" })]))).toEqual([]);
  });

  it("near miss: a fresh grant next to an old one that already grants", () => {
    const facts = holding([
      assignment(ROLE.acrPull, { createdOn: minutesAgo(2) }),
      assignment(ROLE.reader, { scope: `/subscriptions/${SUB}`, createdOn: "2025-11-02T10:00:00Z" }),
    ]);
    expect(codes(facts)).toEqual([]);
  });

  it("two fresh grants are still only fresh", () => {
    const facts = holding([
      assignment(ROLE.acrPull, { createdOn: minutesAgo(2) }),
      assignment(ROLE.acrPush, { createdOn: minutesAgo(5) }),
    ]);
    expect(codes(facts)).toEqual(["role-assignment-propagating"]);
  });

  it("a fresh grant that is not honoured does not count (ABAC mode, fresh AcrPull) → abac-mode-legacy-role-only", () => {
    expect(codes(holding([assignment(ROLE.acrPull, { createdOn: minutesAgo(2) })], ABAC))).toEqual([
      "abac-mode-legacy-role-only",
    ]);
  });
});

describe("role-assigned-via-group", () => {
  const viaGroup = (createdOn: string | null): RoleAssignmentFacts =>
    assignment(ROLE.acrPull, { principalId: GROUP_ID, principalType: "Group", createdOn });

  it("pull only through a group assigned 2 hours ago: warning, report only (suggests a direct assignment)", () => {
    const facts = CASES["role-assigned-via-group"]();
    const f = theFinding(facts, "role-assigned-via-group");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        {
          path: "properties",
          value: { role: "AcrPull", scope: REGISTRY_ID, principalType: "Group", createdOn: minutesAgo(120) },
        },
      ],
      fix: false,
    });
    expect(f.fix?.az).toContain(`--assignee-object-id ${SYSTEM_PRINCIPAL}`);
    expect(diagnose(facts).verdict).toBe("degraded");
  });

  it.each([
    ["23 h 59 min", 24 * 60 - 1, "warning"],
    ["exactly 24 h", 24 * 60, "info"],
    ["3 days", 3 * 24 * 60, "info"],
  ])("a group assignment %s old → %s", (_age, minutes, severity) => {
    const facts = holding([viaGroup(minutesAgo(minutes))]);
    expect(theFinding(facts, "role-assigned-via-group").severity).toBe(severity);
  });

  it("an old group grant is info, and info does not count: the verdict stays healthy", () => {
    const facts = holding([viaGroup("2025-06-01T00:00:00Z")]);
    expect(diagnose(facts).verdict).toBe("healthy");
    expect(codes(facts)).toEqual(["role-assigned-via-group"]);
  });

  it("a group assignment without createdOn is old → info, never the fresh warning", () => {
    expect(theFinding(holding([viaGroup(null)]), "role-assigned-via-group").severity).toBe("info");
  });

  it("a group grant 3 minutes old is both propagating and a fresh group grant", () => {
    expect(codes(holding([viaGroup(minutesAgo(3))]))).toEqual([
      "role-assignment-propagating",
      "role-assigned-via-group",
    ]);
  });

  it("near miss: a direct assignment next to the group one", () => {
    expect(codes(holding([viaGroup(minutesAgo(120)), assignment(ROLE.acrPull)]))).toEqual([]);
  });

  it("near miss: a group assignment of a role that does not grant pull is not a grant at all → pull-role-missing", () => {
    const facts = holding([
      assignment(ROLE.catalogLister, { principalId: GROUP_ID, principalType: "Group", createdOn: minutesAgo(60) }),
    ]);
    expect(codes(facts)).toEqual(["pull-role-missing"]);
  });
});
