/**
 * The shape every reader of the pull path has (the one `createNetworkReading` set): `plan()` returns the reads that
 * can start now, given what the readers know so far, and that have not started yet; the wave loop
 * (read-pull-facts.ts) starts them together, waits, and asks again until no reader has work left. A reader keeps what
 * it read and hands its part of the facts to the assembly (readers/index.ts).
 *
 *   const readers = createReaders(context);         // the explicit list, in the order they are asked
 *   for (;;) { const tasks = readers.list.flatMap((r) => r.plan()); if (!tasks.length) break; await wave(tasks); }
 */
import type { AppFacts, Read } from "../../core/facts.js";
import { imageHost as imageHostOf } from "../../core/pull-grants.js";
import type { AzureClients } from "../clients.js";
import type { ReadTask } from "../read-results.js";
import type { RegistryIndex, SubscriptionFacts } from "../registry-index.js";
import type { RoleDefinitionCache } from "../role-definitions.js";
import type { SharedReads } from "../shared-reads.js";

export interface Reader {
  /** For messages and tests: "registries", "assignments", ... */
  readonly name: string;
  /** The reads that can start now and have not started yet (each planned once). */
  plan(): ReadTask[];
}

/** What every reader may use: the app (read in wave 1), the run's shared reads, and the clients. */
export interface ReadContext {
  clients: AzureClients;
  app: AppFacts;
  /** The subscriptions PullGuard can read, as listed in wave 1. */
  subscriptions: Read<{ items: SubscriptionFacts[] }>;
  /** Subscription ID (lower case) → tenant ID. */
  subscriptionTenants: Record<string, string>;
  index: RegistryIndex;
  roleDefinitions: RoleDefinitionCache;
  /** A read that does not depend on the app: once per run when the run shares its reads (shared-reads.ts). */
  share<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** A sweep: fewer requests rather than fewer waves (no speculative or atScope() reads). */
  fewerRequestsThanWaves: boolean;
}

export function shareWith(shared: SharedReads | undefined): ReadContext["share"] {
  return <T>(key: string, read: () => Promise<T>): Promise<T> => (shared ? shared.once(key, read) : read());
}

/** Lower-cased hosts of the app's images and registry entries. */
export function registryHostsOf(app: AppFacts): string[] {
  const hosts = [
    ...app.containers.map((c) => (c.image ? imageHostOf(c.image) : "")),
    ...app.registries.map((r) => r.server),
  ];
  return [...new Set(hosts.map((h) => h.toLowerCase()).filter((h) => h.length > 0))];
}

/** Whether a registry entry names the environment's system identity (`system-environment`). */
export function usesEnvironmentIdentity(app: AppFacts): boolean {
  return app.registries.some((r) => r.identity?.toLowerCase() === "system-environment");
}

/**
 * Whether a registry entry names a user-assigned identity the app does not have attached (v2: it may be attached to
 * the environment instead; spec/pull-path.md "identity-not-attached").
 */
export function namesUnattachedIdentity(app: AppFacts): boolean {
  const attached = new Set(app.identity.userAssigned.map((u) => u.id.toLowerCase()));
  return app.registries.some((r) => {
    const ref = r.identity?.toLowerCase() ?? "";
    return ref.startsWith("/") && !attached.has(ref);
  });
}
