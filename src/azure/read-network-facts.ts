/**
 * The private path, read only for registries that need it (public access Disabled or firewall Deny), in as few waves
 * as the data allows:
 *
 *   once the registry is known:     its private endpoints, its replications, the private DNS zones of the readable
 *                                   subscriptions (privatelink.azurecr.io)
 *   once the environment is known:  the virtual network of its infrastructure subnet (for peerings)
 *   once a zone is known:           its virtual network links and A record sets
 *
 * `planNetworkReads` is called before each wave with what is known; it returns the reads that can start now and
 * have not started yet. `networkFacts` assembles what was read.
 */
import type { PrivateZone, RecordSet, VirtualNetworkLink } from "@azure/arm-privatedns";
import type {
  EnvironmentFacts,
  NetworkFacts,
  NotFound,
  PrivateDnsZoneFacts,
  PrivateEndpointFacts,
  Read,
  RegistryFacts,
  Unreadable,
  VirtualNetworkFacts,
} from "../core/facts.js";
import { groupAndName, parentId } from "./arm-id.js";
import type { AzureClients } from "./clients.js";
import { readerOn, readOrFailure } from "./errors.js";
import {
  privateDnsZoneFactsFrom,
  privateEndpointFactsFrom,
  REGISTRY_PRIVATE_ZONE,
  virtualNetworkFactsFrom,
} from "./network-facts.js";
import { onceEach, type ReadTask } from "./read-results.js";

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

export function createNetworkReading(clients: AzureClients): NetworkReading {
  const once = onceEach();
  const endpoints = new Map<string, Outcome<PrivateEndpointFacts>>();
  const networks = new Map<string, Outcome<VirtualNetworkFacts>>();
  const zoneLists = new Map<string, Outcome<{ zones: PrivateZone[] }>>();
  const zones = new Map<string, Outcome<PrivateDnsZoneFacts>>();
  const replications = new Map<string, Outcome<{ locations: string[] }>>();
  let needed = false;

  function readEndpoint(id: string): ReadTask[] {
    const at = groupAndName(id);
    return once(`pe:${id.toLowerCase()}`, async () => {
      const outcome: Outcome<PrivateEndpointFacts> = at
        ? await readOrFailure(id, readerOn(`private endpoint ${id}`), async () =>
            privateEndpointFactsFrom(
              await clients.network(at.subscriptionId).privateEndpoints.get(at.resourceGroup, at.name),
              id,
            ),
          )
        : { readable: true, found: false, resource: id };
      endpoints.set(id.toLowerCase(), outcome);
    });
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
          if (REGISTRY_PRIVATE_ZONE.test(zone.name ?? "")) found.push(zone);
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
    const at = groupAndName(id);
    return once(`vnet:${id.toLowerCase()}`, async () => {
      const outcome: Outcome<VirtualNetworkFacts> = at
        ? await readOrFailure(id, readerOn(`virtual network ${id}`), async () =>
            virtualNetworkFactsFrom(
              await clients.network(at.subscriptionId).virtualNetworks.get(at.resourceGroup, at.name),
              id,
            ),
          )
        : { readable: true, found: false, resource: id };
      networks.set(id.toLowerCase(), outcome);
    });
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
    if (environment?.readable && environment.found && environment.infrastructureSubnetId) {
      tasks.push(...readVirtualNetwork(parentId(environment.infrastructureSubnetId)));
    }
    return tasks;
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
    if (!collected.readable || !collected.found) return collected;
    // A failed replication list leaves the data endpoints (one A record each) unknown.
    const replicationFailure = firstUnreadable(replications.values());
    if (replicationFailure) return replicationFailure;
    // A failed zone list leaves "there is no zone" unprovable.
    const zoneListFailure = firstUnreadable(zoneLists.values());
    if (zoneListFailure && collected.items.length === 0) return zoneListFailure;
    return collected;
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
      };
    },
  };
}
