/**
 * readPullFacts: everything about one workload's pull path (a container app or, v2, a job: workloadIdOf), read from
 * ARM and the registry data plane in as few sequential waves as the data allows. Wave 1 reads the app (or job) beside
 * the subscription list and the registries of the app's subscription (a shared RegistryIndex); then the readers (src/azure/readers/, one file each, in one explicit
 * list) are asked before each wave for the reads they can start now, and the wave starts all of them and waits, until
 * no reader has work left:
 *
 *   wave 2  each referenced user-assigned identity ‖ the latest revision and its replicas (a job instead: its
 *           recent executions, one list, so a job costs no extra wave) ‖ the role assignments of
 *           every principal the app names ‖ the environment (only when the diagnosis needs it) ‖ the registries of the
 *           other subscriptions (only when an image's registry is not beside the app) ‖ the private path of a known
 *           registry that needs it ‖ a registry's atScope() assignments while a principal is still unknown
 *   wave 3  only for what wave 2 first showed: the assignments of a principal first seen there (unless atScope()
 *           already showed it pull), or on a registry's other subscription; custom role definitions; the rest of the
 *           private path (zones, the environment's virtual network)
 *
 * Built-in role definitions come from a shipped snapshot (no read). The tag checks (data plane, PullGuard's own
 * identity) start as soon as their registry is known and run beside the waves. A failure to read one thing becomes
 * NotFound/Unreadable in the facts; only the app's own read throws (AppNotFoundError for 404, AppUnreadableError for
 * 401/403 and for 404 SubscriptionNotFound, the RestError itself for transient failures).
 */

import type { HttpClient, PipelineRetryOptions } from "@azure/core-rest-pipeline";
import { isRestError } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type { AppFacts, PullFacts, ReadStats } from "../core/facts.js";
import { isFound } from "../core/facts.js";
import { workloadIdOf } from "../core/resource-id.js";
import { InvalidAppIdError } from "../shared/errors.js";
import { appFactsFrom, jobFactsFrom } from "./app-facts.js";
import type { AzureClients } from "./clients.js";
import { AppNotFoundError, AppUnreadableError, isNotFound } from "./errors.js";
import type { ReadTask } from "./read-results.js";
import { assemble, createReaders } from "./readers/index.js";
import { type ReadContext, shareWith } from "./readers/reader.js";
import { createTagChecks } from "./readers/tag-checks.js";
import { createRegistryDataPlane, type RegistryDataPlane } from "./registry-data-plane.js";
import { createRegistryIndex, type RegistryIndex } from "./registry-index.js";
import { createRoleDefinitionCache, type RoleDefinitionCache } from "./role-definitions.js";
import type { SharedReads } from "./shared-reads.js";

export interface ReadPullFactsDeps {
  clients: AzureClients;
  /** PullGuard's own credential, for the data-plane tag check. */
  credential: TokenCredential;
  /** The HTTP client the SDK clients use (the emulator's in dev and tests). */
  httpClient?: HttpClient;
  now: () => Date;
  /** Shared by every app of a run (a sweep); one is made for this read when absent. */
  registryIndex?: RegistryIndex;
  /** Shared by every app of a run; one is made for this read when absent. */
  roleDefinitions?: RoleDefinitionCache;
  /** Data-plane retries; the SDK defaults when absent. */
  dataPlaneRetryOptions?: PipelineRetryOptions;
  /**
   * Shared by every app of a run (a sweep): the app as its subscription's list showed it, and the reads that do not
   * depend on the app (environment, identities, role assignments of a principal or at a registry). Absent: all read.
   */
  shared?: SharedReads;
  /**
   * Leave out the atScope() read at each registry: it only gives a principal first seen in wave 2 (a UAMI not
   * attached) its grants one wave earlier, as assignedTo() gives them too. A sweep, where the subscription's request
   * budget matters more than one app's latency, sets it.
   */
  fewerRequestsThanWaves?: boolean;
}

/**
 * The workload itself: a container app (`containerApps.get`) or (v2) a job (`jobs.get`), by the kind its ID names.
 * 404 ResourceNotFound (or ResourceGroupNotFound) → AppNotFoundError; 404 SubscriptionNotFound means the
 * subscription is not visible to PullGuard's identity (errors.ts), not that the workload is missing →
 * AppUnreadableError, like 401/403 (both say "job" for a job). An ID of another shape → InvalidAppIdError, before any
 * request. A run that already listed the workload (`app:<id>`, shared-reads.ts) does not read it again.
 */
