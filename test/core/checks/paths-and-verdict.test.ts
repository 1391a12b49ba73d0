/**
 * What a diagnosis covers and how it concludes (pull-path.md): every image of containers and initContainers, every
 * registry entry even when no image uses it (container null: the synchronous-rejection case (b)), and the verdict
 * rules: broken on any error, degraded on warnings only, healthy otherwise — info never counts.
 */
import { describe, expect, it } from "vitest";
import { diagnose, verdictOf } from "../../../src/core/diagnose.js";
import type { Finding } from "../../../src/core/finding.js";
import { CASES } from "./scenarios.js";
import {
  APP_ID,
  addContainer,
  assignment,
  codes,
  expectFinding,
  factsWith,
  otherRegistry,
  ROLE,
  SERVER,
  SYSTEM,
  SYSTEM_PRINCIPAL,
  setAssignments,
  theFinding,
} from "./world.js";

const LEGACY = otherRegistry("legacyacr");
const TOOLS = otherRegistry("fabrikamtools");

describe("init containers are diagnosed like containers", () => {
  it("an init container from an ACR the app has no entry for: registry-not-configured on that init container", () => {
    const image = `${TOOLS.loginServer}/db/migrate:3.2.0`;
    const facts = factsWith((f) => {
      addContainer(f, "migrate", image, "init");
      f.registries[TOOLS.loginServer] = { readable: true, found: true, ...TOOLS };
    });
    const f = theFinding(facts, "registry-not-configured");
    expectFinding(f, {
      severity: "error",
      container: "migrate",
      image,
      registry: { server: TOOLS.loginServer, id: TOOLS.id },
      identity: null,
      evidence: [
        { resource: APP_ID, path: "properties.template.initContainers[0].image", value: image },
        { resource: APP_ID, path: "properties.configuration.registries", value: [SERVER] },
      ],
      fix: true,
    });
    expect(diagnose(facts).verdict).toBe("broken");
  });

  it("an init container whose tag is missing: image-not-found on the init container's own evidence path", () => {
    const image = `${SERVER}/checkout/migrate:9.9.9`;
    const facts = factsWith((f) => {
      f.app.containers.unshift({ name: "migrate", image, kind: "init" });
      f.manifests[image] = { status: "not-found", errorCode: "MANIFEST_UNKNOWN", existingTags: ["1.0.0"] };
    });
    const f = theFinding(facts, "image-not-found");
    expect(f.container).toBe("migrate");
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.template.initContainers[0].image",
      value: image,
    });
  });

  it("findings follow template order, one per affected image", () => {
    const facts = CASES["pull-role-missing"]();
    addContainer(facts, "migrate", `${SERVER}/checkout/migrate:1.8.0`, "init");
    addContainer(facts, "worker", `${SERVER}/checkout/worker:1.8.0`);
    expect(diagnose(facts).findings.map((f) => [f.code, f.container])).toEqual([
      ["pull-role-missing", "web"],
      ["pull-role-missing", "migrate"],
      ["pull-role-missing", "worker"],
    ]);
  });
});

describe("registry entries no image uses are diagnosed too (container null)", () => {
  function withUnusedEntry(change: (f: ReturnType<typeof factsWith>) => void = () => undefined) {
    return factsWith((f) => {
      f.app.registries.push({
        server: LEGACY.loginServer,
        identity: "system",
        username: null,
        passwordSecretRef: null,
      });
      f.registries[LEGACY.loginServer] = { readable: true, found: true, ...LEGACY };
      change(f);
    });
  }

  it("the app's identity holds no role on the unused registry: pull-role-missing with container and image null", () => {
    const f = theFinding(withUnusedEntry(), "pull-role-missing");
    expectFinding(f, {
      severity: "error",
      container: null,
      image: null,
      registry: { server: LEGACY.loginServer, id: LEGACY.id },
      identity: SYSTEM,
      evidence: [{ resource: LEGACY.id, path: "properties.roleAssignmentMode", value: "LegacyRegistryPermissions" }],
      fix: true,
    });
    expect(f.message).toMatch(/used by no current image/);
    expect(f.fix?.az).toContain(`--scope ${LEGACY.id}`);
  });

  it("an unused entry in ABAC mode gets a Repository Reader grant without an invented repository", () => {
    const facts = withUnusedEntry((f) => {
      f.registries[LEGACY.loginServer] = {
        readable: true,
        found: true,
        ...LEGACY,
        roleAssignmentMode: "AbacRepositoryPermissions",
      };
    });
    const f = theFinding(facts, "pull-role-missing");
    expect(f.fix?.az).toContain(`--role ${ROLE.repositoryReader}`);
    expect(f.fix?.az).not.toContain("--condition");
  });

  it("an unused entry naming a UAMI the app lacks: identity-not-attached, evidence on that entry's index", () => {
    const uami = `/subscriptions/${LEGACY.subscriptionId}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-legacy`;
    const facts = withUnusedEntry((f) => {
      const entry = f.app.registries[1];
      if (entry) entry.identity = uami;
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.acrPull, { scope: `/subscriptions/${LEGACY.subscriptionId}` }),
      ]);
    });
    const f = theFinding(facts, "identity-not-attached");
    expect(f.container).toBeNull();
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.configuration.registries[1].identity",
      value: uami,
    });
  });

  it("an unused entry needs no tag check (there is no image), so no check-incomplete for it", () => {
    const facts = withUnusedEntry((f) =>
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.acrPull, { scope: `/subscriptions/${LEGACY.subscriptionId}` }),
      ]),
    );
    expect(diagnose(facts)).toEqual({ verdict: "healthy", findings: [] });
  });

  it("an unused entry's server that no subscription has: registry-not-found, quoting the entry's server", () => {
    const facts = withUnusedEntry((f) => {
      f.registries[LEGACY.loginServer] = { readable: true, found: false, resource: LEGACY.loginServer };
    });
    const f = theFinding(facts, "registry-not-found");
    expect(f.container).toBeNull();
    expect(f.evidence).toContainEqual({
      resource: APP_ID,
      path: "properties.configuration.registries[1].server",
      value: LEGACY.loginServer,
    });
  });
});

