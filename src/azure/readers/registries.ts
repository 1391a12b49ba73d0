/**
 * The registries reader: each image host and registry entry of the app → its registry, through the run's registry
 * index (registry-index.ts). A registry beside the app is known after wave 1 (the index prefetched the app's
 * subscription); one elsewhere is looked up in the tenant's other subscriptions in wave 2. A host that is not an ACR
 * login server is NotFound without a lookup.
 */
import { isAcrHost } from "../../core/acr-host.js";
import { isFound, type Read, type RegistryFacts } from "../../core/facts.js";
import { onceEach, type ReadTask } from "../read-results.js";
import { type ReadContext, type Reader, registryHostsOf } from "./reader.js";

export interface RegistriesReader extends Reader {
  /** The app's registry hosts, lower case. */
  readonly hosts: readonly string[];
  /** What is known of a host: undefined while it is looked up. */
  get(host: string): Read<RegistryFacts> | undefined;
  /** Whether an ACR host of the app is still being looked for. */
  unresolved(): boolean;
  found(): RegistryFacts[];
  /**
   * Registries whose role assignments matter: not those of another tenant than the app's identities (managed
   * identities cannot pull across tenants, so no role finding is made for them and their assignments are not read).
   */
  rbacRegistries(): RegistryFacts[];
  facts(): Map<string, Read<RegistryFacts>>;
}

export function createRegistriesReader(context: ReadContext): RegistriesReader {
  const { app, index, subscriptionTenants } = context;
  const hosts = registryHostsOf(app);
  const registries = new Map<string, Read<RegistryFacts>>();
  const once = onceEach();

  function plan(): ReadTask[] {
    const tasks: ReadTask[] = [];
    for (const host of hosts) {
      if (registries.has(host)) continue;
      const known = index.peek(host);
      if (known) registries.set(host, known);
      else if (!isAcrHost(host)) registries.set(host, { readable: true, found: false, resource: host });
      else {
        tasks.push(
          ...once(`registry:${host}`, async () => {
            registries.set(host, await index.find(host));
          }),
        );
      }
    }
    return tasks;
  }

  const found = (): RegistryFacts[] => [...registries.values()].filter(isFound);

  return {
    name: "registries",
    hosts,
    plan,
    get: (host) => registries.get(host.toLowerCase()),
    unresolved: () => hosts.some((host) => isAcrHost(host) && !registries.has(host)),
    found,
    rbacRegistries() {
      const appTenant = app.identity.tenantId?.toLowerCase() ?? null;
      return found().filter((r) => {
        const tenant = subscriptionTenants[r.subscriptionId.toLowerCase()]?.toLowerCase() ?? null;
        return appTenant === null || tenant === null || tenant === appTenant;
      });
    },
    facts: () => registries,
  };
}