async function readWorkload(clients: AzureClients, id: string, shared: SharedReads | undefined): Promise<AppFacts> {
  const at = workloadIdOf(id);
  if (!at) throw new InvalidAppIdError(id);
  const api = () => clients.containerApps(at.subscriptionId);
  const once = <T>(get: () => Promise<T>) => (shared ? shared.once(`app:${id}`, get) : get());
  try {
    return at.kind === "job"
      ? jobFactsFrom(await once(() => api().jobs.get(at.resourceGroup, at.name)))
      : appFactsFrom(await once(() => api().containerApps.get(at.resourceGroup, at.name)));
  } catch (error) {
    if (isNotFound(error)) throw new AppNotFoundError(id);
    if (isRestError(error) && (error.statusCode === 401 || error.statusCode === 403 || error.statusCode === 404)) {
      throw new AppUnreadableError(id, error.statusCode, error.code);
    }
    throw error;
  }
}

export async function readPullFacts(
  appId: string,
  deps: ReadPullFactsDeps,
): Promise<{ facts: PullFacts; stats: ReadStats }> {
  const startedAt = performance.now();
  const readAt = deps.now().toISOString();
  const dataPlane = createRegistryDataPlane({
    credential: deps.credential,
    ...(deps.httpClient ? { httpClient: deps.httpClient } : {}),
    ...(deps.dataPlaneRetryOptions ? { retryOptions: deps.dataPlaneRetryOptions } : {}),
  });
  const { value, armRequests } = await deps.clients.countArmRequests(() => readInWaves(appId, deps, dataPlane));
  return {
    facts: { readAt, ...value.facts },
    stats: {
      armRequests,
      waves: value.waves,
      dataPlaneRequests: dataPlane.requests,
      ms: Math.round(performance.now() - startedAt),
    },
  };
}

async function readInWaves(
  appId: string,
  deps: ReadPullFactsDeps,
  dataPlane: RegistryDataPlane,
): Promise<{ facts: Omit<PullFacts, "readAt">; waves: number }> {
  const { clients } = deps;
  const index = deps.registryIndex ?? createRegistryIndex(clients);
  let waves = 0;

  /** Runs one wave: every task at once; counts it if it sent ARM requests; rethrows the first failure. */
  async function wave(tasks: ReadTask[]): Promise<void> {
    const { value: outcomes, armRequests } = await clients.countArmRequests(() =>
      Promise.allSettled(tasks.map((task) => task())),
    );
    if (armRequests > 0) waves++;
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;
  }

  // Wave 1: the app, and what needs nothing but its subscription.
  let appRead: AppFacts | undefined;
  await wave([
    async () => {
      appRead = await readWorkload(clients, appId, deps.shared);
    },
    () => index.prefetch(workloadIdOf(appId)?.subscriptionId ?? ""),
  ]);
  if (!appRead) throw new Error(`${appId} was read without an answer`);
  const context = await contextFor(appRead, index, deps);
  const readers = createReaders(context);
  const tagChecks = createTagChecks(context, readers.registries, dataPlane);
  try {
    for (;;) {
      const tasks = readers.list.flatMap((reader) => reader.plan());
      tagChecks.start();
      if (tasks.length === 0) break;
      await wave(tasks);
    }
  } finally {
    await tagChecks.settle();
  }
  return { waves, facts: { ...assemble(context, readers), manifests: tagChecks.facts() } };
}

async function contextFor(app: AppFacts, index: RegistryIndex, deps: ReadPullFactsDeps): Promise<ReadContext> {
  const subscriptions = await index.subscriptions();
  const subscriptionTenants: Record<string, string> = {};
  if (isFound(subscriptions)) {
    for (const s of subscriptions.items) if (s.tenantId) subscriptionTenants[s.subscriptionId] = s.tenantId;
  }
  return {
    clients: deps.clients,
    app,
    subscriptions,
    subscriptionTenants,
    index,
    roleDefinitions: deps.roleDefinitions ?? createRoleDefinitionCache(deps.clients),
    share: shareWith(deps.shared),
    fewerRequestsThanWaves: deps.fewerRequestsThanWaves ?? false,
  };
}
