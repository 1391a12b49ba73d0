/**
 * The app-side codes: how the registry entry is written and which identity it names.
 * registry-not-configured, registry-uses-admin-credentials, identity-not-attached, system-identity-disabled,
 * environment-identity-missing, identity-not-found, registry-not-acr. Each: the case with every field a person checks,
 * and near misses that must not produce the code.
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import { planFixes } from "../../../src/core/plan.js";
import { policy } from "../builders.js";
import { CASES } from "./scenarios.js";
import {
  APP_ID,
  addContainer,
  assignment,
  codes,
  ENV_ID,
  ENV_PRINCIPAL,
  environmentFacts,
  expectFinding,
  factsWith,
  forbidden,
  IMAGE,
  otherRegistry,
  REGISTRY,
  REGISTRY_ID,
  RG_PLATFORM,
  ROLE,
  SERVER,
  SYSTEM_PRINCIPAL,
  setAssignments,
  setRegistry,
  TENANT,
  theFinding,
  UAMI_ID,
  UAMI_PRINCIPAL,
  useUami,
} from "./world.js";

describe("registry-not-configured", () => {
  it("an ACR image whose server has no registries[] entry: error, auto fix adding an entry with the system identity", () => {
    const f = theFinding(CASES["registry-not-configured"](), "registry-not-configured");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: null,
      evidence: [
        { resource: APP_ID, path: "properties.template.containers[0].image", value: IMAGE },
        { resource: APP_ID, path: "properties.configuration.registries", value: [] },
      ],
      fix: true,
    });
    expect(f.fix?.az).toContain(`--server ${SERVER} --identity system`);
  });

  it("lists the entries that exist, and suggests the app's UAMI when it has no system identity", () => {
    const facts = CASES["registry-not-configured"]();
    useUami(facts);
    facts.app.identity.type = "UserAssigned";
    facts.app.registries = [
      { server: "contosoacr.azurecr.io", identity: UAMI_ID, username: null, passwordSecretRef: null },
    ];
    facts.registries["contosoacr.azurecr.io"] = { readable: true, found: false, resource: "contosoacr.azurecr.io" };
    const f = theFinding(facts, "registry-not-configured");
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.configuration.registries",
      value: ["contosoacr.azurecr.io"],
    });
    expect(f.fix?.az).toContain(`--identity ${UAMI_ID}`);
  });

  it("is info, with no fix, when the registry allows anonymous pull (the pull works): the verdict stays healthy", () => {
    const facts = CASES["registry-not-configured"]();
    setRegistry(facts, { anonymousPullEnabled: true });
    const f = theFinding(facts, "registry-not-configured");
    expectFinding(f, {
      severity: "info",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: null,
      evidence: [{ resource: REGISTRY_ID, path: "properties.anonymousPullEnabled", value: true }],
      fix: "absent",
    });
    expect(diagnose(facts).verdict).toBe("healthy");
  });

  it("stays an error when the registry could not be found (anonymous pull is unknown)", () => {
    const facts = CASES["registry-not-configured"]();
    facts.registries[SERVER] = { readable: true, found: false, resource: SERVER };
    const f = theFinding(facts, "registry-not-configured");
    expect(f.severity).toBe("error");
    expect(f.registry).toEqual({ server: SERVER, id: null });
  });

  it("near miss: the entry's server differs only in case and spacing from the image host → configured", () => {
    const facts = factsWith((f) => {
      f.app.registries = [
        { server: " FabrikamACR.AzureCR.io ", identity: "system", username: null, passwordSecretRef: null },
      ];
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: an image host written in upper case still matches the entry", () => {
    const facts = factsWith((f) => {
      f.app.containers = [];
      addContainer(f, "web", "FabrikamACR.azurecr.io/checkout/web:1.8.0");
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: a Docker Hub image without entry is registry-not-acr (info), not registry-not-configured", () => {
    const facts = factsWith((f) => addContainer(f, "proxy", "nginx:1.27"));
    expect(codes(facts)).toEqual(["registry-not-acr"]);
  });

  it("near miss: an entry no image uses produces no registry-not-configured (only images are checked for it)", () => {
    const legacy = otherRegistry("legacyacr");
    const facts = factsWith((f) => {
      f.app.registries.push({
        server: legacy.loginServer,
        identity: "system",
        username: null,
        passwordSecretRef: null,
      });
      f.registries[legacy.loginServer] = { readable: true, found: true, ...legacy };
      setAssignments(f, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { scope: RG_PLATFORM })]);
    });
    expect(codes(facts)).toEqual([]);
  });
});

describe("registry-uses-admin-credentials", () => {
  it("username + passwordSecretRef while the admin user is enabled: warning, opt-in switch to a managed identity", () => {
    const f = theFinding(CASES["registry-uses-admin-credentials"](), "registry-uses-admin-credentials");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: null,
      evidence: [
        { resource: APP_ID, path: "properties.configuration.registries[0].username", value: "fabrikamacr" },
        { resource: APP_ID, path: "properties.configuration.registries[0].passwordSecretRef", value: "acr-password" },
        { resource: REGISTRY_ID, path: "properties.adminUserEnabled", value: true },
      ],
      fix: false,
    });
    expect(f.fix?.az).toContain("--identity system");
    expect(f.fix?.az).not.toMatch(/admin-enabled/);
    expect(diagnose(CASES["registry-uses-admin-credentials"]()).verdict).toBe("degraded");
  });

  it("is an error when adminUserEnabled is false (the stored password cannot work)", () => {
    const facts = CASES["registry-uses-admin-credentials"]();
    setRegistry(facts, { adminUserEnabled: false });
    const f = theFinding(facts, "registry-uses-admin-credentials");
    expect(f.severity).toBe("error");
    expect(f.evidence).toContainEqual({ resource: REGISTRY_ID, path: "properties.adminUserEnabled", value: false });
    expect(diagnose(facts).verdict).toBe("broken");
  });

  it("is found on the entry's index, and a password secret alone (no username) is enough", () => {
    const facts = factsWith((f) => {
      f.app.registries = [
        { server: "legacyacr.azurecr.io", identity: "system", username: null, passwordSecretRef: null },
        { server: SERVER, identity: "", username: null, passwordSecretRef: "acr-token" },
      ];
      f.registries["legacyacr.azurecr.io"] = { readable: true, found: false, resource: "legacyacr.azurecr.io" };
    });
    const f = theFinding(facts, "registry-uses-admin-credentials");
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.configuration.registries[1].passwordSecretRef",
      value: "acr-token",
    });
  });

  it("near miss: an entry with identity system and no credentials", () => {
    expect(codes(factsWith(() => undefined))).not.toContain("registry-uses-admin-credentials");
  });

  it("near miss: credentials for a registry that is not ACR (Docker Hub) are out of scope", () => {
    const facts = factsWith((f) => {
      addContainer(f, "proxy", "docker.io/library/nginx:1.27");
      f.app.registries.push({ server: "docker.io", identity: null, username: "fabrikam", passwordSecretRef: "hub" });
    });
    expect(codes(facts)).toEqual(["registry-not-acr"]);
  });
});

describe("identity-not-attached", () => {
  it("the entry names a UAMI the app does not have: error, auto fix attaching it", () => {
    const f = theFinding(CASES["identity-not-attached"](), "identity-not-attached");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: { ref: UAMI_ID, principalId: UAMI_PRINCIPAL },
      evidence: [
        { resource: APP_ID, path: "properties.configuration.registries[0].identity", value: UAMI_ID },
        { resource: APP_ID, path: "identity.userAssignedIdentities", value: [] },
        { resource: ENV_ID, path: "identity.userAssignedIdentities", value: [] },
      ],
      fix: true,
    });
    expect(f.fix?.az).toContain(`--user-assigned ${UAMI_ID}`);
  });

  /** v2: the entry's UAMI is on the managed environment only (the Azure CLI's `registry set` leaves the app so). */
  function onEnvironmentOnly(options: { readUami: boolean }) {
    const facts = CASES["identity-not-attached"]();
    facts.environment = {
      readable: true,
      found: true,
      ...environmentFacts({
        identity: {
          type: "UserAssigned",
          principalId: null,
          tenantId: null,
          userAssigned: [{ id: UAMI_ID.toUpperCase(), principalId: UAMI_PRINCIPAL, clientId: null }],
        },
      }),
    };
    // Without a read of the UAMI itself, the principal comes from the environment's userAssignedIdentities map.
    if (!options.readUami) delete facts.userAssignedIdentities[UAMI_ID.toLowerCase()];
    return facts;
  }

  it("v2 near miss: the UAMI is on the environment (any case) and holds AcrPull: healthy, nothing attached", () => {
    const facts = onEnvironmentOnly({ readUami: false });
    expect(codes(facts)).toEqual([]);
    expect(planFixes(facts, diagnose(facts).findings, policy())).toEqual([]);
  });

  it("v2: the UAMI is on the environment without a pull role: pull-role-missing for its principal, never an attach", () => {
    const facts = onEnvironmentOnly({ readUami: false });
    setAssignments(facts, UAMI_PRINCIPAL, []);
    const f = theFinding(facts, "pull-role-missing");
    expect(f.identity).toEqual({ ref: UAMI_ID, principalId: UAMI_PRINCIPAL });
    expect(codes(facts)).toEqual(["pull-role-missing"]);
    const plan = planFixes(facts, diagnose(facts).findings, policy());
    expect(plan.map((s) => s.kind)).toEqual(["assign-role"]);
    expect(plan[0]).toMatchObject({ principalId: UAMI_PRINCIPAL, scope: REGISTRY_ID });
  });

  it("v2: the UAMI is on neither, the environment was not read: check-incomplete, no identity-not-attached, no attach", () => {
    const facts = CASES["identity-not-attached"]();
    facts.environment = null;
    expect(codes(facts)).toEqual(["check-incomplete"]);
    const f = theFinding(facts, "check-incomplete");
    expect(f.message).toContain("whether id-pull is attached to the managed environment");
    expect(f.evidence).toEqual([{ resource: ENV_ID, path: "not read", value: expect.stringContaining("id-pull") }]);
    expect(f.fix?.summary).toContain("Reader");
    expect(planFixes(facts, diagnose(facts).findings, policy()).map((s) => s.kind)).not.toContain(
      "attach-user-identity",
    );
  });

  it("v2: the environment could not be read (403): check-incomplete quoting the refusal, no identity-not-attached", () => {
    const facts = CASES["identity-not-attached"]();
    facts.environment = forbidden(ENV_ID);
    expect(codes(facts)).toEqual(["check-incomplete"]);
    const f = theFinding(facts, "check-incomplete");
    expect(f.evidence).toEqual([
      { resource: ENV_ID, path: "HTTP 403", value: expect.stringMatching(/^AuthorizationFailed: /) },
    ]);
  });

  it("still evaluates the UAMI's roles (it exists): a missing pull role is reported too", () => {
    const facts = CASES["identity-not-attached"]();
    setAssignments(facts, UAMI_PRINCIPAL, []);
    expect(codes(facts)).toEqual(["identity-not-attached", "pull-role-missing"]);
  });

  it("near miss: the entry's ID differs from the attached key only in case and a trailing slash", () => {
    const facts = factsWith((f) => {
      useUami(f);
      f.app.registries = [
        {
          server: SERVER,
          identity: `${UAMI_ID.replace("id-pull", "ID-Pull").toUpperCase()}/`,
          username: null,
          passwordSecretRef: null,
        },
      ];
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: a deleted UAMI is identity-not-found, not identity-not-attached (attaching it would fail)", () => {
    const facts = CASES["identity-not-attached"]();
    facts.userAssignedIdentities[UAMI_ID.toLowerCase()] = { readable: true, found: false, resource: UAMI_ID };
    expect(codes(facts)).toEqual(["identity-not-found"]);
  });
});

