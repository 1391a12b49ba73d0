/**
 * Whether a managed environment reaches a registry (world.md "Rules"): public access and the firewall's IP rules,
 * or a complete private path (VNet-integrated environment, an Approved private endpoint in its VNet or a peered one,
 * a privatelink.azurecr.io zone linked to its VNet with A records for the registry and each data endpoint).
 * Container Apps is not a trusted service: networkRuleBypassOptions does not help it.
 */
import { privateZoneFor } from "./dns.js";
import { egressBlock } from "./egress.js";
import { lowerId } from "./ids.js";
import type { ArmResource, WorldState } from "./state.js";
import { resourcesOfType } from "./world.js";

const vnetOfSubnet = (subnetId: string): string => lowerId(subnetId.replace(/\/subnets\/[^/]+$/i, ""));

function peersOf(state: WorldState, vnetId: string): Set<string> {
  const out = new Set([lowerId(vnetId)]);
  for (const vnet of resourcesOfType(state, "Microsoft.Network/virtualNetworks")) {
    const peerings = (vnet.properties?.virtualNetworkPeerings ?? []) as Array<{ properties?: Record<string, unknown> }>;
    for (const peering of peerings) {
      const remote = (peering.properties?.remoteVirtualNetwork as { id?: string } | undefined)?.id;
      const connected = String(peering.properties?.peeringState ?? "").toLowerCase() === "connected";
      if (!remote || !connected) continue;
      if (lowerId(vnet.id) === lowerId(vnetId)) out.add(lowerId(remote));
      if (lowerId(remote) === lowerId(vnetId)) out.add(lowerId(vnet.id));
    }
  }
  return out;
}

function endpointApproved(registry: ArmResource, endpoint: ArmResource): boolean {
  const connections = (registry.properties?.privateEndpointConnections ?? []) as Array<{
    properties?: Record<string, unknown>;
  }>;
  const entry = connections.find(
    (c) =>
      lowerId(String((c.properties?.privateEndpoint as { id?: string } | undefined)?.id ?? "")) ===
      lowerId(endpoint.id),
  );
  const status = (state?: unknown) => String((state as { status?: string } | undefined)?.status ?? "").toLowerCase();
  if (connections.length > 0) return status(entry?.properties?.privateLinkServiceConnectionState) === "approved";
  const own = [
    ...((endpoint.properties?.privateLinkServiceConnections ?? []) as Array<{ properties?: Record<string, unknown> }>),
    ...((endpoint.properties?.manualPrivateLinkServiceConnections ?? []) as Array<{
      properties?: Record<string, unknown>;
    }>),
  ];
  return own.some(
    (c) =>
      lowerId(String(c.properties?.privateLinkServiceId ?? "")) === lowerId(registry.id) &&
      status(c.properties?.privateLinkServiceConnectionState ?? { status: "Approved" }) === "approved",
  );
}

export function dataEndpointNames(state: WorldState, registry: ArmResource): string[] {
  const regions = new Set([String(registry.location ?? "").toLowerCase()]);
  for (const r of resourcesOfType(state, "Microsoft.ContainerRegistry/registries/replications")) {
    if (lowerId(r.id).startsWith(`${lowerId(registry.id)}/`)) regions.add(String(r.location ?? "").toLowerCase());
  }
  const name = registry.name.toLowerCase();
  return [...regions].filter(Boolean).map((region) => `${name}.${region}.data`);
}

/** What is missing of the private path, or null when it is complete. */
export function missingPrivatePath(
  state: WorldState,
  environment: ArmResource | undefined,
  registry: ArmResource,
): string | null {
  const subnet = environment?.properties?.vnetConfiguration as { infrastructureSubnetId?: string } | undefined;
  if (!subnet?.infrastructureSubnetId) return "the environment is not VNet-integrated";
  const vnet = vnetOfSubnet(subnet.infrastructureSubnetId);
  const reachable = peersOf(state, vnet);
  const endpoint = resourcesOfType(state, "Microsoft.Network/privateEndpoints").find((pe) => {
    const subnetId = String((pe.properties?.subnet as { id?: string } | undefined)?.id ?? "");
    return reachable.has(vnetOfSubnet(subnetId)) && endpointApproved(registry, pe);
  });
  if (!endpoint)
    return "no Approved private endpoint to the registry in the environment's virtual network or a peered one";
  const zone = privateZoneFor(state, vnet, registry);
  if (!zone)
    return "the environment's virtual network does not resolve the registry's name into a privatelink.azurecr.io zone";
  const records = new Set(
    resourcesOfType(state, "Microsoft.Network/privateDnsZones/A")
      .filter((a) => lowerId(a.id).startsWith(`${lowerId(zone.id)}/`))
      .map((a) => a.name.toLowerCase().split("/").at(-1) ?? ""),
  );
  const needed = [registry.name.toLowerCase(), ...dataEndpointNames(state, registry)];
  const missing = needed.filter((n) => !records.has(n));
  return missing.length > 0 ? `no A record for ${missing.join(", ")} in privatelink.azurecr.io` : null;
}

