// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Bicep and azd text, whose ${...} is theirs, not JavaScript's
import { describe, expect, it } from "vitest";
import {
  checkRbacCondition,
  checkRoleAssignmentNames,
  checkRoleDefinitions,
  checkRoleSet,
  evaluateCondition,
  loadDeployment,
  mutate,
  rbacAdministratorCondition,
  roleAssignments,
} from "./checks.js";

const files = loadDeployment();
const ROLES = "infra/roles.json";
const SUB_ROLES = "infra/app/roles-subscription.bicep";

describe("role definitions", () => {
  it("every role GUID is the built-in role it is named after, and comes from infra/roles.json", () => {
    expect(checkRoleDefinitions(files)).toEqual([]);
    expect(roleAssignments(files).length).toBeGreaterThanOrEqual(12);
  });

  it("near miss: one wrong digit in a GUID fails", () => {
    const broken = mutate(files, ROLES, "7f951dda-4ed3-4680-a7ca-43fe172d538d", "7f951dda-4ed3-4680-a7ca-43fe172d538e");
    expect(checkRoleDefinitions(broken)).toEqual([
      expect.stringContaining("AcrPull is 7f951dda-4ed3-4680-a7ca-43fe172d538e, the built-in role is 7f951dda"),
    ]);
  });

  it("near miss: two roles swapped fails", () => {
    const broken = mutate(
      mutate(
        files,
        ROLES,
        '"Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7"',
        '"Reader": "358470bc-b998-42bd-ab17-a7e34c199c0f"',
      ),
      ROLES,
      '"ContainerAppsContributor": "358470bc-b998-42bd-ab17-a7e34c199c0f"',
      '"ContainerAppsContributor": "acdd72a7-3385-48ef-bd42-f606fba81ae7"',
    );
    expect(checkRoleDefinitions(broken)).toHaveLength(2);
  });

  it("near miss: a GUID pasted into a template instead of roles.X fails", () => {
    const broken = mutate(files, SUB_ROLES, "roles.Reader)", "'acdd72a7-3385-48ef-bd42-f606fba81ae7')");
    expect(checkRoleDefinitions(broken)).toEqual([expect.stringContaining("literal GUID acdd72a7")]);
  });

  it("near miss: Owner in the role table fails", () => {
    const broken = mutate(files, ROLES, '"Reader":', '"Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",\n  "Reader":');
    expect(checkRoleDefinitions(broken)).toEqual([expect.stringContaining("Owner must never be granted")]);
  });
});

describe("role assignments", () => {
  it("each is named guid(scope, principal, role) for the role it grants, to a service principal", () => {
    expect(checkRoleAssignmentNames(files)).toEqual([]);
  });

  it("near miss: a name built from another role fails", () => {
    const broken = mutate(
      files,
      SUB_ROLES,
      "guid(subscription().id, principalId, roles.Reader)",
      "guid(subscription().id, principalId, roles.AcrPull)",
    );
    expect(checkRoleAssignmentNames(broken)).toEqual([
      expect.stringContaining("guid role roles.AcrPull is not the granted roles.Reader"),
    ]);
  });

  it("near miss: a name without the principal fails", () => {
    const broken = mutate(
      files,
      "infra/app/storage.bicep",
      "guid(storage.id, identityPrincipalId, roles.StorageBlobDataOwner)",
      "guid(storage.id, roles.StorageBlobDataOwner)",
    );
    expect(checkRoleAssignmentNames(broken)).toEqual([
      expect.stringContaining("name is not guid(scope, principal, role)"),
    ]);
  });

  it("near miss: a name built from the wrong scope fails", () => {
    const broken = mutate(files, "infra/app/key-vault.bicep", "guid(vault.id,", "guid(resourceGroup().id,");
    expect(checkRoleAssignmentNames(broken)).toEqual([expect.stringContaining("the assignment's scope is vault.id")]);
  });

  it("the identity gets exactly the documented roles, the opt-in ones only when switched on", () => {
    expect(checkRoleSet(files)).toEqual([]);
  });

  it("near miss: the registry-configuration role granted unconditionally fails", () => {
    const broken = mutate(files, SUB_ROLES, "= if (grantWriteRoles && grantRegistryConfiguration) {", "= {");
    expect(checkRoleSet(broken)).toEqual([
      expect.stringContaining("ContainerRegistryContributorAndDataAccessConfigurationAdministrator must be guarded"),
    ]);
  });

  it("near miss: registry data read granted without the opt-in fails", () => {
    const broken = mutate(files, SUB_ROLES, /= if \(grantRegistryDataRead\) \{/, "= if (grantWriteRoles) {");
    expect(checkRoleSet(broken)).toEqual([
      expect.stringContaining("AcrPull must be guarded by /^grantRegistryDataRead$/"),
    ]);
  });

  it("near miss: write roles not tied to fix mode fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "var grantWriteRoles = mode == 'fix'",
      "var grantWriteRoles = mode != 'off'",
    );
    expect(checkRoleSet(broken)).toEqual(["infra/main.bicep: write roles are not tied to mode == 'fix'"]);
  });

  it("near miss: a third opt-in code granting the registry role fails", () => {
    const broken = mutate(
      files,
      "infra/main.bicep",
      "  'registry-firewall-blocks-environment'\n]",
      "  'registry-firewall-blocks-environment'\n  'abac-condition-excludes-repository'\n]",
    );
    expect(checkRoleSet(broken)).toEqual([expect.stringContaining("registryConfigurationFixes is")]);
  });
});

