/**
 * The v2 network codes, each with its case and near misses: egress-blocked (NSG rules in priority order with the
 * default rules, private and public destinations), egress-not-proven (routes to an appliance or gateway, CIDR rules
 * PullGuard cannot relate), private-dns-not-proven (custom DNS servers), and how name resolution through a DNS
 * Private Resolver makes the private path present or missing.
 */
import { describe, expect, it } from "vitest";
import type { PullFacts } from "../../../src/core/facts.js";
import {
  applianceRoute,
  hubInboundEndpoint,
  INBOUND_IP,
  type NetworkOptions,
  NSG,
  ROUTE_TABLE,
  ruleset,
  SUBNET_ACA,
  securityRule,
  VNET_HUB,
  VNET_SPOKE,
  withNetwork,
} from "./network-world.js";
import { CASES } from "./scenarios.js";
import { codes, expectFinding, factsWith, forbidden, REGISTRY, SYSTEM, setRegistry, theFinding } from "./world.js";

/** Registry reached privately (public access Disabled) with the given network. */
const privately = (o: NetworkOptions): PullFacts =>
  factsWith((f) => {
    setRegistry(f, { publicNetworkAccess: "Disabled" });
    withNetwork(f, o);
  });

/** Registry reached publicly through its firewall, which admits the app's outbound addresses. */
const publicly = (o: NetworkOptions): PullFacts =>
  factsWith((f) => {
    setRegistry(f, { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "51.104.12.0/24" }] });
    withNetwork(f, { privateEndpoint: false, ...o });
  });

describe("egress-blocked", () => {
  it("an NSG rule denying everything out at 4000 blocks the private endpoint: error naming the rule and the rule to add", () => {
    const f = theFinding(CASES["egress-blocked"](), "egress-blocked");
    expectFinding(f, {
      severity: "error",
      container: "web",
      image: "fabrikamacr.azurecr.io/checkout/web:1.8.0",
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: SUBNET_ACA, path: "properties.networkSecurityGroup.id", value: NSG },
        {
          resource: NSG,
          path: "properties.securityRules[name=deny-all-out]",
          value: { name: "deny-all-out", priority: 4000, access: "Deny", destination: "*" },
        },
      ],
      fix: false,
    });
    expect(f.message).toContain("priority 3990");
    expect(f.message).toContain("10.20.4.5/32");
    expect(f.fix?.az).toContain("--priority 3990 --direction Outbound --access Allow --protocol Tcp");
  });

  it("near miss: an allow to the endpoint's subnet at 300 comes first → healthy", () => {
    const facts = privately({
      nsgRules: [
        securityRule("deny-all-out", 4000, "Deny", "*", { protocol: "*", destinationPortRanges: ["*"] }),
        securityRule("allow-acr-pe", 300, "Allow", "10.20.4.0/24"),
      ],
    });
    expect(codes(facts)).toEqual([]);
  });

  it.each([
    ["the deny is for port 22 only", securityRule("deny-ssh", 200, "Deny", "*", { destinationPortRanges: ["22"] })],
    ["the deny is for UDP", securityRule("deny-udp", 200, "Deny", "*", { protocol: "Udp" })],
    [
      "the deny is towards Internet (the endpoint is in VirtualNetwork)",
      securityRule("deny-internet", 200, "Deny", "Internet"),
    ],
    ["the deny names another CIDR", securityRule("deny-onprem", 200, "Deny", "192.168.0.0/16")],
    [
      "the deny is from another subnet",
      securityRule("deny-from-jump", 200, "Deny", "*", { sourceAddressPrefixes: ["10.99.0.0/24"] }),
    ],
    ["the deny is inbound", securityRule("deny-in", 200, "Deny", "*", { direction: "Inbound" })],
  ])("near miss over the private path: %s → healthy", (_what, rule) => {
    expect(codes(privately({ nsgRules: [rule] }))).toEqual([]);
  });

  it("a deny of VirtualNetwork on 400-500 covers 443 over the private path", () => {
    const facts = privately({
      nsgRules: [securityRule("deny-vnet", 1000, "Deny", "VirtualNetwork", { destinationPortRanges: ["400-500"] })],
    });
    expect(theFinding(facts, "egress-blocked").evidence[1]?.value).toEqual({
      name: "deny-vnet",
      priority: 1000,
      access: "Deny",
      destination: "VirtualNetwork",
    });
  });

  it("over the public path a deny of AzureContainerRegistry blocks; the rule to add names the registry's regional tag", () => {
    const facts = publicly({ nsgRules: [securityRule("deny-acr", 200, "Deny", "AzureContainerRegistry")] });
    const f = theFinding(facts, "egress-blocked");
    expect(f.message).toContain("rule deny-acr (priority 200");
    expect(f.fix?.az).toContain("AzureContainerRegistry.northeurope AzureActiveDirectory");
    expect(f.fix?.az).toContain("--priority 190");
  });

  it("over the public path a deny of Internet at 4096 wins over AllowInternetOutBound (65001)", () => {
    const facts = publicly({ nsgRules: [securityRule("deny-internet", 4096, "Deny", "Internet")] });
    expect(theFinding(facts, "egress-blocked").evidence[1]?.value).toMatchObject({
      name: "deny-internet",
      priority: 4096,
    });
  });

  it("near miss over the public path: a deny of another region's registry tag → healthy", () => {
    expect(
      codes(publicly({ nsgRules: [securityRule("deny-acr-we", 200, "Deny", "AzureContainerRegistry.westeurope")] })),
    ).toEqual([]);
  });

  it("near miss: the registry is open (public, firewall Allow): the network is not read, nothing is judged", () => {
    const facts = factsWith((f) => {
      withNetwork(f, { privateEndpoint: false, nsgRules: [securityRule("deny-all", 100, "Deny", "*")] });
      f.network = null;
    });
    expect(codes(facts)).toEqual([]);
  });
});

