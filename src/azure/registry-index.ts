/**
 * Which registry has a given login server, across every subscription PullGuard can read: one `subscriptions.list`
 * and one `registries.list` per subscription, each done once per run and shared by every app a sweep reads.
 *
 * The app's own subscription can be read before the subscription list is back (`prefetch`), so a registry beside the
 * app is known after the first wave; the other subscriptions follow in the next one. A subscription whose registries
 * cannot be listed leaves "not found" unprovable: the answer is then Unreadable, never NotFound.
 *
 *   const index = createRegistryIndex(clients);
 *   await index.prefetch(appSubscriptionId);      // subscriptions.list ‖ registries.list(app's subscription)
 *   index.peek("contosoprod.azurecr.io");         // the registry, or undefined while other subscriptions are unread
 *   await index.find("contosoprod.azurecr.io");   // reads the remaining subscriptions when needed
 */
import { globalLoginServer } from "../core/acr-host.js";
import { isFound, type NotFound, type Read, type RegistryFacts, type Unreadable } from "../core/facts.js";
import type { AzureClients } from "./clients.js";
import { readerOn, readOrFailure } from "./errors.js";
import { found } from "./read-results.js";
import { registryFactsFrom } from "./registry-facts.js";
import type { SharedReads } from "./shared-reads.js";

export interface SubscriptionFacts {
  /** Lower case. */
  subscriptionId: string;
  tenantId: string | null;
}

export interface RegistryIndex {
  /** Starts (once) the reads that need only a subscription ID: the subscription list and that subscription's registries. */
  prefetch(subscriptionId: string): Promise<void>;
  /** What is known about a login server without another request; undefined while subscriptions remain unread. */
  peek(loginServer: string): Read<RegistryFacts> | undefined;
  /** The registry with this login server (case-insensitive), reading the remaining subscriptions when needed. */
  find(loginServer: string): Promise<Read<RegistryFacts>>;
  /** The subscriptions PullGuard can read (lower case), once listed; Unreadable when the list failed. */
  subscriptions(): Promise<Read<{ items: SubscriptionFacts[] }>>;
  /** Reads every readable subscription's registries (a sweep builds the whole index once). */
  loadAll(): Promise<void>;
}

type RegistriesOf = Read<{ items: RegistryFacts[] }>;

interface Loading<T> {
  promise: Promise<T>;
  settled: T | undefined;
}

function track<T>(promise: Promise<T>): Loading<T> {
  const loading: Loading<T> = { promise, settled: undefined };
  loading.promise = promise.then((value) => {
    loading.settled = value;
    return value;
  });
  return loading;
}

/** `shared`: the run's shared reads (a sweep's, or an event's fresh ones), for the list calls; absent: its own. */
export function createRegistryIndex(clients: AzureClients, shared?: SharedReads): RegistryIndex {
  const share = <T>(key: string, read: () => Promise<T>): Promise<T> => (shared ? shared.once(key, read) : read());
  let subscriptionList: Loading<Read<{ items: SubscriptionFacts[] }>> | undefined;
  const registriesBySubscription = new Map<string, Loading<RegistriesOf>>();

  function listSubscriptions(): Loading<Read<{ items: SubscriptionFacts[] }>> {
    subscriptionList ??= track(
      share("subscriptions", () =>
        readOrFailure("/subscriptions", "Reader on the subscriptions that hold registries", async () => {
          const items: SubscriptionFacts[] = [];
          for await (const s of clients.subscriptions().subscriptions.list()) {
            if (s.subscriptionId)
              items.push({ subscriptionId: s.subscriptionId.toLowerCase(), tenantId: s.tenantId ?? null });
          }
          return found({ items });
        }),
      ),
    );
    return subscriptionList;
  }

  function listRegistries(subscriptionId: string): Loading<RegistriesOf> {
    const key = subscriptionId.toLowerCase();
    let loading = registriesBySubscription.get(key);
    if (!loading) {
      const scope = `/subscriptions/${subscriptionId}`;
      loading = track(
        share(`registries:${key}`, () =>
          readOrFailure(scope, readerOn(`subscription ${subscriptionId}`), async () => {
            const items: RegistryFacts[] = [];
            for await (const registry of clients.containerRegistry(subscriptionId).registries.list()) {
              const facts = registryFactsFrom(registry);
              if (facts) items.push(facts);
            }
            return found({ items });
          }),
        ),
      );
      registriesBySubscription.set(key, loading);
    }
    return loading;
  }

  /** Subscriptions known so far: the listed ones plus any prefetched one. */
  function knownSubscriptions(): string[] {
    const listed = subscriptionList?.settled;
    const ids = isFound(listed) ? listed.items.map((s) => s.subscriptionId) : [];
    return [...new Set([...ids, ...registriesBySubscription.keys()])];
  }

  /** The answer once every known subscription is read; undefined if the registry is not found yet and some are unread. */
  function answer(loginServer: string): Read<RegistryFacts> | undefined {
    // A regional endpoint (<name>.<region>.geo.azurecr.io) is a login server of the registry listed under its global one.
    const server = globalLoginServer(loginServer);
    const failures: Unreadable[] = [];
    let complete = subscriptionList?.settled !== undefined;
    const listed = subscriptionList?.settled;
    if (listed && !listed.readable) failures.push(listed);
    for (const subscriptionId of knownSubscriptions()) {
      const registries = registriesBySubscription.get(subscriptionId)?.settled;
      if (!registries) {
        complete = false;
        continue;
      }
      if (!registries.readable) failures.push(registries);
      else if (registries.found) {
        const registry = registries.items.find((r) => r.loginServer === server);
        if (registry) return found(registry);
      }
    }
    if (!complete) return undefined;
    const [first] = failures;
    if (first) {
      const unreadable: Unreadable = {
        ...first,
        message: `no registry with login server ${server} in the subscriptions PullGuard could read; ${failures.length} could not be listed (${first.message})`,
      };
      return unreadable;
    }
    const notFound: NotFound = { readable: true, found: false, resource: server };
    return notFound;
  }

  async function loadAll(): Promise<void> {
    const listed = await listSubscriptions().promise;
    const ids = isFound(listed) ? listed.items.map((s) => s.subscriptionId) : [];
    await Promise.all(ids.map((id) => listRegistries(id).promise));
  }

  return {
    async prefetch(subscriptionId) {
      await Promise.all([listSubscriptions().promise, listRegistries(subscriptionId).promise]);
    },
    peek: answer,
    async find(loginServer) {
      const known = answer(loginServer);
      if (known) return known;
      await Promise.all(knownSubscriptions().map((id) => listRegistries(id).promise));
      await loadAll();
      return answer(loginServer) ?? { readable: true, found: false, resource: loginServer.toLowerCase() };
    },
    subscriptions: () => listSubscriptions().promise,
    loadAll,
  };
}
