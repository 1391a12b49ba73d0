/**
 * The network reader: the private path (read-network-facts.ts, unchanged) asked with what the other readers know:
 * the found registries that need it, the environment, and the subscriptions to look for private DNS zones in.
 */
import { isFound, type NetworkFacts, type Read, type RegistryFacts } from "../../core/facts.js";
import { createNetworkReading } from "../read-network-facts.js";
import type { ReadTask } from "../read-results.js";
import { registryNeedsNetworkFacts } from "../registry-facts.js";
import type { EnvironmentReader } from "./environment.js";
import type { ReadContext, Reader } from "./reader.js";
import type { RegistriesReader } from "./registries.js";

export interface NetworkReader extends Reader {
  facts(): NetworkFacts | null;
  /** A registry with the locations of its replications added (read with the private path), when any were read. */
  withReplications(read: Read<RegistryFacts>): Read<RegistryFacts>;
}

const region = (location: string): string => location.toLowerCase().replace(/\s+/g, "");

export function createNetworkReader(
  context: ReadContext,
  sources: { registries: RegistriesReader; environment: EnvironmentReader },
): NetworkReader {
  const { app } = context;
  const network = createNetworkReading(context.clients);

  function plan(): ReadTask[] {
    const zoneSubscriptions = new Set([app.subscriptionId.toLowerCase()]);
    if (isFound(context.subscriptions))
      for (const s of context.subscriptions.items) zoneSubscriptions.add(s.subscriptionId);
    const needy = sources.registries.found().filter(registryNeedsNetworkFacts);
    for (const r of needy) zoneSubscriptions.add(r.subscriptionId.toLowerCase());
    return network.plan({
      registries: needy,
      environment: sources.environment.current(),
      zoneSubscriptions: [...zoneSubscriptions],
    });
  }

  return {
    name: "network",
    plan,
    facts: () => network.facts(),
    withReplications(read) {
      const extra = isFound(read) ? network.replicationLocations(read.id) : [];
      if (!isFound(read) || extra.length === 0) return read;
      return { ...read, replicationLocations: [...new Set([...read.replicationLocations, ...extra.map(region)])] };
    },
  };
}