describe("egress-not-proven", () => {
  it("a route sending 0.0.0.0/0 to a virtual appliance: warning naming the route and the FQDNs to open", () => {
    const f = theFinding(CASES["egress-not-proven"](), "egress-not-proven");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: "fabrikamacr.azurecr.io/checkout/web:1.8.0",
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [
        { resource: SUBNET_ACA, path: "properties.routeTable.id", value: ROUTE_TABLE },
        {
          resource: ROUTE_TABLE,
          path: "properties.routes[name=default-to-firewall]",
          value: { addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.0.1.4" },
        },
      ],
      fix: false,
    });
    expect(f.message).toContain("fabrikamacr.azurecr.io, *.blob.core.windows.net, login.microsoftonline.com");
    expect(f.message).toContain("10.0.1.4");
  });

  it("with dedicated data endpoints the FQDNs are each regional data endpoint", () => {
    const facts = CASES["egress-not-proven"]();
    setRegistry(facts, { dataEndpointEnabled: true, replicationLocations: ["northeurope", "westeurope"] });
    expect(theFinding(facts, "egress-not-proven").message).toContain(
      "fabrikamacr.azurecr.io, fabrikamacr.northeurope.data.azurecr.io, fabrikamacr.westeurope.data.azurecr.io, login.microsoftonline.com",
    );
  });

  it("a forced tunnel to the VPN gateway is not proven either", () => {
    const facts = publicly({
      routes: [
        { name: "tunnel", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualNetworkGateway", nextHopIpAddress: null },
      ],
    });
    expect(theFinding(facts, "egress-not-proven").message).toContain("sends 0.0.0.0/0 to VirtualNetworkGateway");
  });

  it.each([
    ["0.0.0.0/0 goes to Internet", [{ ...applianceRoute(), nextHopType: "Internet", nextHopIpAddress: null }]],
    [
      "a more specific AzureContainerRegistry route goes to Internet",
      [
        applianceRoute(),
        {
          name: "acr-direct",
          addressPrefix: "AzureContainerRegistry",
          nextHopType: "Internet",
          nextHopIpAddress: null,
        },
      ],
    ],
    ["the appliance route is for on-premises only", [{ ...applianceRoute(), addressPrefix: "192.168.0.0/16" }]],
  ])("near miss: %s → healthy", (_what, routes) => {
    expect(codes(publicly({ routes }))).toEqual([]);
  });

  it("near miss: over a private path the appliance route does not carry the pull → healthy", () => {
    expect(codes(privately({ routes: [applianceRoute()] }))).toEqual([]);
  });

  it("an NSG rule for a CIDR PullGuard cannot relate to the registry's public addresses decides first: warning naming it", () => {
    const facts = publicly({ nsgRules: [securityRule("allow-partner", 200, "Allow", "20.0.0.0/8")] });
    const f = theFinding(facts, "egress-not-proven");
    expect(f.evidence).toContainEqual({
      resource: NSG,
      path: "properties.securityRules[name=allow-partner]",
      value: { name: "allow-partner", priority: 200, access: "Allow", destination: "20.0.0.0/8" },
    });
  });
});

