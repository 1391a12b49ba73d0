import { describe, expect, it } from "vitest";
import {
  conditionAdmits,
  extendCondition,
  grantsPullFor,
  imageHost,
  imageRepository,
  repositoryCondition,
} from "../../src/core/pull-grants.js";
import { ACR_PULL, REGISTRY_ID, REPO_READER, SUB } from "./builders.js";

describe("image references", () => {
  it.each([
    ["contoso.azurecr.io/orders/api:1.8.0", "contoso.azurecr.io", "orders/api"],
    ["Contoso.azurecr.io/Orders/API@sha256:abc", "contoso.azurecr.io", "orders/api"],
    ["localhost:5000/api", "localhost:5000", "api"],
    // Docker Hub names an official image under library/ (the repository a registry actually serves).
    ["nginx:1.27", "docker.io", "library/nginx"],
    ["docker.io/library/redis:7", "docker.io", "library/redis"],
  ])("%s → %s / %s", (image, host, repo) => {
    expect(imageHost(image)).toBe(host);
    expect(imageRepository(image)).toBe(repo);
  });
});

describe("conditions", () => {
  const c = repositoryCondition(["web", "api"]);

  it("admits exactly the repositories it names, case-insensitively", () => {
    expect(conditionAdmits(c, "API")).toBe(true);
    expect(conditionAdmits(c, "web")).toBe(true);
    expect(conditionAdmits(c, "web2")).toBe(false);
    expect(conditionAdmits(null, "anything")).toBe(true);
  });

  it("understands StartsWith clauses and refuses shapes it cannot prove", () => {
    const prefix = c.replace("StringEqualsIgnoreCase 'api'", "StringStartsWithIgnoreCase 'backend/'");
    expect(conditionAdmits(prefix, "backend/orders")).toBe(true);
    const anded = c.replace(" OR @Request", " AND @Request");
    expect(conditionAdmits(anded, "api")).toBe(false);
  });

  // v2: Azure evaluates `!(ActionMatches{'<action>'}) OR (...)` as true for any action other than <action>
  // (learn.microsoft.com/azure/role-based-access-control/conditions-format, "How a condition is evaluated").
  const WRITE = "Microsoft.ContainerRegistry/registries/repositories/content/write";
  const READ = "Microsoft.ContainerRegistry/registries/repositories/content/read";
  const DELETE = "Microsoft.ContainerRegistry/registries/repositories/content/delete";
  const onlyApi = "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'api'";

  it("a condition that guards only write actions admits every repository for pull", () => {
    const writeGuard = `((!(ActionMatches{'${WRITE}'})) OR (${onlyApi}))`;
    expect(conditionAdmits(writeGuard, "api")).toBe(true);
    expect(conditionAdmits(writeGuard, "anything/else")).toBe(true);
    const twoWrites = `((!(ActionMatches{'${WRITE}'}) AND !(ActionMatches{'${DELETE}'})) OR (${onlyApi}))`;
    expect(conditionAdmits(twoWrites, "billing/web")).toBe(true);
    expect(conditionAdmits(`!(ActionMatches{'${WRITE}'})`, "billing/web")).toBe(true);
  });

  it("near miss: a guard that names the pull's own action leaves the decision to the repository test", () => {
    const readGuard = `((!(ActionMatches{'${READ}'})) OR (${onlyApi}))`;
    expect(conditionAdmits(readGuard, "api")).toBe(true);
    expect(conditionAdmits(readGuard, "web")).toBe(false);
    const mixed = `((!(ActionMatches{'${WRITE}'}) AND !(ActionMatches{'${READ}'})) OR (${onlyApi}))`;
    expect(conditionAdmits(mixed, "web")).toBe(false);
    // A wildcard over the content actions covers the read too.
    const wildcard = `((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/*'})) OR (${onlyApi}))`;
    expect(conditionAdmits(wildcard, "web")).toBe(false);
    // A lone guard on the read itself admits no pull at all.
    expect(conditionAdmits(`!(ActionMatches{'${READ}'})`, "api")).toBe(false);
  });

  it("extends a condition by a repository, keeping what it admitted", () => {
    const extended = extendCondition(c, ["orders/api"]);
    for (const r of ["api", "web", "orders/api"]) expect(conditionAdmits(extended, r)).toBe(true);
    expect(conditionAdmits(extended, "other")).toBe(false);
    expect(extendCondition(c, ["api"])).toBe(c);
  });
});

describe("grantsPullFor", () => {
  const legacy = { id: REGISTRY_ID, roleAssignmentMode: "LegacyRegistryPermissions" };
  const abac = { id: REGISTRY_ID, roleAssignmentMode: "AbacRepositoryPermissions" };
  const a = (role: string, scope = REGISTRY_ID, condition: string | null = null) => ({
    scope,
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    condition,
  });

  it("follows the registry's mode", () => {
    expect(grantsPullFor(a(ACR_PULL), legacy, ["api"], {})).toBe(true);
    expect(grantsPullFor(a(ACR_PULL), abac, ["api"], {})).toBe(false);
    expect(grantsPullFor(a(REPO_READER), abac, ["api"], {})).toBe(true);
    expect(grantsPullFor(a(REPO_READER), legacy, ["api"], {})).toBe(false);
  });

  it("covers from a parent scope, and needs the condition to admit every repository", () => {
    expect(grantsPullFor(a(ACR_PULL, `/subscriptions/${SUB}`), legacy, ["api"], {})).toBe(true);
    expect(grantsPullFor(a(ACR_PULL, `/subscriptions/${SUB}/resourceGroups/other`), legacy, ["api"], {})).toBe(false);
    expect(grantsPullFor(a(REPO_READER, REGISTRY_ID, repositoryCondition(["api"])), abac, ["api", "web"], {})).toBe(
      false,
    );
  });

  it("reads role definitions when it has them (wildcards, notActions)", () => {
    const defs = {
      "c0ffee00-0000-4000-8000-000000000000": {
        id: "x",
        guid: "c0ffee00-0000-4000-8000-000000000000",
        roleName: "custom",
        roleType: "CustomRole",
        permissions: [
          { actions: ["*/read"], notActions: ["Microsoft.ContainerRegistry/*"], dataActions: [], notDataActions: [] },
        ],
      },
    };
    expect(grantsPullFor(a("c0ffee00-0000-4000-8000-000000000000"), legacy, ["api"], defs)).toBe(false);
  });
});