describe("system-identity-disabled", () => {
  it("entry identity system, app identity UserAssigned only: error, auto fix enabling it", () => {
    const f = theFinding(CASES["system-identity-disabled"](), "system-identity-disabled");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: { ref: "system", principalId: null },
      evidence: [
        { resource: APP_ID, path: "properties.configuration.registries[0].identity", value: "system" },
        { resource: APP_ID, path: "identity.type", value: "UserAssigned" },
      ],
      fix: true,
    });
    expect(f.fix?.az).toContain("--system-assigned");
  });

  it("also with identity type None, and no role finding is invented for the missing principal", () => {
    const facts = factsWith((f) => {
      f.app.identity = { type: "None", principalId: null, tenantId: null, userAssigned: [] };
    });
    expect(codes(facts)).toEqual(["system-identity-disabled"]);
  });

  it("near miss: 'SystemAssigned, UserAssigned' (any case and spacing) has the system identity", () => {
    const facts = factsWith((f) => {
      useUami(f);
      f.app.identity.type = "systemassigned , UserAssigned";
      f.app.registries = [{ server: SERVER, identity: "System", username: null, passwordSecretRef: null }];
    });
    expect(codes(facts)).toEqual([]);
  });
});

describe("environment-identity-missing", () => {
  it("entry identity system-environment, environment without identity: error, fix reported but never automatic", () => {
    const f = theFinding(CASES["environment-identity-missing"](), "environment-identity-missing");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: { ref: "system-environment", principalId: null },
      evidence: [
        { resource: APP_ID, path: "properties.configuration.registries[0].identity", value: "system-environment" },
        { resource: ENV_ID, path: "identity.type", value: "None" },
      ],
      fix: false,
    });
  });

  it("also when the app's environment does not exist (404)", () => {
    const facts = CASES["environment-identity-missing"]();
    facts.environment = { readable: true, found: false, resource: ENV_ID };
    const f = theFinding(facts, "environment-identity-missing");
    expect(f.evidence).toContainEqual({ resource: APP_ID, path: "properties.environmentId", value: ENV_ID });
  });

  it("near miss: the environment has a system identity holding AcrPull → healthy, pulling as that principal", () => {
    const facts = CASES["environment-identity-missing"]();
    facts.environment = {
      readable: true,
      found: true,
      ...environmentFacts({
        identity: { type: "SystemAssigned", principalId: ENV_PRINCIPAL, tenantId: TENANT, userAssigned: [] },
      }),
    };
    setAssignments(facts, ENV_PRINCIPAL, [assignment(ROLE.acrPull, { principalId: ENV_PRINCIPAL })]);
    expect(diagnose(facts)).toEqual({ verdict: "healthy", findings: [] });
  });

  it("near miss: the environment could not be read → check-incomplete, never a claim that the identity is missing", () => {
    const facts = CASES["environment-identity-missing"]();
    facts.environment = forbidden(ENV_ID);
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});

