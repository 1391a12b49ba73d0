/**
 * readPullFacts: everything about one container app's pull path, read from ARM and the registry data plane in as few
 * sequential waves as the data allows. Each wave starts every read whose inputs are known and waits for all of them:
 *
 *   wave 1  the app ‖ the subscription list ‖ the registries of the app's subscription (a shared RegistryIndex)
 *   wave 2  its environment (only for the `system-environment` identity or a closed registry) ‖ each referenced
 *           user-assigned identity ‖ the latest revision and its replicas ‖
 *           the role assignments of every principal the app names (assignedTo, on the app's subscription) ‖
 *           the registries of the other subscriptions (only when an image's registry is not beside the app) ‖
 *           the private path of a registry already known that needs it
 *           (and, while a registry is not found beside the app, the principals' assignments in the tenant's other
 *           subscriptions when there are at most two: speculative, dropped unless a registry is there)
 *   wave 3  the role definitions those assignments reference ‖ assignments of principals first seen in wave 2
 *           (a UAMI not attached, the environment's identity) or on a registry's other subscription ‖ the rest of
 *           the private path
 *   wave 4  only when wave 3 found assignments to roles not read yet, or zones not listed before
 *
 * The tag checks (data plane, PullGuard's own identity) start as soon as their registry is known and run beside the
 * waves. A failure to read one thing becomes NotFound/Unreadable in the facts; only the app's own read throws
 * (AppNotFoundError for 404, AppUnreadableError for 401/403, the RestError itself for transient failures).
 */

import type { HttpClient, PipelineRetryOptions } from "@azure/core-rest-pipeline";
import { isRestError } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type {
  AppFacts,
  EnvironmentFacts,
  ManifestCheck,
  PrincipalAssignments,
  PullFacts,
  Read,
  ReadStats,
  RegistryFacts,
  RevisionFacts,
  RoleAssignmentFacts,
  RoleDefinitionFacts,
  UserAssignedIdentityFacts,
} from "../core/facts.js";
import { imageHost } from "../core/pull-grants.js";
import { hasSystemAssigned } from "../core/pull-paths.js";
import { assignmentCovers } from "../core/roles.js";
import { appFactsFrom, environmentFactsFrom, revisionFactsFrom, userAssignedIdentityFactsFrom } from "./app-facts.js";
import { groupAndName, parseArmId } from "./arm-id.js";
import type { AzureClients } from "./clients.js";
import { AppNotFoundError, AppUnreadableError, readerOn, readOrFailure } from "./errors.js";
import { createNetworkReading } from "./read-network-facts.js";
import { found, isFound, onceEach, parseJsonOrNull, type ReadTask } from "./read-results.js";
import { createRegistryDataPlane, manifestReferenceOf, type RegistryDataPlane } from "./registry-data-plane.js";
import { registryNeedsNetworkFacts } from "./registry-facts.js";
import { createRegistryIndex, type RegistryIndex } from "./registry-index.js";
import { createRoleDefinitionCache, type RoleDefinitionCache } from "./role-definitions.js";
import { roleAssignmentFactsFrom, roleDefinitionGuid } from "./role-facts.js";
import type { SharedReads } from "./shared-reads.js";

/** How many other subscriptions a principal's assignments are read in ahead of knowing where its registry is. */
const SPECULATIVE_SUBSCRIPTIONS = 2;

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

/** Hosts that can be an ACR login server (public cloud, China, US Government). */
const ACR_HOST = /\.azurecr\.(io|cn|us)$/i;
const CONTAINER_APP_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.App\/containerApps\/[^/]+$/i;

