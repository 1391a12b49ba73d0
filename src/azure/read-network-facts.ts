/**
 * The private path, read only for registries that need it (public access Disabled or firewall Deny), in as few waves
 * as the data allows:
 *
 *   once the registry is known:     its private endpoints, its replications, the private DNS zones of the readable
 *                                   subscriptions (privatelink.azurecr.io)
 *   once the environment is known:  the virtual network of its infrastructure subnet (peerings, DNS servers,
 *                                   subnets with their NSG and route table)
 *   once a zone is known:           its virtual network links and A record sets
 *   once the virtual network is known (v2): the NSG and the route table of the environment's subnet
 *   once the virtual network and every zone are known, and only when the VNet names DNS servers or no
 *   privatelink.azurecr.io zone is linked to it (v2): the DNS Private Resolvers and forwarding rulesets of the
 *                                   subscriptions; then each resolver's inbound endpoints and each ruleset's virtual
 *                                   network links and forwarding rules
 *
 * A public registry that its firewall does not filter is never given to this reader (registryNeedsNetworkFacts), so
 * its diagnosis costs what it did before v2. The DNS resolver resources are read through the generic resources
 * client (`@azure/arm-resources`: list by subscription filtered by type, GET by ID with api-version 2022-07-01 of
 * specification/dnsresolver/resource-manager/Microsoft.Network/stable/2022-07-01/dnsresolver.json), so no
 * @azure/arm-dnsresolver is needed: the list of a resolver's inbound endpoints (`GET {resolver}/inboundEndpoints`)
 * and of a ruleset's links and rules (`GET {ruleset}/virtualNetworkLinks`, `.../forwardingRules`) is such a GET by ID
 * of the collection, whose `value` and `nextLink` are taken from the raw body.
 *
 * `planNetworkReads` is called before each wave with what is known; it returns the reads that can start now and
 * have not started yet. `networkFacts` assembles what was read.
 */
import type { PrivateZone, RecordSet, VirtualNetworkLink } from "@azure/arm-privatedns";
import type { ResourceManagementClient } from "@azure/arm-resources";
import { isAcrPrivateZone } from "../core/acr-host.js";
import {
  type DnsForwardingRulesetFacts,
  type DnsInboundEndpointFacts,
  type EnvironmentFacts,
  isFound,
  type NetworkFacts,
  type NetworkSecurityGroupFacts,
  type NotFound,
  type PrivateDnsZoneFacts,
  type PrivateEndpointFacts,
  type Read,
  type RegistryFacts,
  type RouteTableFacts,
  type Unreadable,
  type VirtualNetworkFacts,
} from "../core/facts.js";
import { groupAndName, parentId } from "./arm-id.js";
import type { AzureClients } from "./clients.js";
import { readerOn, readOrFailure } from "./errors.js";
import {
  forwardingRulesetFactsFrom,
  inboundEndpointFactsFrom,
  networkSecurityGroupFactsFrom,
  privateDnsZoneFactsFrom,
  privateEndpointFactsFrom,
  type RawResource,
  routeTableFactsFrom,
  virtualNetworkFactsFrom,
} from "./network-facts.js";
import { onceEach, type ReadTask } from "./read-results.js";

/** The DNS resolver api-version the generic reads name (the stable version @azure/arm-dnsresolver 1.x uses). */
export const DNS_RESOLVER_API_VERSION = "2022-07-01";

/** Every item of an ARM collection read by GET on its ID through the generic client, following `nextLink`. */
async function listCollection(client: ResourceManagementClient, collectionId: string): Promise<RawResource[]> {
  const items: RawResource[] = [];
  let next: string | null = collectionId;
  let apiVersion = DNS_RESOLVER_API_VERSION;
  while (next) {
    let body: { value?: RawResource[]; nextLink?: string | null } = {};
    await client.resources.getById(next, apiVersion, {
      onResponse: (raw) => {
        body = (raw.parsedBody ?? {}) as typeof body;
      },
    });
    items.push(...(body.value ?? []));
    if (!body.nextLink) break;
    // The nextLink carries its own api-version and skip token: keep them, the SDK adds the api-version again.
    const url: URL = new URL(body.nextLink);
    apiVersion = url.searchParams.get("api-version") ?? DNS_RESOLVER_API_VERSION;
    url.searchParams.delete("api-version");
    next = `${url.pathname}${url.search}`;
  }
  return items;
}

export interface NetworkInputs {
  /** Found registries whose reachability depends on the network. */
  registries: readonly RegistryFacts[];
  /** The app's environment: undefined while unread, null when the app names none. */
  environment: Read<EnvironmentFacts> | null | undefined;
  /** Subscriptions to look for private DNS zones in. */
  zoneSubscriptions: readonly string[];
}