describe("verdict", () => {
  const of = (...severities: Finding["severity"][]) => verdictOf(severities.map((severity) => ({ severity })));

  it.each([
    [[], "healthy"],
    [["info"], "healthy"],
    [["info", "info"], "healthy"],
    [["warning"], "degraded"],
    [["info", "warning"], "degraded"],
    [["warning", "error"], "broken"],
    [["error", "info"], "broken"],
  ] as const)("severities %j → %s", (severities, verdict) => {
    expect(of(...severities)).toBe(verdict);
  });

  it("the healthy baseline has no finding at all", () => {
    expect(diagnose(factsWith(() => undefined))).toEqual({ verdict: "healthy", findings: [] });
  });

  it("info only (Docker Hub sidecar + old group grant) → healthy", () => {
    const facts = CASES["registry-not-acr"]();
    setAssignments(facts, SYSTEM_PRINCIPAL, [
      assignment(ROLE.acrPull, {
        principalId: "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d",
        principalType: "Group",
        createdOn: null,
      }),
    ]);
    expect(codes(facts)).toEqual(["registry-not-acr", "role-assigned-via-group"]);
    expect(diagnose(facts).verdict).toBe("healthy");
  });

  it("a warning and an info → degraded; adding an error → broken", () => {
    const facts = CASES["image-quarantined"]();
    // v2: a quarantine warning is an image whose state PullGuard could not read.
    for (const image of Object.keys(facts.manifests))
      facts.manifests[image] = { status: "found", digest: null, quarantineState: null };
    facts.app.containers.unshift({ name: "wait", image: "busybox:1.36", kind: "init" });
    expect(diagnose(facts).verdict).toBe("degraded");
    setAssignments(facts, SYSTEM_PRINCIPAL, []);
    expect(diagnose(facts).verdict).toBe("broken");
    expect(codes(facts)).toEqual(["registry-not-acr", "pull-role-missing", "image-quarantined"]);
  });

  it.each(Object.entries(CASES))("%s: the verdict follows the severity of its finding", (_code, make) => {
    const { verdict, findings } = diagnose(make());
    const expected = findings.some((f) => f.severity === "error")
      ? "broken"
      : findings.some((f) => f.severity === "warning")
        ? "degraded"
        : "healthy";
    expect(verdict).toBe(expected);
  });

  it("the same claim seen by two paths is reported once (same code, container, registry and message)", () => {
    // Two entries for the same unused registry: two paths with container null and the same registry.
    const facts = factsWith((f) => {
      const entry = { server: LEGACY.loginServer, identity: "system", username: null, passwordSecretRef: null };
      f.app.registries.push(entry, { ...entry });
      f.registries[LEGACY.loginServer] = { readable: true, found: true, ...LEGACY, publicNetworkAccess: "Disabled" };
      setAssignments(f, SYSTEM_PRINCIPAL, [
        assignment(ROLE.acrPull, { scope: `/subscriptions/${LEGACY.subscriptionId}` }),
      ]);
    });
    expect(codes(facts)).toEqual(["registry-public-access-disabled"]);
    // Two containers on a closed registry: two claims (each names its container), not one.
    const two = CASES["registry-public-access-disabled"]();
    addContainer(two, "worker", `${SERVER}/checkout/worker:1.8.0`);
    expect(diagnose(two).findings.map((f) => [f.code, f.container])).toEqual([
      ["registry-public-access-disabled", "web"],
      ["registry-public-access-disabled", "worker"],
    ]);
  });
});