function ipToNumber(ip: string): number | null {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function ipAllowed(ip: string, rule: string): boolean {
  const [base, bits] = rule.split("/");
  const a = ipToNumber(ip);
  const b = ipToNumber(base ?? "");
  if (a === null || b === null) return false;
  const size = bits === undefined ? 32 : Number(bits);
  if (!Number.isInteger(size) || size < 0 || size > 32) return false;
  const block = 2 ** (32 - size);
  return Math.floor(a / block) === Math.floor(b / block);
}

/** Why the network stops a pull: the registry's 403 `DENIED`, or a connection that never answers (no HTTP status). */
export interface NetworkRefusal {
  code: "DENIED" | "TIMEOUT";
  message: string;
}

/** The private endpoint's addresses as the zone the environment resolves in names them (A record `<registry>`). */
function privateAddresses(state: WorldState, subnetId: string, registry: ArmResource): string[] {
  const zone = privateZoneFor(state, vnetOfSubnet(subnetId), registry);
  if (!zone) return [];
  const record = resourcesOfType(state, "Microsoft.Network/privateDnsZones/A").find(
    (a) =>
      lowerId(a.id).startsWith(`${lowerId(zone.id)}/`) &&
      a.name.toLowerCase().split("/").at(-1) === registry.name.toLowerCase(),
  );
  return ((record?.properties?.aRecords ?? []) as Array<{ ipv4Address?: string }>)
    .map((r) => r.ipv4Address ?? "")
    .filter(Boolean);
}

/** Null when the app's environment reaches the registry, else why not (world.md v2, "Network"). */
export function networkBlock(
  state: WorldState,
  app: ArmResource,
  environment: ArmResource | undefined,
  registry: ArmResource,
): NetworkRefusal | null {
  const p = registry.properties ?? {};
  const publicAccess = String(p.publicNetworkAccess ?? "Enabled").toLowerCase() !== "disabled";
  const subnetId = (environment?.properties?.vnetConfiguration as { infrastructureSubnetId?: string } | undefined)
    ?.infrastructureSubnetId;
  const loginServer = String(p.loginServer ?? `${registry.name}.azurecr.io`);
  if (missingPrivatePath(state, environment, registry) === null) {
    const addresses = subnetId ? privateAddresses(state, subnetId, registry) : [];
    if (subnetId && egressBlock(state, subnetId, { kind: "private", addresses })) {
      const ip = addresses[0] ?? "10.0.0.4";
      return { code: "TIMEOUT", message: `Get "https://${loginServer}/v2/": dial tcp ${ip}:443: i/o timeout` };
    }
    return null;
  }
  if (!publicAccess) {
    return {
      code: "DENIED",
      message: `denied: public network access is disabled for registry ${registry.name} and the environment has no private path`,
    };
  }
  const rules = p.networkRuleSet as
    | { defaultAction?: string; ipRules?: Array<{ value?: string; iPAddressOrRange?: string }> }
    | undefined;
  if (String(rules?.defaultAction ?? "Allow").toLowerCase() === "deny") {
    const allowed = (rules?.ipRules ?? []).map((r) => r.value ?? r.iPAddressOrRange ?? "");
    const ips = (app.properties?.outboundIpAddresses ?? []) as string[];
    const blocked = ips.find((ip) => !allowed.some((rule) => ipAllowed(ip, rule)));
    if (ips.length === 0 || blocked !== undefined) {
      return {
        code: "DENIED",
        message: `denied: client with IP '${blocked ?? "unknown"}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
      };
    }
  }
  if (subnetId && egressBlock(state, subnetId, { kind: "public", region: String(registry.location ?? "") })) {
    return {
      code: "TIMEOUT",
      message: `Get "https://${loginServer}/v2/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    };
  }
  return null;
}

/** Child resources ARM keeps inside their parent's properties (an NSG's rules, a route table's routes). */
const EMBEDDED: Record<string, string> = {
  "microsoft.network/networksecuritygroups/securityrules": "securityRules",
  "microsoft.network/routetables/routes": "routes",
};

/**
 * After a PUT or DELETE of a security rule or a route through its own route, mirror it into the parent's array, as
 * ARM does: a GET of the NSG then lists the rule (Microsoft.Network REST spec: SecurityRules_CreateOrUpdate and the
 * NSG's `properties.securityRules`; Routes_CreateOrUpdate and the route table's `properties.routes`).
 */
export function mirrorIntoParent(state: WorldState, type: string, id: string, child: ArmResource | null): void {
  const key = EMBEDDED[type.toLowerCase()];
  if (!key) return;
  const parent = state.resources.get(lowerId(id.replace(/\/[^/]+\/[^/]+$/, "")));
  if (!parent) return;
  if (parent.properties === undefined) parent.properties = {};
  const props = parent.properties;
  const name = id.split("/").at(-1)?.toLowerCase();
  const kept = ((props[key] ?? []) as Array<{ name?: string }>).filter((c) => c.name?.toLowerCase() !== name);
  props[key] = child ? [...kept, { id: child.id, name: child.name, properties: child.properties ?? {} }] : kept;
}
