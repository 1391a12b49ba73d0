/**
 * The registry-side codes: where the registry is, whether it takes the token and the traffic, and whether the image is
 * there. registry-not-found, registry-cross-tenant, arm-audience-tokens-disabled, registry-public-access-disabled,
 * registry-firewall-blocks-environment, image-not-found (image-quarantined and image-platform-unsupported: image.test.ts).
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import type { NetworkFacts, PullFacts } from "../../../src/core/facts.js";
import { CASES, REGISTRY_ID_SUB2 } from "./scenarios.js";
import {
  APP_ID,
  assignment,
  codes,
  ENV_ID,
  environmentFacts,
  expectFinding,
  factsWith,
  forbidden,
  IMAGE,
  OTHER_TENANT,
  REGISTRY,
  REGISTRY_ID,
  ROLE,
  SERVER,
  SUB,
  SUB2,
  SYSTEM,
  SYSTEM_PRINCIPAL,
  setAssignments,
  setRegistry,
  TENANT,
  theFinding,
  UAMI_ID,
  UAMI_PRINCIPAL,
  useUami,
} from "./world.js";

const NET = `/subscriptions/${SUB}/resourceGroups/rg-network/providers/Microsoft.Network`;
const VNET_A = `${NET}/virtualNetworks/vnet-apps`;
const VNET_HUB = `${NET}/virtualNetworks/vnet-hub`;
const PE_ID = `${NET}/privateEndpoints/pe-fabrikamacr`;
const ZONE_ID = `${NET}/privateDnsZones/privatelink.azurecr.io`;

/** A complete private path from the VNet-integrated environment to fabrikamacr; `change` breaks one part. */
function withPrivatePath(facts: PullFacts, change: (n: NetworkFacts) => void = () => undefined): void {
  facts.environment = {
    readable: true,
    found: true,
    ...environmentFacts({ infrastructureSubnetId: `${VNET_A}/subnets/snet-aca`, internal: true }),
  };
  const network: NetworkFacts = {
    privateEndpoints: {
      readable: true,
      found: true,
      items: [
        {
          id: PE_ID,
          subnetId: `${VNET_A}/subnets/snet-pe`,
          connections: [{ privateLinkServiceId: REGISTRY_ID, status: "Approved" }],
        },
      ],
    },
    virtualNetworks: { readable: true, found: true, items: [{ id: VNET_A, peerings: [] }] },
    privateDnsZones: {
      readable: true,
      found: true,
      items: [
        {
          id: ZONE_ID,
          name: "privatelink.azurecr.io",
          linkedVirtualNetworkIds: [VNET_A],
          aRecordNames: ["fabrikamacr", "fabrikamacr.northeurope.data"],
        },
      ],
    },
  };
  change(network);
  facts.network = network;
  const registry = facts.registries[SERVER];
  if (registry?.readable && registry.found)
    registry.privateEndpointConnections = [{ privateEndpointId: PE_ID, status: "Approved" }];
}

describe("registry-not-found", () => {
  it("no readable subscription has the login server: error, registry id null, no role or tag findings", () => {
    const facts = CASES["registry-not-found"]();
    const f = theFinding(facts, "registry-not-found");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: { server: SERVER, id: null },
      identity: SYSTEM,
      evidence: [
        { resource: APP_ID, path: "properties.template.containers[0].image", value: IMAGE },
        { path: "properties.loginServer", value: SERVER },
      ],
      fix: false,
    });
    setAssignments(facts, SYSTEM_PRINCIPAL, []);
    expect(codes(facts)).toEqual(["registry-not-found"]);
  });

  it("near miss: a 403 on the registry is check-incomplete, never registry-not-found", () => {
    const facts = factsWith((f) => {
      f.registries[SERVER] = forbidden(REGISTRY_ID);
    });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});