describe("identity-not-found", () => {
  it("the named UAMI answers 404: error naming the identity, report only, no role finding for a deleted principal", () => {
    const facts = CASES["identity-not-found"]();
    setAssignments(facts, UAMI_PRINCIPAL, []);
    const f = theFinding(facts, "identity-not-found");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: { ref: UAMI_ID, principalId: null },
      evidence: [
        { resource: APP_ID, path: "properties.configuration.registries[0].identity", value: UAMI_ID },
        { resource: UAMI_ID, path: "GET", value: "404 ResourceNotFound" },
      ],
      fix: false,
    });
    expect(codes(facts)).toEqual(["identity-not-found"]);
  });

  it("near miss: the UAMI could not be read (403) → check-incomplete, not identity-not-found", () => {
    const facts = factsWith((f) => {
      useUami(f);
      f.userAssignedIdentities[UAMI_ID.toLowerCase()] = forbidden(UAMI_ID);
    });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });

  it("near miss: the UAMI exists and holds AcrPull → healthy", () => {
    expect(diagnose(factsWith(useUami)).verdict).toBe("healthy");
  });
});

describe("registry-not-acr", () => {
  it("an init container from Docker Hub: info on that container, no fix, and the verdict stays healthy", () => {
    const facts = CASES["registry-not-acr"]();
    const f = theFinding(facts, "registry-not-acr");
    expectFinding(f, {
      severity: "info",
      container: "wait-for-db",
      image: "docker.io/library/busybox:1.36",
      registry: { server: "docker.io", id: null },
      identity: null,
      evidence: [
        {
          resource: APP_ID,
          path: "properties.template.initContainers[0].image",
          value: "docker.io/library/busybox:1.36",
        },
      ],
      fix: "absent",
    });
    expect(diagnose(facts).verdict).toBe("healthy");
  });

  it.each([
    ["nginx", "docker.io"],
    ["ghcr.io/fabrikam/otel-collector:0.98", "ghcr.io"],
    ["mcr.microsoft.com/dotnet/aspire-dashboard:9.0", "mcr.microsoft.com"],
    ["fabrikamacr.azurecr.io.evil.example/web:1", "fabrikamacr.azurecr.io.evil.example"],
  ])("%s comes from %s: registry-not-acr", (image, host) => {
    const facts = factsWith((f) => addContainer(f, "sidecar", image));
    const f = theFinding(facts, "registry-not-acr");
    expect(f.registry).toEqual({ server: host, id: null });
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.template.containers[1].image",
      value: image,
    });
  });

  it("near miss: ACR login servers of the China and US Government clouds are ACR", () => {
    const facts = factsWith((f) => {
      addContainer(f, "cn", "fabrikamcn.azurecr.cn/web:1");
      f.registries["fabrikamcn.azurecr.cn"] = { readable: true, found: false, resource: "fabrikamcn.azurecr.cn" };
    });
    expect(codes(facts)).not.toContain("registry-not-acr");
    expect(codes(facts)).toContain("registry-not-configured");
  });

  it("near miss: the baseline app (ACR only) has none", () => {
    expect(codes(factsWith(() => undefined))).toEqual([]);
  });
});