describe("Role Based Access Control Administrator's delegation condition", () => {
  it("lets PullGuard assign or remove only AcrPull and Repository Reader, of service principals", () => {
    expect(checkRbacCondition(files)).toEqual([]);
    const { condition } = rbacAdministratorCondition(files);
    expect(condition).toContain("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]");
    expect(condition).toContain("@Request[Microsoft.Authorization/roleAssignments:PrincipalType]");
  });

  it("near miss: Owner added to the assignable roles fails", () => {
    const broken = mutate(
      files,
      SUB_ROLES,
      "'${roles.AcrPull}, ${roles.ContainerRegistryRepositoryReader}'",
      "'${roles.AcrPull}, ${roles.ContainerRegistryRepositoryReader}, 8e3af657-a8ff-443c-a75c-2fe8c4bcb635'",
    );
    expect(checkRbacCondition(broken)).toEqual([
      "assign Owner: allowed, must be denied",
      "delete an assignment of Owner: allowed, must be denied",
    ]);
  });

  it("near miss: the principal-type constraint dropped fails", () => {
    const broken = mutate(
      files,
      SUB_ROLES,
      " AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\\'ServicePrincipal\\'}",
      "",
    );
    expect(checkRbacCondition(broken)).toEqual([
      "assign AcrPull to a user: allowed, must be denied",
      "assign AcrPull to a group: allowed, must be denied",
    ]);
  });

  it("near miss: the delete clause left out (so deletes are unconstrained) fails", () => {
    const broken = mutate(
      files,
      SUB_ROLES,
      "var rbacAdministratorCondition = '(${writeClause}) AND (${deleteClause})'",
      "var rbacAdministratorCondition = writeClause",
    );
    expect(checkRbacCondition(broken)).toEqual([
      "delete an assignment of Owner: allowed, must be denied",
      "delete an assignment of RoleBasedAccessControlAdministrator: allowed, must be denied",
      "delete a user's AcrPull assignment: allowed, must be denied",
    ]);
  });

  it("near miss: the condition removed fails, and so does a wrong condition version", () => {
    const noCondition = mutate(files, SUB_ROLES, "    condition: rbacAdministratorCondition\n", "");
    expect(checkRbacCondition(noCondition)).toEqual([expect.stringContaining("has no condition")]);
    const oldVersion = mutate(files, SUB_ROLES, "conditionVersion: '2.0'", "conditionVersion: '1.0'");
    expect(checkRbacCondition(oldVersion)).toEqual(["conditionVersion is '1.0', must be '2.0'"]);
  });

  it("the evaluator follows Azure's reading of a condition", () => {
    const c = "((!(ActionMatches{'a/write'})) OR (@Request[x:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {1, 2}))";
    expect(evaluateCondition(c, { action: "a/read" })).toBe(true); // other actions pass without reading attributes
    expect(evaluateCondition(c, { action: "a/write", request: { RoleDefinitionId: "2" } })).toBe(true);
    expect(evaluateCondition(c, { action: "a/write", request: { RoleDefinitionId: "3" } })).toBe(false);
    expect(() => evaluateCondition("a AND b OR c", { action: "x" })).toThrow();
    expect(() => evaluateCondition("(x) AND (y) OR (z)", { action: "x" })).toThrow();
  });
});