export interface NetworkReading {
  plan(inputs: NetworkInputs): ReadTask[];
  /** Locations of a registry's replications, once read (keyed by lower-cased registry ID). */
  replicationLocations(registryId: string): string[];
  facts(): NetworkFacts | null;
}

type Outcome<T> = T | NotFound | Unreadable;
const isFailure = <T extends object>(value: Outcome<T>): value is NotFound | Unreadable =>
  "readable" in value && (value.readable === false || ("found" in value && value.found === false));

/** What each by-ID read names in its failure ("PullGuard needs Reader on <what>"). */
const RESOURCE_KINDS = {
  pe: "private endpoint",
  vnet: "virtual network",
  nsg: "network security group",
  rt: "route table",
} as const;

export function createNetworkReading(clients: AzureClients): NetworkReading {
  const once = onceEach();
  const endpoints = new Map<string, Outcome<PrivateEndpointFacts>>();
  const networks = new Map<string, Outcome<VirtualNetworkFacts>>();
  const zoneLists = new Map<string, Outcome<{ zones: PrivateZone[] }>>();
  const zones = new Map<string, Outcome<PrivateDnsZoneFacts>>();
  const replications = new Map<string, Outcome<{ locations: string[] }>>();
  const securityGroups = new Map<string, Outcome<NetworkSecurityGroupFacts>>();
  const routeTables = new Map<string, Outcome<RouteTableFacts>>();
  const dnsLists = new Map<string, Outcome<{ resolvers: string[]; rulesets: RawResource[] }>>();
  const inboundEndpoints = new Map<string, Outcome<{ endpoints: DnsInboundEndpointFacts[] }>>();
  const rulesets = new Map<string, Outcome<DnsForwardingRulesetFacts>>();
  let needed = false;
  let dnsNeeded = false;

  /** One GET of a resource by ID, once per run (`kind:id`), into its map; an ID of another shape is NotFound. */
  function readById<T>(
    kind: "pe" | "vnet" | "nsg" | "rt",
    id: string,
    into: Map<string, Outcome<T>>,
    read: (subscriptionId: string, group: string, name: string) => Promise<T>,
  ): ReadTask[] {
    const at = groupAndName(id);
    return once(`${kind}:${id.toLowerCase()}`, async () => {
      const outcome: Outcome<T> = at
        ? await readOrFailure(id, readerOn(`${RESOURCE_KINDS[kind]} ${id}`), () =>
            read(at.subscriptionId, at.resourceGroup, at.name),
          )
        : { readable: true, found: false, resource: id };
      into.set(id.toLowerCase(), outcome);
    });
  }

  function readDnsList(subscriptionId: string): ReadTask[] {
    return once(`dns:${subscriptionId.toLowerCase()}`, async () => {
      const scope = `/subscriptions/${subscriptionId}`;
      const outcome = await readOrFailure(scope, readerOn(`subscription ${subscriptionId}`), async () => {
        const client = clients.resources(subscriptionId);
        const ids = async (type: string): Promise<RawResource[]> => {
          const out: RawResource[] = [];
          for await (const r of client.resources.list({ filter: `resourceType eq '${type}'` }))
            out.push({ id: r.id, name: r.name });
          return out;
        };
        const [resolvers, found] = await Promise.all([
          ids("Microsoft.Network/dnsResolvers"),
          ids("Microsoft.Network/dnsForwardingRulesets"),
        ]);
        return { resolvers: resolvers.map((r) => r.id ?? "").filter(Boolean), rulesets: found };
      });
      dnsLists.set(subscriptionId.toLowerCase(), outcome);
    });
  }

  function readInboundEndpoints(resolverId: string): ReadTask[] {
    const at = groupAndName(resolverId);
    if (!at) return [];
    return once(`inbound:${resolverId.toLowerCase()}`, async () => {
      const outcome = await readOrFailure(resolverId, readerOn(`DNS resolver ${resolverId}`), async () => {
        const raw = await listCollection(clients.resources(at.subscriptionId), `${resolverId}/inboundEndpoints`);
        return { endpoints: raw.map(inboundEndpointFactsFrom).filter((e): e is DnsInboundEndpointFacts => !!e) };
      });
      inboundEndpoints.set(resolverId.toLowerCase(), outcome);
    });
  }

  function readRuleset(ruleset: RawResource): ReadTask[] {
    const id = ruleset.id ?? "";
    const at = groupAndName(id);
    if (!at) return [];
    return once(`ruleset:${id.toLowerCase()}`, async () => {
      const outcome = await readOrFailure(id, readerOn(`DNS forwarding ruleset ${id}`), async () => {
        const client = clients.resources(at.subscriptionId);
        const [links, rules] = await Promise.all([
          listCollection(client, `${id}/virtualNetworkLinks`),
          listCollection(client, `${id}/forwardingRules`),
        ]);
        return forwardingRulesetFactsFrom(ruleset, links, rules);
      });
      rulesets.set(id.toLowerCase(), outcome);
    });
  }

  function readEndpoint(id: string): ReadTask[] {
    return readById("pe", id, endpoints, async (sub, group, name) =>
      privateEndpointFactsFrom(await clients.network(sub).privateEndpoints.get(group, name), id),
    );
  }

  function readReplications(registry: RegistryFacts): ReadTask[] {
    return once(`replications:${registry.id.toLowerCase()}`, async () => {
      const outcome = await readOrFailure(registry.id, readerOn(`registry ${registry.name}`), async () => {
        const locations: string[] = [];
        const client = clients.containerRegistry(registry.subscriptionId);
        for await (const r of client.replications.list(registry.resourceGroup, registry.name))
          locations.push(r.location);
        return { locations };
      });
      replications.set(registry.id.toLowerCase(), outcome);
    });
  }

  function readZoneList(subscriptionId: string): ReadTask[] {
    return once(`zones:${subscriptionId.toLowerCase()}`, async () => {
      const scope = `/subscriptions/${subscriptionId}`;
      const outcome = await readOrFailure(scope, readerOn(`subscription ${subscriptionId}`), async () => {
        const found: PrivateZone[] = [];
        for await (const zone of clients.privateDns(subscriptionId).privateZones.list()) {
          if (isAcrPrivateZone(zone.name ?? "")) found.push(zone);
        }
        return { zones: found };
      });
      zoneLists.set(subscriptionId.toLowerCase(), outcome);
    });
  }

  function readZone(zone: PrivateZone): ReadTask[] {
    const id = zone.id ?? "";
    const at = groupAndName(id);
    if (!at) return [];
    return once(`zone:${id.toLowerCase()}`, async () => {
      const dns = clients.privateDns(at.subscriptionId);
      const outcome = await readOrFailure(id, readerOn(`private DNS zone ${id}`), async () => {
        const links: VirtualNetworkLink[] = [];
        const records: RecordSet[] = [];
        await Promise.all([
          (async () => {
            for await (const link of dns.virtualNetworkLinks.list(at.resourceGroup, at.name)) links.push(link);
          })(),
          (async () => {
            for await (const record of dns.recordSets.listByType(at.resourceGroup, at.name, "A")) records.push(record);
          })(),
        ]);
        return privateDnsZoneFactsFrom(zone, links, records);
      });
      zones.set(id.toLowerCase(), outcome);
    });
  }

  function readVirtualNetwork(id: string): ReadTask[] {
    return readById("vnet", id, networks, async (sub, group, name) =>
      virtualNetworkFactsFrom(await clients.network(sub).virtualNetworks.get(group, name), id),
    );
  }

  function plan(inputs: NetworkInputs): ReadTask[] {
    if (inputs.registries.length === 0) return [];
    needed = true;
    const tasks: ReadTask[] = [];
    for (const registry of inputs.registries) {
      for (const connection of registry.privateEndpointConnections)
        tasks.push(...readEndpoint(connection.privateEndpointId));
      tasks.push(...readReplications(registry));
    }
    for (const subscriptionId of inputs.zoneSubscriptions) tasks.push(...readZoneList(subscriptionId));
    for (const list of zoneLists.values()) {
      if (!isFailure(list)) for (const zone of list.zones) tasks.push(...readZone(zone));
    }
    const environment = inputs.environment;
    if (isFound(environment) && environment.infrastructureSubnetId) {
      const subnetId = environment.infrastructureSubnetId;
      const vnetId = parentId(subnetId);
      tasks.push(...readVirtualNetwork(vnetId));
      const vnet = networks.get(vnetId.toLowerCase());
      if (vnet && !isFailure(vnet)) tasks.push(...planSubnetReads(vnet, subnetId, inputs.zoneSubscriptions));
    }
    return tasks;
  }

  /** The NSG and route table of the environment's subnet, and the DNS resolvers when resolution may need them. */
  function planSubnetReads(vnet: VirtualNetworkFacts, subnetId: string, subscriptions: readonly string[]): ReadTask[] {
    const tasks: ReadTask[] = [];
    const subnet = vnet.subnets?.find((s) => s.id.toLowerCase() === subnetId.toLowerCase());
    const network = (subscriptionId: string) => clients.network(subscriptionId);
    if (subnet?.networkSecurityGroupId) {
      tasks.push(
        ...readById("nsg", subnet.networkSecurityGroupId, securityGroups, async (sub, group, name) =>
          networkSecurityGroupFactsFrom(
            await network(sub).networkSecurityGroups.get(group, name),
            subnet.networkSecurityGroupId as string,
          ),
        ),
      );
    }
    if (subnet?.routeTableId) {
      tasks.push(
        ...readById("rt", subnet.routeTableId, routeTables, async (sub, group, name) =>
          routeTableFactsFrom(await network(sub).routeTables.get(group, name), subnet.routeTableId as string),
        ),
      );
    }
    if (!dnsNeeded && resolutionMayNeedResolvers(vnet)) dnsNeeded = true;
    if (!dnsNeeded) return tasks;
    for (const subscriptionId of subscriptions) tasks.push(...readDnsList(subscriptionId));
    for (const list of dnsLists.values()) {
      if (isFailure(list)) continue;
      for (const resolverId of list.resolvers) tasks.push(...readInboundEndpoints(resolverId));
      for (const ruleset of list.rulesets) tasks.push(...readRuleset(ruleset));
    }
    return tasks;
  }

  /**
   * Whether the VNet's resolution can depend on a DNS Private Resolver: it names DNS servers, or (once every zone
   * list and zone is read) no privatelink.azurecr.io zone is linked to it. Until the zones are known: not yet.
   */
  function resolutionMayNeedResolvers(vnet: VirtualNetworkFacts): boolean {
    if ((vnet.dnsServers ?? []).length > 0) return true;
    const lists = [...zoneLists.values()];
    if (lists.some(isFailure)) return false;
    const listed = lists.flatMap((l) => (isFailure(l) ? [] : l.zones));
    if (listed.some((z) => !zones.has((z.id ?? "").toLowerCase()))) return false;
    const linked = [...zones.values()].some(
      (z) => !isFailure(z) && z.linkedVirtualNetworkIds.some((id) => id.toLowerCase() === vnet.id.toLowerCase()),
    );
    return !linked;
  }

  /** Items of every read, or the first failure (NotFound of one item is dropped: it no longer exists). */
  function collect<T>(outcomes: Iterable<Outcome<T>>): Read<{ items: T[] }> {
    const items: T[] = [];
    for (const outcome of outcomes) {
      if (outcome !== null && typeof outcome === "object" && "readable" in outcome) {
        if (outcome.readable === false) return outcome;
        if ("found" in outcome && outcome.found === false) continue;
      }
      items.push(outcome as T);
    }
    return { items, readable: true, found: true };
  }

  const firstUnreadable = <T extends object>(outcomes: Iterable<Outcome<T>>): Unreadable | undefined =>
    [...outcomes].find((o): o is Unreadable => "readable" in o && o.readable === false);

  function dnsZones(): Read<{ items: PrivateDnsZoneFacts[] }> {
    const collected = collect(zones.values());
    if (!isFound(collected)) return collected;
    // A failed replication list leaves the data endpoints (one A record each) unknown.
    const replicationFailure = firstUnreadable(replications.values());
    if (replicationFailure) return replicationFailure;
    // A failed zone list leaves "there is no zone" unprovable.
    const zoneListFailure = firstUnreadable(zoneLists.values());
    if (zoneListFailure && collected.items.length === 0) return zoneListFailure;
    return collected;
  }

  /** Inbound endpoints and rulesets, or the first failure (a failed list leaves "there is none" unprovable). */
  function dnsFacts(): Pick<NetworkFacts, "dnsInboundEndpoints" | "dnsForwardingRulesets"> {
    const listFailure = firstUnreadable(dnsLists.values());
    if (listFailure) return { dnsInboundEndpoints: listFailure, dnsForwardingRulesets: listFailure };
    const endpointsRead = collect(inboundEndpoints.values());
    return {
      dnsInboundEndpoints: isFound(endpointsRead)
        ? { readable: true, found: true, items: endpointsRead.items.flatMap((e) => e.endpoints) }
        : endpointsRead,
      dnsForwardingRulesets: collect(rulesets.values()),
    };
  }

  return {
    plan,
    replicationLocations(registryId) {
      const outcome = replications.get(registryId.toLowerCase());
      return outcome && !isFailure(outcome) ? outcome.locations : [];
    },
    facts() {
      if (!needed) return null;
      return {
        privateEndpoints: collect(endpoints.values()),
        virtualNetworks: collect(networks.values()),
        privateDnsZones: dnsZones(),
        securityGroups: collect(securityGroups.values()),
        routeTables: collect(routeTables.values()),
        ...(dnsNeeded ? dnsFacts() : {}),
      };
    },
  };
}