describe("registry-cross-tenant", () => {
  it("registry in another tenant than the identity: error, and no role finding although no role is held", () => {
    const facts = CASES["registry-cross-tenant"]();
    const f = theFinding(facts, "registry-cross-tenant");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: { server: SERVER, id: REGISTRY_ID_SUB2 },
      identity: SYSTEM,
      evidence: [
        { resource: `/subscriptions/${SUB2}`, path: "tenantId", value: OTHER_TENANT },
        { resource: APP_ID, path: "identity.tenantId", value: TENANT },
      ],
      fix: false,
    });
    expect(codes(facts)).toEqual(["registry-cross-tenant"]);
  });

  it("suppresses every role finding for that registry: ABAC with legacy roles, conditions, unreadable assignments", () => {
    const abac = CASES["registry-cross-tenant"]();
    setRegistry(abac, { roleAssignmentMode: "AbacRepositoryPermissions" });
    setAssignments(abac, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { scope: REGISTRY_ID_SUB2 })]);
    expect(codes(abac)).toEqual(["registry-cross-tenant"]);

    const fresh = CASES["registry-cross-tenant"]();
    setAssignments(fresh, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { scope: REGISTRY_ID_SUB2, createdOn: null })]);
    expect(codes(fresh)).toEqual(["registry-cross-tenant"]);

    const unreadable = CASES["registry-cross-tenant"]();
    unreadable.roleAssignments[SYSTEM_PRINCIPAL] = forbidden(`/subscriptions/${SUB2}`);
    expect(codes(unreadable)).toEqual(["registry-cross-tenant"]);
  });

  it("quotes a user-assigned identity's own tenant", () => {
    const facts = CASES["registry-cross-tenant"]();
    useUami(facts);
    const f = theFinding(facts, "registry-cross-tenant");
    expect(f.identity).toEqual({ ref: UAMI_ID, principalId: UAMI_PRINCIPAL });
    expect(f.evidence).toContainEqual({ resource: UAMI_ID, path: "properties.tenantId", value: TENANT });
  });

  it("near miss: the same tenant ID in another case and another subscription → not cross-tenant", () => {
    const facts = CASES["registry-cross-tenant"]();
    facts.subscriptionTenants[SUB2] = TENANT.toUpperCase();
    setAssignments(facts, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { scope: REGISTRY_ID_SUB2 })]);
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: the registry's tenant is unknown → no cross-tenant claim (roles are evaluated instead)", () => {
    const facts = CASES["registry-cross-tenant"]();
    delete facts.subscriptionTenants[SUB2];
    expect(codes(facts)).toEqual(["pull-role-missing"]);
  });
});

describe("arm-audience-tokens-disabled", () => {
  it("azureADAuthenticationAsArmPolicy disabled with a managed identity entry: error, opt-in fix enabling it", () => {
    const f = theFinding(CASES["arm-audience-tokens-disabled"](), "arm-audience-tokens-disabled");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        {
          resource: REGISTRY_ID,
          path: "properties.policies.azureADAuthenticationAsArmPolicy.status",
          value: "disabled",
        },
      ],
      fix: false,
    });
    expect(f.fix?.az).toBe("az acr config authentication-as-arm update --registry fabrikamacr --status enabled");
  });

  it("is also found for a registry entry no image uses (container null)", () => {
    const facts = CASES["arm-audience-tokens-disabled"]();
    facts.app.containers = [];
    facts.manifests = {};
    const f = theFinding(facts, "arm-audience-tokens-disabled");
    expect(f.container).toBeNull();
    expect(f.image).toBeNull();
  });

  it("near miss: the entry signs in with a username and password (no ARM token involved)", () => {
    const facts = CASES["registry-uses-admin-credentials"]();
    setRegistry(facts, { armAudienceTokens: "disabled" });
    expect(codes(facts)).toEqual(["registry-uses-admin-credentials"]);
  });

  it("near miss: the policy is enabled (the default)", () => {
    expect(codes(factsWith((f) => setRegistry(f, { armAudienceTokens: "Enabled" })))).toEqual([]);
  });
});