async function readApp(clients: AzureClients, appId: string, shared: SharedReads | undefined): Promise<AppFacts> {
  const at = groupAndName(appId);
  if (!at || !CONTAINER_APP_ID.test(appId)) {
    throw new Error(
      `"${appId}" is not a container app resource ID; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.App/containerApps/<name>`,
    );
  }
  const get = () => clients.containerApps(at.subscriptionId).containerApps.get(at.resourceGroup, at.name);
  try {
    return appFactsFrom(await (shared ? shared.once(`app:${appId}`, get) : get()));
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) throw new AppNotFoundError(appId);
    if (isRestError(error) && (error.statusCode === 401 || error.statusCode === 403)) {
      throw new AppUnreadableError(appId, error.statusCode, error.code);
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
  const roleDefinitionCache = deps.roleDefinitions ?? createRoleDefinitionCache(clients);
  const network = createNetworkReading(clients);
  /** A read that does not depend on the app: once per run when the run shares its reads. */
  const share = <T>(key: string, read: () => Promise<T>): Promise<T> =>
    deps.shared ? deps.shared.once(key, read) : read();
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
  const appSubscription = parseArmId(appId)?.subscriptionId ?? "";
  await wave([
    async () => {
      appRead = await readApp(clients, appId, deps.shared);
    },
    () => index.prefetch(appSubscription),
  ]);
  if (!appRead) throw new Error(`container app ${appId} was read without an answer`);
  const app: AppFacts = appRead;
  const subscriptionsRead = await index.subscriptions();
  const subscriptionTenants: Record<string, string> = {};
  if (isFound(subscriptionsRead)) {
    for (const s of subscriptionsRead.items) if (s.tenantId) subscriptionTenants[s.subscriptionId] = s.tenantId;
  }

  let environment: Read<EnvironmentFacts> | null | undefined = app.environmentId ? undefined : null;
  let revision: Read<RevisionFacts> | null | undefined = app.latestRevisionName ? undefined : null;
  const identities = new Map<string, Read<UserAssignedIdentityFacts>>();
  const registries = new Map<string, Read<RegistryFacts>>();
  /** Per principal (lower case): one assignedTo() read per subscription listed. */
  const assignmentReads = new Map<string, Map<string, PrincipalAssignments>>();
  /** Per registry (lower-cased ID): every assignment at or above it, whoever holds it (atScope()). */
  const registryScopeReads = new Map<string, PrincipalAssignments>();
  const roleDefinitions = new Map<string, RoleDefinitionFacts>();
  const manifests: Record<string, ManifestCheck> = {};
  const manifestChecks: Array<Promise<void>> = [];
  const once = onceEach();
  /** Images whose tag check has started (or that need none). */
  const checkedImages = new Set<string>();

  const registryHosts = [
    ...new Set(
      [...app.containers.map((c) => (c.image ? imageHost(c.image) : "")), ...app.registries.map((r) => r.server)]
        .map((h) => h.toLowerCase())
        .filter((h) => h.length > 0),
    ),
  ];
  const referencedIdentityIds = [
    ...new Map(
      [...app.identity.userAssigned.map((u) => u.id), ...app.registries.map((r) => r.identity ?? "")]
        .filter((ref) => ref.startsWith("/"))
        .map((id) => [id.toLowerCase(), id] as const),
    ).values(),
  ];
  const usesEnvironmentIdentity = app.registries.some((r) => r.identity?.toLowerCase() === "system-environment");

  function planRegistries(): ReadTask[] {
    const tasks: ReadTask[] = [];
    for (const host of registryHosts) {
      if (registries.has(host)) continue;
      const known = index.peek(host);
      if (known) registries.set(host, known);
      else if (!ACR_HOST.test(host)) registries.set(host, { readable: true, found: false, resource: host });
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

  /**
   * Whether the diagnosis needs the environment: for the `system-environment` identity, or for the private path to a
   * registry that is closed (public access off or firewall Deny), or may be (its registry is not found yet).
   */
  function environmentNeeded(): boolean {
    if (usesEnvironmentIdentity) return true;
    return registryHosts.some((host) => {
      if (!ACR_HOST.test(host)) return false;
      const read = registries.get(host);
      if (read === undefined) return true;
      return isFound(read) && registryNeedsNetworkFacts(read);
    });
  }

  function planEnvironment(): ReadTask[] {
    const id = app.environmentId;
    if (!id || environment !== undefined || !environmentNeeded()) return [];
    return once("environment", async () => {
      const at = groupAndName(id);
      environment = at
        ? await share(`environment:${id}`, () =>
            readOrFailure(id, readerOn(`environment ${id}`), async () =>
              found(
                environmentFactsFrom(
                  await clients.containerApps(at.subscriptionId).managedEnvironments.get(at.resourceGroup, at.name),
                ),
              ),
            ),
          )
        : { readable: true, found: false, resource: id };
    });
  }

  function planIdentities(): ReadTask[] {
    return referencedIdentityIds.flatMap((id) =>
      once(`identity:${id.toLowerCase()}`, async () => {
        const at = groupAndName(id);
        const read: Read<UserAssignedIdentityFacts> = at
          ? await share(`identity:${id}`, () =>
              readOrFailure(id, readerOn(`identity ${id}`), async () =>
                found(
                  userAssignedIdentityFactsFrom(
                    await clients
                      .managedIdentities(at.subscriptionId)
                      .userAssignedIdentities.get(at.resourceGroup, at.name),
                  ),
                ),
              ),
            )
          : { readable: true, found: false, resource: id };
        identities.set(id.toLowerCase(), read);
      }),
    );
  }

  function planRevision(): ReadTask[] {
    const name = app.latestRevisionName;
    if (!name) return [];
    return once("revision", async () => {
      const containerApps = clients.containerApps(app.subscriptionId);
      const revisionId = `${app.id}/revisions/${name}`;
      let revisionBody: unknown = null;
      let replicasBody: unknown = null;
      const [revisionRead] = await Promise.all([
        readOrFailure(revisionId, readerOn(`container app ${app.name}`), async () => {
          await containerApps.containerAppsRevisions.getRevision(app.resourceGroup, app.name, name, {
            onResponse: (response) => {
              revisionBody = parseJsonOrNull(response.bodyAsText);
            },
          });
          return true as const;
        }),
        readOrFailure(`${revisionId}/replicas`, readerOn(`container app ${app.name}`), async () => {
          await containerApps.containerAppsRevisionReplicas.listReplicas(app.resourceGroup, app.name, name, {
            onResponse: (response) => {
              replicasBody = parseJsonOrNull(response.bodyAsText);
            },
          });
          return true as const;
        }),
      ]);
      if (revisionRead !== true) revision = revisionRead;
      else if (revisionBody === null) {
        revision = {
          readable: false,
          resource: revisionId,
          message: "ARM answered the revision read without a JSON body",
        };
      } else revision = found(revisionFactsFrom(revisionBody, replicasBody));
    });
  }

  /** Principal IDs known so far, lower case. */
  function knownPrincipals(): string[] {
    const principals: string[] = [];
    if (hasSystemAssigned(app.identity.type) && app.identity.principalId) principals.push(app.identity.principalId);
    for (const u of app.identity.userAssigned) if (u.principalId) principals.push(u.principalId);
    for (const read of identities.values()) if (isFound(read) && read.principalId) principals.push(read.principalId);
    if (usesEnvironmentIdentity && isFound(environment)) {
      const { type, principalId } = environment.identity;
      if (hasSystemAssigned(type) && principalId) principals.push(principalId);
    }
    return [...new Set(principals.map((p) => p.toLowerCase()))];
  }

  /**
   * Whether a principal that may pull is still unknown: a user-assigned identity a registry entry names that is not
   * attached (its principal comes with its own read), or the environment's identity before the environment is read.
   */
  function principalsPending(): boolean {
    const attached = new Set(app.identity.userAssigned.filter((u) => u.principalId).map((u) => u.id.toLowerCase()));
    const unknownIdentity = app.registries.some((r) => {
      const ref = r.identity?.toLowerCase() ?? "";
      return ref.startsWith("/") && !attached.has(ref) && !identities.has(ref);
    });
    return unknownIdentity || (usesEnvironmentIdentity && environment === undefined);
  }

  /** The app's subscription and every subscription holding one of its registries. */
  function assignmentSubscriptions(): string[] {
    const subscriptions = [app.subscriptionId.toLowerCase()];
    for (const registry of rbacRegistries()) subscriptions.push(registry.subscriptionId.toLowerCase());
    return [...new Set(subscriptions)];
  }

  /**
   * While an image's registry is not found in the app's subscription yet, the few other subscriptions of the app's
   * tenant it may be in (at most SPECULATIVE_SUBSCRIPTIONS): reading the principal's assignments there now, beside
   * the registry lists, keeps a registry in a neighbouring subscription within three waves. With more subscriptions
   * the reads wait for the registry instead (a fourth wave, fewer requests).
   */
  function speculativeSubscriptions(): string[] {
    // A run that prefers fewer requests to fewer waves (a sweep) waits for the registry instead.
    if (deps.fewerRequestsThanWaves) return [];
    const unresolved = registryHosts.some((host) => ACR_HOST.test(host) && !registries.has(host));
    if (!unresolved || !isFound(subscriptionsRead)) return [];
    const own = app.subscriptionId.toLowerCase();
    const tenant = app.identity.tenantId?.toLowerCase() ?? null;
    const others = subscriptionsRead.items
      .filter((s) => s.subscriptionId !== own && (tenant === null || s.tenantId?.toLowerCase() === tenant))
      .map((s) => s.subscriptionId);
    return others.length <= SPECULATIVE_SUBSCRIPTIONS ? others : [];
  }

  /** Role assignments on a subscription (`scope` null) or at a resource scope, with an ARM filter. */
  async function listAssignments(
    subscriptionId: string,
    scope: string | null,
    filter: string,
    neededRole: string,
  ): Promise<PrincipalAssignments> {
    const key = `role-assignments:${subscriptionId}:${scope ?? ""}:${filter}`;
    return share(key, () => readAssignments(subscriptionId, scope, filter, neededRole));
  }

  async function readAssignments(
    subscriptionId: string,
    scope: string | null,
    filter: string,
    neededRole: string,
  ): Promise<PrincipalAssignments> {
    return readOrFailure(scope ?? `/subscriptions/${subscriptionId}`, neededRole, async () => {
      const items: RoleAssignmentFacts[] = [];
      const roleAssignments = clients.authorization(subscriptionId).roleAssignments;
      // The SDK's URL template is "/{scope}/...": a scope with its leading slash would make the path start with "//".
      const list = scope
        ? roleAssignments.listForScope(scope.replace(/^\/+/, ""), { filter })
        : roleAssignments.listForSubscription({ filter });
      for await (const assignment of list) {
        const facts = roleAssignmentFactsFrom(assignment);
        if (facts) items.push(facts);
      }
      return found({ items });
    });
  }

  /**
   * Per principal: assignedTo() on the app's subscription and on each registry's (direct and group assignments, at,
   * above and below). Per registry, only while a principal is still unknown: atScope(), whoever holds them, so that
   * a principal first seen in the next wave (a UAMI not attached) has its grants on the registry, and their role
   * definitions, one wave earlier.
   */
  function planAssignments(): ReadTask[] {
    const tasks: ReadTask[] = [];
    for (const principal of knownPrincipals()) {
      for (const subscriptionId of new Set([...assignmentSubscriptions(), ...speculativeSubscriptions()])) {
        tasks.push(
          ...once(`assignments:${principal}:${subscriptionId}`, async () => {
            const read = await listAssignments(
              subscriptionId,
              null,
              `assignedTo('${principal}')`,
              readerOn(`subscription ${subscriptionId}`),
            );
            const bySubscription = assignmentReads.get(principal) ?? new Map<string, PrincipalAssignments>();
            bySubscription.set(subscriptionId, read);
            assignmentReads.set(principal, bySubscription);
          }),
        );
      }
    }
    // The registry-scope read only saves a wave for a principal not known yet; when every principal is known it
    // would repeat what assignedTo() returns.
    const saveAWave = !deps.fewerRequestsThanWaves && principalsPending();
    for (const registry of saveAWave ? rbacRegistries() : []) {
      tasks.push(
        ...once(`registry-assignments:${registry.id.toLowerCase()}`, async () => {
          const read = await listAssignments(
            registry.subscriptionId,
            registry.id,
            "atScope()",
            readerOn(`registry ${registry.name}`),
          );
          registryScopeReads.set(registry.id.toLowerCase(), read);
        }),
      );
    }
    return tasks;
  }

  /** Assignments read so far for the principals known now. */
  function knownAssignments(): RoleAssignmentFacts[] {
    const principals = new Set(knownPrincipals());
    const all: RoleAssignmentFacts[] = [];
    for (const reads of assignmentReads.values())
      for (const read of reads.values()) if (isFound(read)) all.push(...read.items);
    for (const read of registryScopeReads.values()) {
      if (isFound(read)) all.push(...read.items.filter((a) => principals.has(a.principalId.toLowerCase())));
    }
    return all;
  }

  /** Role definitions of the assignments that cover a registry of the app (the others cannot grant its pulls). */
  function planRoleDefinitions(): ReadTask[] {
    const registryIds = rbacRegistries().map((r) => r.id);
    const tasks: ReadTask[] = [];
    for (const assignment of knownAssignments()) {
      if (!registryIds.some((id) => assignmentCovers(assignment.scope, id))) continue;
      const guid = roleDefinitionGuid(assignment.roleDefinitionId);
      tasks.push(
        ...once(`role:${guid}`, async () => {
          const definition = await roleDefinitionCache.read(assignment.roleDefinitionId, app.subscriptionId);
          if (isFound(definition)) {
            const { readable: _readable, found: _found, ...facts } = definition;
            roleDefinitions.set(guid, facts);
          }
        }),
      );
    }
    return tasks;
  }

  function foundRegistries(): RegistryFacts[] {
    return [...registries.values()].filter(isFound);
  }

  /**
   * Registries whose role assignments matter: not those of another tenant than the app's identities (managed
   * identities cannot pull across tenants, so no role finding is made for them and their assignments are not read).
   */
  function rbacRegistries(): RegistryFacts[] {
    const appTenant = app.identity.tenantId?.toLowerCase() ?? null;
    return foundRegistries().filter((r) => {
      const tenant = subscriptionTenants[r.subscriptionId.toLowerCase()]?.toLowerCase() ?? null;
      return appTenant === null || tenant === null || tenant === appTenant;
    });
  }

  function planNetwork(): ReadTask[] {
    const zoneSubscriptions = new Set([app.subscriptionId.toLowerCase()]);
    if (isFound(subscriptionsRead)) for (const s of subscriptionsRead.items) zoneSubscriptions.add(s.subscriptionId);
    const needy = foundRegistries().filter(registryNeedsNetworkFacts);
    for (const r of needy) zoneSubscriptions.add(r.subscriptionId.toLowerCase());
    return network.plan({ registries: needy, environment, zoneSubscriptions: [...zoneSubscriptions] });
  }

  /** Starts the tag check of each image whose registry is known; they run beside the waves. */
  function startManifestChecks(): void {
    for (const container of app.containers) {
      const image = container.image;
      if (!image || checkedImages.has(image)) continue;
      const host = imageHost(image);
      const registry = registries.get(host);
      if (!registry) continue;
      checkedImages.add(image);
      const checkable = isFound(registry) || (!registry.readable && ACR_HOST.test(host));
      if (!checkable) continue;
      const query = {
        loginServer: isFound(registry) ? registry.loginServer : host,
        ...manifestReferenceOf(image),
        readQuarantineState: isFound(registry) && registry.quarantinePolicy.toLowerCase() === "enabled",
      };
      manifestChecks.push(
        dataPlane.checkManifest(query).then((check) => {
          manifests[image] = check;
        }),
      );
    }
  }

  try {
    for (;;) {
      const tasks = [
        ...planRegistries(),
        ...planEnvironment(),
        ...planIdentities(),
        ...planRevision(),
        ...planAssignments(),
        ...planRoleDefinitions(),
        ...planNetwork(),
      ];
      startManifestChecks();
      if (tasks.length === 0) break;
      await wave(tasks);
    }
  } finally {
    // Let the tag checks finish even when a wave failed, so that none is left running unobserved.
    await Promise.allSettled(manifestChecks);
  }
  await Promise.all(manifestChecks);

  const userAssignedIdentities: Record<string, Read<UserAssignedIdentityFacts>> = Object.fromEntries(identities);
  const roleAssignments: Record<string, PrincipalAssignments> = {};
  const scopeItems = [...registryScopeReads.values()].flatMap((read) => (isFound(read) ? read.items : []));
  // Only the subscriptions that matter count: a speculative read of a subscription that turned out to hold none of
  // the app's registries neither adds grants nor, when it failed, makes the principal's assignments unreadable.
  const relevant = new Set(assignmentSubscriptions());
  for (const [principal, bySubscription] of assignmentReads) {
    const reads = [...bySubscription]
      .filter(([subscriptionId]) => relevant.has(subscriptionId))
      .map(([, read]) => read);
    const atRegistries = scopeItems.filter((a) => a.principalId.toLowerCase() === principal);
    roleAssignments[principal] = mergeAssignmentReads(reads, atRegistries);
  }
  const registryFacts: Record<string, Read<RegistryFacts>> = {};
  for (const [server, read] of registries) {
    const extra = isFound(read) ? network.replicationLocations(read.id) : [];
    registryFacts[server] =
      isFound(read) && extra.length > 0
        ? { ...read, replicationLocations: [...new Set([...read.replicationLocations, ...extra.map(region)])] }
        : read;
  }

  return {
    waves,
    facts: {
      app,
      environment: environment ?? null,
      userAssignedIdentities,
      registries: registryFacts,
      subscriptionTenants,
      roleAssignments,
      roleDefinitions: Object.fromEntries(roleDefinitions),
      revision: revision ?? null,
      network: network.facts(),
      manifests,
    },
  };
}

const region = (location: string): string => location.toLowerCase().replace(/\s+/g, "");

/**
 * One principal's assignments: its assignedTo() reads (unreadable if any was: never a partial pass) and what the
 * registries' atScope() reads showed for it.
 */
function mergeAssignmentReads(
  reads: readonly PrincipalAssignments[],
  atRegistries: readonly RoleAssignmentFacts[],
): PrincipalAssignments {
  const failure = reads.find((r) => !r.readable);
  if (failure) return failure;
  const byId = new Map<string, RoleAssignmentFacts>();
  for (const read of reads)
    if (read.readable && read.found) for (const a of read.items) byId.set(a.id.toLowerCase(), a);
  for (const a of atRegistries) if (!byId.has(a.id.toLowerCase())) byId.set(a.id.toLowerCase(), a);
  return { items: [...byId.values()], readable: true, found: true };
}
