/**
 * Whether outbound TCP 443 from an environment's infrastructure subnet reaches a registry (world.md v2, "Network";
 * pull-path.md v2, `egress-blocked`, `egress-not-proven`): the subnet's NSG rules in priority order, then the default
 * rules AllowVnetOutBound 65000, AllowInternetOutBound 65001, DenyAllOutBound 65500 (learn.microsoft.com/azure/
 * virtual-network/network-security-groups-overview); a private endpoint's address is in `VirtualNetwork`, the
 * registry's public addresses in `Internet`, `AzureCloud[.region]`, `AzureContainerRegistry[.region]`
 * (learn.microsoft.com/azure/virtual-network/service-tags-overview). A CIDR the world cannot relate to the registry's
 * public addresses does not match it (an assumption: the emulator gives the registry no public address). On the
 * public path the most specific route covering the registry (0.0.0.0/0 or one of those tags) that goes to a
 * VirtualAppliance or VirtualNetworkGateway lets the pull through unless the route says `"blocksRegistries": true`
 * (emulator-only). A blocked connection has no HTTP answer: it times out.
 */
import { lowerId } from "./ids.js";
import type { ArmResource, WorldState } from "./state.js";

type Rule = Record<string, unknown>;
const list = (one: unknown, many: unknown): string[] => [
  ...(typeof one === "string" && one ? [one] : []),
  ...(Array.isArray(many) ? (many as string[]) : []),
];

function ipToNumber(ip: string): number | null {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const a = ipToNumber(ip);
  const b = ipToNumber(base ?? "");
  const size = bits === undefined ? 32 : Number(bits);
  if (a === null || b === null || !Number.isInteger(size) || size < 0 || size > 32) return false;
  return Math.floor(a / 2 ** (32 - size)) === Math.floor(b / 2 ** (32 - size));
}

export type Target = { kind: "private"; addresses: string[] } | { kind: "public"; region: string };

function destinationMatches(prefix: string, to: Target): boolean {
  const p = prefix.trim().toLowerCase();
  if (p === "*" || p === "0.0.0.0/0") return true;
  if (to.kind === "private") return p === "virtualnetwork" || to.addresses.some((a) => inCidr(a, p));
  const r = to.region.toLowerCase().replace(/\s+/g, "");
  return [
    "internet",
    "azurecloud",
    `azurecloud.${r}`,
    "azurecontainerregistry",
    `azurecontainerregistry.${r}`,
  ].includes(p);
}

function ruleApplies(rule: Rule, subnetPrefixes: string[], to: Target): boolean {
  const protocol = String(rule.protocol ?? "*").toLowerCase();
  const ports = list(rule.destinationPortRange, rule.destinationPortRanges);
  const sources = list(rule.sourceAddressPrefix, rule.sourceAddressPrefixes);
  const portOk = ports.some((r) => {
    if (r === "*") return true;
    const [from, until] = r.split("-").map(Number);
    return until === undefined ? from === 443 : (from ?? 0) <= 443 && 443 <= until;
  });
  const sourceOk = sources.some((s) => {
    const v = s.toLowerCase();
    if (v === "*" || v === "virtualnetwork") return true;
    return (
      ipToNumber(v.split("/")[0] ?? "") !== null &&
      (subnetPrefixes.length === 0 || subnetPrefixes.some((n) => inCidr(n.split("/")[0] ?? "", v)))
    );
  });
  return (
    String(rule.direction ?? "").toLowerCase() === "outbound" &&
    (protocol === "*" || protocol === "tcp") &&
    portOk &&
    sourceOk &&
    list(rule.destinationAddressPrefix, rule.destinationAddressPrefixes).some((d) => destinationMatches(d, to))
  );
}

const DEFAULTS: Rule[] = [
  {
    name: "AllowVnetOutBound",
    priority: 65000,
    direction: "Outbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefix: "VirtualNetwork",
    destinationAddressPrefix: "VirtualNetwork",
    destinationPortRange: "*",
  },
  {
    name: "AllowInternetOutBound",
    priority: 65001,
    direction: "Outbound",
    access: "Allow",
    protocol: "*",
    sourceAddressPrefix: "*",
    destinationAddressPrefix: "Internet",
    destinationPortRange: "*",
  },
  {
    name: "DenyAllOutBound",
    priority: 65500,
    direction: "Outbound",
    access: "Deny",
    protocol: "*",
    sourceAddressPrefix: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "*",
  },
];

function routeRank(prefix: string, region: string): number | null {
  const p = prefix.trim().toLowerCase();
  const r = region.toLowerCase().replace(/\s+/g, "");
  const order = ["0.0.0.0/0", "azurecloud", `azurecloud.${r}`, "azurecontainerregistry", `azurecontainerregistry.${r}`];
  const i = order.indexOf(p);
  return i < 0 ? null : i;
}

/** Null when the subnet lets the pull out, else the reason (the NSG rule or the route that stops it). */
export function egressBlock(state: WorldState, subnetId: string, to: Target): string | null {
  const vnet = state.resources.get(lowerId(subnetId.replace(/\/subnets\/[^/]+$/i, "")));
  const subnets = (vnet?.properties?.subnets ?? []) as Array<{ id?: string; name?: string; properties?: Rule }>;
  const subnetName = subnetId.split("/").at(-1)?.toLowerCase();
  const subnet = subnets.find((s) =>
    s.id ? lowerId(s.id) === lowerId(subnetId) : s.name?.toLowerCase() === subnetName,
  );
  const p = subnet?.properties ?? {};
  const prefixes = list(p.addressPrefix, p.addressPrefixes);
  const nsgId = (p.networkSecurityGroup as { id?: string } | undefined)?.id;
  const nsg: ArmResource | undefined = nsgId ? state.resources.get(lowerId(nsgId)) : undefined;
  if (nsg) {
    const own = ((nsg.properties?.securityRules ?? []) as Array<{ name?: string; properties?: Rule }>)
      .map((r) => ({ name: r.name, ...(r.properties ?? {}) }) as Rule)
      .sort((a, b) => Number(a.priority) - Number(b.priority));
    const decisive = [...own, ...DEFAULTS].find((r) => ruleApplies(r, prefixes, to));
    if (decisive && String(decisive.access).toLowerCase() === "deny") {
      return `network security group ${nsg.name} rule ${String(decisive.name)} (priority ${String(decisive.priority)}) denies it`;
    }
  }
  if (to.kind === "private") return null;
  const rtId = (p.routeTable as { id?: string } | undefined)?.id;
  const table = rtId ? state.resources.get(lowerId(rtId)) : undefined;
  const routes = ((table?.properties?.routes ?? []) as Array<{ name?: string; properties?: Rule } & Rule>).map((r) => ({
    name: r.name,
    ...(r.properties ?? {}),
    ...(r.blocksRegistries !== undefined ? { blocksRegistries: r.blocksRegistries } : {}),
  })) as Rule[];
  let best: { route: Rule; rank: number } | null = null;
  for (const route of routes) {
    const rank = routeRank(String(route.addressPrefix ?? ""), to.region);
    if (rank !== null && (!best || rank > best.rank)) best = { route, rank };
  }
  const hop = String(best?.route.nextHopType ?? "").toLowerCase();
  const opaque = hop === "virtualappliance" || hop === "virtualnetworkgateway";
  if (best && opaque && best.route.blocksRegistries === true) {
    return `route ${String(best.route.name)} sends it to ${String(best.route.nextHopType)} ${String(best.route.nextHopIpAddress ?? "")}, which drops it`.trim();
  }
  return null;
}