describe("registry-public-access-disabled", () => {
  it("public access Disabled and the environment is not VNet-integrated: error naming the missing part, report only", () => {
    const f = theFinding(CASES["registry-public-access-disabled"](), "registry-public-access-disabled");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: REGISTRY_ID, path: "properties.publicNetworkAccess", value: "Disabled" },
        {
          resource: ENV_ID,
          path: "private path",
          value: ["the environment is not VNet-integrated (no infrastructureSubnetId)"],
        },
      ],
      fix: false,
    });
  });

  it("near miss: a complete private path (Approved endpoint in the VNet, linked zone, registry + data records)", () => {
    const facts = CASES["registry-public-access-disabled"]();
    withPrivatePath(facts);
    expect(diagnose(facts)).toEqual({ verdict: "healthy", findings: [] });
  });

  it("near miss: the endpoint sits in a Connected peer of the environment's VNet", () => {
    const facts = CASES["registry-public-access-disabled"]();
    withPrivatePath(facts, (n) => {
      if (n.privateEndpoints.readable && n.privateEndpoints.found)
        n.privateEndpoints.items[0] = {
          ...n.privateEndpoints.items[0],
          subnetId: `${VNET_HUB}/subnets/snet-pe`,
        } as never;
      n.virtualNetworks = {
        readable: true,
        found: true,
        items: [{ id: VNET_A, peerings: [{ remoteVirtualNetworkId: VNET_HUB, peeringState: "Connected" }] }],
      };
    });
    expect(codes(facts)).toEqual([]);
  });

  it.each([
    [
      "the data endpoint's A record is missing",
      (n: NetworkFacts) => {
        const zone = n.privateDnsZones.readable && n.privateDnsZones.found ? n.privateDnsZones.items[0] : undefined;
        if (zone) zone.aRecordNames = ["fabrikamacr"];
      },
      "A record fabrikamacr.northeurope.data in privatelink.azurecr.io",
    ],
    [
      "the zone is not linked to the environment's VNet",
      (n: NetworkFacts) => {
        const zone = n.privateDnsZones.readable && n.privateDnsZones.found ? n.privateDnsZones.items[0] : undefined;
        if (zone) zone.linkedVirtualNetworkIds = [VNET_HUB];
      },
      "a privatelink.azurecr.io DNS zone linked to the environment's VNet",
    ],
    [
      "the endpoint's peer VNet is only Initiated",
      (n: NetworkFacts) => {
        const pe = n.privateEndpoints.readable && n.privateEndpoints.found ? n.privateEndpoints.items[0] : undefined;
        if (pe) pe.subnetId = `${VNET_HUB}/subnets/snet-pe`;
        n.virtualNetworks = {
          readable: true,
          found: true,
          items: [{ id: VNET_A, peerings: [{ remoteVirtualNetworkId: VNET_HUB, peeringState: "Initiated" }] }],
        };
      },
      "an Approved private endpoint to the registry in the environment's (or a peered) VNet",
    ],
  ])("%s → the finding names it", (_what, breakIt, missing) => {
    const facts = CASES["registry-public-access-disabled"]();
    withPrivatePath(facts, breakIt);
    const f = theFinding(facts, "registry-public-access-disabled");
    expect(f.evidence).toContainEqual({ resource: ENV_ID, path: "private path", value: [missing] });
  });

  it("the endpoint's connection is only Pending on the registry → missing endpoint", () => {
    const facts = CASES["registry-public-access-disabled"]();
    withPrivatePath(facts);
    setRegistry(facts, { privateEndpointConnections: [{ privateEndpointId: PE_ID, status: "Pending" }] });
    expect(codes(facts)).toEqual(["registry-public-access-disabled"]);
  });

  it("near miss: the network facts are unreadable → check-incomplete, not a claim that the path is missing", () => {
    const facts = CASES["registry-public-access-disabled"]();
    withPrivatePath(facts, (n) => {
      n.privateDnsZones = forbidden(`/subscriptions/${SUB}/providers/Microsoft.Network/privateDnsZones`);
    });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});