describe("private-dns-not-proven and resolution through a DNS Private Resolver", () => {
  it("custom DNS servers that are no inbound endpoint: warning naming the servers and where to forward azurecr.io", () => {
    const f = theFinding(CASES["private-dns-not-proven"](), "private-dns-not-proven");
    expectFinding(f, {
      severity: "warning",
      container: "web",
      image: "fabrikamacr.azurecr.io/checkout/web:1.8.0",
      registry: REGISTRY,
      identity: SYSTEM,
      evidence: [{ resource: VNET_SPOKE, path: "properties.dhcpOptions.dnsServers", value: ["10.50.0.10"] }],
      fix: false,
    });
    expect(f.message).toContain("forward azurecr.io to 168.63.129.16");
  });

  it("near miss: the spoke's DNS server is the hub resolver's inbound endpoint and the zone is linked to the hub → healthy", () => {
    const facts = privately({
      dnsServers: [INBOUND_IP],
      zoneLinkedTo: [VNET_HUB],
      inboundEndpoints: [hubInboundEndpoint()],
      rulesets: [],
    });
    expect(codes(facts)).toEqual([]);
  });

  it("near miss: a ruleset linked to the spoke forwards azurecr.io. to the hub's inbound endpoint → healthy", () => {
    const facts = privately({
      zoneLinkedTo: [VNET_HUB],
      inboundEndpoints: [hubInboundEndpoint()],
      rulesets: [ruleset("azurecr.io.", [INBOUND_IP])],
    });
    expect(codes(facts)).toEqual([]);
  });

  it("the longest matching domain wins: privatelink.azurecr.io. to an on-premises server beats azurecr.io. to the resolver", () => {
    const rs = ruleset("azurecr.io.", [INBOUND_IP]);
    rs.rules.push({
      name: "onprem",
      domainName: "privatelink.azurecr.io.",
      state: "Enabled",
      targetDnsServers: [{ ipAddress: "192.168.1.53", port: 53 }],
    });
    const facts = privately({ zoneLinkedTo: [VNET_HUB], inboundEndpoints: [hubInboundEndpoint()], rulesets: [rs] });
    const f = theFinding(facts, "private-dns-not-proven");
    expect(f.evidence).toContainEqual({
      resource: VNET_SPOKE,
      path: "forwarding rule targets",
      value: ["192.168.1.53"],
    });
    expect(f.message).toContain("forwarding rule onprem (privatelink.azurecr.io.) of rs-hub");
  });

  it.each([
    [
      "the inbound endpoint's VNet has no zone link either",
      { dnsServers: [INBOUND_IP], zoneLinkedTo: [], inboundEndpoints: [hubInboundEndpoint()], rulesets: [] },
      "inbound endpoint in-hub 10.0.2.4 (vnet-hub), but no privatelink.azurecr.io zone is linked to vnet-hub",
    ],
    [
      "the ruleset's rule is Disabled",
      {
        zoneLinkedTo: [VNET_HUB],
        inboundEndpoints: [hubInboundEndpoint()],
        rulesets: [
          {
            ...ruleset("azurecr.io.", [INBOUND_IP]),
            rules: [{ ...ruleset("azurecr.io.", [INBOUND_IP]).rules[0], state: "Disabled" }],
          },
        ],
      },
      "no privatelink.azurecr.io zone is linked to vnet-spoke and no forwarding ruleset linked to it has a rule",
    ],
    [
      "the ruleset is linked to the hub only",
      {
        zoneLinkedTo: [VNET_HUB],
        inboundEndpoints: [hubInboundEndpoint()],
        rulesets: [ruleset("azurecr.io.", [INBOUND_IP], [VNET_HUB])],
      },
      "no forwarding ruleset linked to it",
    ],
    [
      "the rule covers another domain",
      {
        zoneLinkedTo: [VNET_HUB],
        inboundEndpoints: [hubInboundEndpoint()],
        rulesets: [ruleset("contoso.com.", [INBOUND_IP])],
      },
      "no forwarding ruleset linked to it",
    ],
  ])("%s → registry-public-access-disabled names the resolution", (_what, options, why) => {
    const facts = privately(options as NetworkOptions);
    const f = theFinding(facts, "registry-public-access-disabled");
    const missing = f.evidence.find((e) => e.path === "private path")?.value as string[];
    expect(missing.join("; ")).toContain(why);
    expect(codes(facts)).not.toContain("private-dns-not-proven");
  });

  it("a ruleset whose rule points back at its own VNet's endpoint is a loop, not a path", () => {
    const facts = privately({
      zoneLinkedTo: [],
      inboundEndpoints: [{ ...hubInboundEndpoint(), virtualNetworkId: VNET_SPOKE }],
      rulesets: [ruleset(".", [INBOUND_IP])],
    });
    expect(theFinding(facts, "registry-public-access-disabled").message).toContain("loop");
  });
});

describe("an NSG PullGuard cannot read", () => {
  it("is check-incomplete naming the NSG's 403, never a silent pass", () => {
    const facts = privately({ nsgRules: [securityRule("deny-all-out", 4000, "Deny", "*")] });
    if (facts.network) facts.network.securityGroups = forbidden(NSG, "Reader");
    const f = theFinding(facts, "check-incomplete");
    expect(f.evidence[0]).toMatchObject({ resource: NSG, path: "HTTP 403" });
    expect(codes(facts)).toEqual(["check-incomplete"]);
  });

  it("near miss: a subnet without NSG needs no NSG read", () => {
    const facts = privately({});
    if (facts.network) facts.network.securityGroups = forbidden(NSG, "Reader");
    expect(codes(facts)).toEqual([]);
  });
});
