/**
 * check-incomplete (cli.md, a warning): whatever PullGuard could not read is reported with what failed and which role
 * PullGuard would need, and is never a pass: the verdict is at least degraded, and nothing is claimed about the part
 * that could not be read (no registry-not-found for a 403, no pull-role-missing for unreadable assignments, ...).
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import type { PullFacts } from "../../../src/core/facts.js";
import { CASES } from "./scenarios.js";
import {
  APP_ID,
  codes,
  ENV_ID,
  environmentFacts,
  expectFinding,
  factsWith,
  forbidden,
  IMAGE,
  REGISTRY,
  REGISTRY_ID,
  SERVER,
  SUB,
  SYSTEM,
  SYSTEM_PRINCIPAL,
  setRegistry,
  theFinding,
  UAMI_ID,
  UAMI_PRINCIPAL,
  useUami,
} from "./world.js";

function onlyIncomplete(facts: PullFacts) {
  expect(codes(facts)).toEqual(["check-incomplete"]);
  expect(diagnose(facts).verdict).toBe("degraded");
  return theFinding(facts, "check-incomplete");
}

describe("check-incomplete", () => {
  it("role assignments answered 403: warning quoting the failure, fix: give PullGuard Reader; no pull-role-missing", () => {
    const f = onlyIncomplete(CASES["check-incomplete"]());
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        {
          resource: `/subscriptions/${SUB}`,
          path: "HTTP 403",
          value: `AuthorizationFailed: The client does not have authorization to perform action over scope '/subscriptions/${SUB}'.`,
        },
      ],
      fix: false,
    });
    expect(f.message).toMatch(/role assignments/);
    expect(f.message).toMatch(/unproven, not passed/);
    expect(f.fix?.az).toContain('--role "Reader"');
    expect(f.fix?.az).toContain(`--scope /subscriptions/${SUB}`);
  });

  it("the registry in another subscription answered 403: registry id null, no registry-not-found, no role findings", () => {
    const other = `/subscriptions/00000000-1111-4222-8333-444444444444/resourceGroups/rg-x/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
    const facts = factsWith((f) => {
      f.registries[SERVER] = forbidden(other);
    });
    const f = onlyIncomplete(facts);
    expect(f.registry).toEqual({ server: SERVER, id: null });
    expect(f.evidence).toContainEqual(expect.objectContaining({ resource: other, path: "HTTP 403" }));
    expect(f.fix?.az).toContain(`--scope ${other}`);
  });

  it("the registry was not read at all: still reported, with evidence saying what was not read", () => {
    const facts = factsWith((f) => {
      delete f.registries[SERVER];
    });
    const f = onlyIncomplete(facts);
    expect(f.evidence).toEqual([{ resource: SERVER, path: "not read", value: "the registry (it was not read)" }]);
  });

  it("the role assignments were not read: reported, no pull-role-missing invented", () => {
    const facts = factsWith((f) => {
      f.roleAssignments = {};
    });
    const f = onlyIncomplete(facts);
    expect(f.evidence).toEqual([
      { resource: REGISTRY_ID, path: "not read", value: "the identity's role assignments (they were not read)" },
    ]);
  });

  it("a user-assigned identity PullGuard may not read: reported against that identity", () => {
    const facts = factsWith((f) => {
      useUami(f);
      f.userAssignedIdentities[UAMI_ID.toLowerCase()] = forbidden(UAMI_ID);
    });
    const f = onlyIncomplete(facts);
    expect(f.identity).toEqual({ ref: UAMI_ID, principalId: UAMI_PRINCIPAL });
    expect(f.evidence).toContainEqual(expect.objectContaining({ resource: UAMI_ID, path: "HTTP 403" }));
  });

  it("system-environment with an unreadable environment: reported, no environment-identity-missing", () => {
    const facts = CASES["environment-identity-missing"]();
    facts.environment = forbidden(ENV_ID);
    const f = onlyIncomplete(facts);
    expect(f.evidence).toContainEqual(expect.objectContaining({ resource: ENV_ID, path: "HTTP 403" }));
  });

  it("system-environment with an environment that was not read at all: reported, not a silent pass", () => {
    const facts = CASES["environment-identity-missing"]();
    facts.environment = null;
    const f = onlyIncomplete(facts);
    expect(f.identity).toEqual({ ref: "system-environment", principalId: null });
    expect(f.evidence).toEqual([
      {
        resource: ENV_ID,
        path: "not read",
        value: "the managed environment's identity (the environment was not read)",
      },
    ]);
  });

  it("public access Disabled and the network facts unreadable: reported, no registry-public-access-disabled", () => {
    const facts = factsWith((f) => {
      setRegistry(f, { publicNetworkAccess: "Disabled" });
      f.environment = {
        readable: true,
        found: true,
        ...environmentFacts({
          infrastructureSubnetId: `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-apps/subnets/snet-aca`,
        }),
      };
      f.network = {
        privateEndpoints: forbidden(
          `/subscriptions/${SUB}/providers/Microsoft.Network/privateEndpoints`,
          "Network Reader",
        ),
        virtualNetworks: { readable: true, found: true, items: [] },
        privateDnsZones: { readable: true, found: true, items: [] },
      };
    });
    const f = onlyIncomplete(facts);
    expect(f.message).toMatch(/private path to fabrikamacr/);
    expect(f.fix?.summary).toMatch(/Network Reader/);
  });

  it("firewall Deny with network facts not read (VNet-integrated environment): reported, no firewall claim", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    facts.environment = {
      readable: true,
      found: true,
      ...environmentFacts({
        infrastructureSubnetId: `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/vnet-apps/subnets/snet-aca`,
      }),
    };
    facts.network = null;
    const f = onlyIncomplete(facts);
    expect(f.evidence).toEqual([
      {
        resource: REGISTRY_ID,
        path: "not read",
        value: "the private path to fabrikamacr (the network facts were not read)",
      },
    ]);
  });

  it("the data plane refused PullGuard's own identity for the tag check: reported with the role it needs", () => {
    const facts = factsWith((f) => {
      f.manifests[IMAGE] = {
        status: "unknown",
        reason: "401 UNAUTHORIZED: PullGuard's identity may not read checkout/web",
        neededRole: "AcrPull",
      };
    });
    const f = onlyIncomplete(facts);
    expect(f.evidence).toContainEqual({
      resource: `https://${SERVER}/v2/checkout/web/manifests`,
      path: "request",
      value: "401 UNAUTHORIZED: PullGuard's identity may not read checkout/web",
    });
    expect(f.fix?.az).toContain('--role "AcrPull"');
  });

  it("the tag check did not run: reported (no role to suggest, so no fix), evidence names the manifest", () => {
    const facts = factsWith((f) => {
      f.manifests = {};
    });
    const f = onlyIncomplete(facts);
    expect(f.fix).toBeUndefined();
    expect(f.evidence).toEqual([
      {
        resource: `https://${SERVER}/v2/checkout/web/manifests/1.8.0`,
        path: "not read",
        value: "whether the image exists (the tag check did not run)",
      },
    ]);
  });

  it("every check-incomplete has evidence and a warning severity, whatever was missing", () => {
    const broken: Array<(f: PullFacts) => void> = [
      (f) => delete f.registries[SERVER],
      (f) => (f.roleAssignments = {}),
      (f) => (f.manifests = {}),
      (f) => (f.roleAssignments[SYSTEM_PRINCIPAL] = { readable: true, found: false, resource: APP_ID }),
    ];
    for (const change of broken) {
      for (const finding of diagnose(factsWith(change)).findings) {
        expect(finding.code).toBe("check-incomplete");
        expect(finding.severity).toBe("warning");
        expect(finding.evidence.length).toBeGreaterThan(0);
      }
    }
  });

  it("near miss: everything read → no check-incomplete", () => {
    expect(diagnose(factsWith(() => undefined))).toEqual({ verdict: "healthy", findings: [] });
  });

  it("near miss: a registry that is not ACR is out of scope, not incomplete (nothing to read)", () => {
    const facts = CASES["registry-not-acr"]();
    expect(codes(facts)).toEqual(["registry-not-acr"]);
  });
});