describe("registry-firewall-blocks-environment", () => {
  it("Deny by default and one of two outbound IPs not allowed: error (intermittent), opt-in fix adding only that IP", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    const f = theFinding(facts, "registry-firewall-blocks-environment");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: IMAGE,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: REGISTRY_ID, path: "properties.networkRuleSet.defaultAction", value: "Deny" },
        { resource: REGISTRY_ID, path: "properties.networkRuleSet.ipRules", value: ["20.31.4.0/24"] },
        { resource: APP_ID, path: "properties.outboundIpAddresses", value: ["20.31.4.17", "52.174.8.33"] },
      ],
      fix: false,
    });
    expect(f.message).toMatch(/intermittent/);
    expect(f.message).toMatch(/NAT gateway/);
    expect(f.fix?.az).toBe(
      "az acr network-rule add --name fabrikamacr --resource-group rg-platform --ip-address 52.174.8.33",
    );
  });

  it("every outbound IP blocked: the message says every pull fails, not intermittently", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    facts.app.outboundIpAddresses = ["52.174.8.33", "52.174.8.34"];
    const f = theFinding(facts, "registry-firewall-blocks-environment");
    expect(f.message).not.toMatch(/intermittent/);
    expect(f.fix?.az.split(" && ")).toHaveLength(2);
  });

  it("networkRuleBypassOptions AzureServices does not help (ACA is not a trusted service)", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    setRegistry(facts, { networkRuleBypassOptions: "AzureServices" });
    expect(codes(facts)).toEqual(["registry-firewall-blocks-environment"]);
  });

  it("near miss: every outbound IP is allowed (a CIDR and a single address)", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    setRegistry(facts, {
      ipRules: [
        { action: "Allow", value: "20.31.4.0/24" },
        { action: "Allow", value: "52.174.8.33" },
      ],
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: the environment has a complete private path to the registry", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    withPrivatePath(facts);
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: public access Disabled is registry-public-access-disabled instead", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    setRegistry(facts, { publicNetworkAccess: "Disabled" });
    expect(codes(facts)).toEqual(["registry-public-access-disabled"]);
  });

  it("near miss: default action Allow", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    setRegistry(facts, { defaultAction: "Allow" });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: no outbound IPs known → check-incomplete, never a pass or a guess", () => {
    const facts = CASES["registry-firewall-blocks-environment"]();
    facts.app.outboundIpAddresses = [];
    const f = theFinding(facts, "check-incomplete");
    expect(f.evidence).toContainEqual({ resource: APP_ID, path: "properties.outboundIpAddresses", value: [] });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});

describe("image-not-found", () => {
  it("MANIFEST_UNKNOWN: error naming the nearest existing tags, report only", () => {
    const facts = CASES["image-not-found"]();
    const image = `${SERVER}/checkout/web:1.9.0`;
    const f = theFinding(facts, "image-not-found");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image,
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: APP_ID, path: "properties.template.containers[0].image", value: image },
        {
          resource: `https://${SERVER}/v2/checkout/web/manifests/1.9.0`,
          path: "HTTP 404",
          value: "MANIFEST_UNKNOWN",
        },
      ],
      fix: false,
    });
    // Edit distance to 1.9.0: 1.8.0 is 1 away; 1.7.2 and 1.8.1 are 2 away (ties by name); latest is farthest.
    expect(f.message).toMatch(
      /checkout\/web has no tag "1\.9\.0"; nearest tags: 1\.8\.0, 1\.7\.2, 1\.8\.1, latest\.$/i,
    );
    expect(f.fix?.az).toContain("--container-name web");
  });

  it("NAME_UNKNOWN: the repository does not exist", () => {
    const facts = CASES["image-not-found"]();
    facts.manifests[`${SERVER}/checkout/web:1.9.0`] = {
      status: "not-found",
      errorCode: "NAME_UNKNOWN",
      existingTags: [],
    };
    const f = theFinding(facts, "image-not-found");
    expect(f.message).toMatch(/^The repository "checkout\/web" does not exist in fabrikamacr\.azurecr\.io\.$/);
    expect(f.evidence).toContainEqual(expect.objectContaining({ path: "HTTP 404", value: "NAME_UNKNOWN" }));
  });

  it("near miss: the tag exists", () => {
    expect(codes(factsWith(() => undefined))).not.toContain("image-not-found");
  });

  it("near miss: the data plane refused PullGuard's identity → check-incomplete, not image-not-found", () => {
    const facts = factsWith((f) => {
      f.manifests[IMAGE] = {
        status: "unknown",
        reason: "401 UNAUTHORIZED for PullGuard's identity",
        neededRole: "AcrPull",
      };
    });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });
});
