/**
 * Generated worlds for the bench: N container apps spread over 3 subscriptions (one tenant), 20 registries, a
 * managed environment per 25 apps, shared user-assigned identities, and one AcrPull assignment per pulling principal.
 * Everything is derived from the app's index, so a world repeats exactly from run to run.
 *
 * Broken apps are planted at a fixed rate: app i is broken when i % 50 === 5 (1 of 10, 2 of 100, 20 of 1,000), as a
 * failed deployment (provisioningState Failed, the latest revision never became ready), cycling through three faults:
 *   pull-role-missing      its system identity holds no AcrPull
 *   image-not-found        its image tag was never pushed
 *   identity-not-attached  registries[].identity names a user-assigned identity the app does not attach
 *
 * `options.jobs`: the world also has one Container Apps job per 10 apps, with their executions and broken jobs
 * planted at the same rate (world-jobs.ts), and its `now` is fixed (BENCH_NOW) so that which crons fired inside the
 * sweep's lookback is the same in every run.
 */
import { createHash } from "node:crypto";
import {
  BENCH_NOW,
  JOB_APP_OFFSET,
  JOBS_EVERY,
  jobExecutions,
  jobPlan,
  jobTriggerConfiguration,
} from "./world-jobs.js";

export const SUBSCRIPTION_COUNT = 3;
export const REGISTRY_COUNT = 20;
export const APPS_PER_ENVIRONMENT = 25;
export const UAMIS_PER_SUBSCRIPTION = 4;
export const BROKEN_EVERY = 50;
export const BROKEN_OFFSET = 5;
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const TENANT = guid("tenant");
const LOCATION = "westeurope";

export type PlantedFault = "pull-role-missing" | "image-not-found" | "identity-not-attached";
const FAULTS: PlantedFault[] = ["pull-role-missing", "image-not-found", "identity-not-attached"];

/** A name-based GUID (SHA-1 of the parts), stable across runs. */
export function guid(...parts: Array<string | number>): string {
  const h = createHash("sha1").update(parts.join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const subscriptionIds: string[] = Array.from({ length: SUBSCRIPTION_COUNT }, (_, s) => guid("subscription", s));

export interface GeneratedWorld {
  world: Record<string, unknown>;
  appIds: string[];
  /** App ID (v2: or job ID) → the fault planted in it: the workloads a sweep must find broken. */
  broken: Map<string, PlantedFault>;
  /** v2: the jobs (none unless `options.jobs`). */
  jobIds: string[];
  /** v2: the jobs whose failed run is older than the sweep's lookback, with their fault: a sweep must pass them by. */
  staleBrokenJobs: Map<string, PlantedFault>;
  /** The world's `now` (BENCH_NOW when it has jobs; absent: the emulator's start). */
  now: string | null;
  registryIds: string[];
  /** Registry ID → the IDs of the role assignments that grant AcrPull on it. */
  assignmentsByRegistry: Map<string, string[]>;
  identityIds: string[];
  subscriptions: string[];
}

interface Registry {
  id: string;
  name: string;
  loginServer: string;
  subscription: string;
}

function registriesOf(): Registry[] {
  return Array.from({ length: REGISTRY_COUNT }, (_, r) => {
    const subscription = subscriptionIds[r % SUBSCRIPTION_COUNT] ?? "";
    const name = `benchacr${String(r).padStart(2, "0")}`;
    return {
      id: `/subscriptions/${subscription}/resourceGroups/rg-registries/providers/Microsoft.ContainerRegistry/registries/${name}`,
      name,
      loginServer: `${name}.azurecr.io`,
      subscription,
    };
  });
}

const uamiId = (subscription: string, k: number) =>
  `/subscriptions/${subscription}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-pull-${k}`;

export function isBroken(index: number): boolean {
  return index % BROKEN_EVERY === BROKEN_OFFSET;
}

/** `options.broken: false`: every app healthy (the sweep's cost without broken apps). */
export function generateWorld(appCount: number, options: { broken?: boolean; jobs?: boolean } = {}): GeneratedWorld {
  const plant = options.broken ?? true;
  const withJobs = options.jobs ?? false;
  const resources: Array<Record<string, unknown>> = [];
  const registries = registriesOf();
  const registryContent: Record<string, Record<string, string[]>> = {};
  const broken = new Map<string, PlantedFault>();
  const appIds: string[] = [];
  const assignmentsByRegistry = new Map<string, string[]>();
  const identityIds: string[] = [];
  const grants = new Set<string>();

  const grant = (registry: Registry, principalId: string, principalType = "ServicePrincipal") => {
    const key = `${registry.id}|${principalId}`;
    if (grants.has(key)) return;
    grants.add(key);
    const name = guid("assignment", registry.id, principalId);
    const id = `${registry.id}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    resources.push({
      id,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        scope: registry.id,
        roleDefinitionId: `/subscriptions/${registry.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
        principalId,
        principalType,
      },
    });
    assignmentsByRegistry.set(registry.id, [...(assignmentsByRegistry.get(registry.id) ?? []), id]);
  };

  for (const registry of registries) {
    resources.push({
      id: registry.id,
      name: registry.name,
      type: "Microsoft.ContainerRegistry/registries",
      location: LOCATION,
      sku: { name: "Premium" },
      properties: {
        loginServer: registry.loginServer,
        adminUserEnabled: false,
        publicNetworkAccess: "Enabled",
        networkRuleBypassOptions: "AzureServices",
        policies: { quarantinePolicy: { status: "disabled" }, azureADAuthenticationAsArmPolicy: { status: "enabled" } },
        roleAssignmentMode: "LegacyRegistryPermissions",
      },
    });
    registryContent[registry.loginServer] = {};
  }

  for (const subscription of subscriptionIds) {
    for (let k = 0; k < UAMIS_PER_SUBSCRIPTION; k++) {
      const id = uamiId(subscription, k);
      identityIds.push(id);
      resources.push({
        id,
        name: `id-pull-${k}`,
        type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        location: LOCATION,
        properties: { principalId: guid("uami-principal", id), clientId: guid("uami-client", id), tenantId: TENANT },
      });
    }
  }

  const environments = new Set<string>();
  /**
   * Where workload i (app i, or a job beside it) runs and how it pulls: its subscription, team group and environment,
   * its registry (mostly one of its own subscription; every 10th pulls from another one), its image pushed (unless
   * image-not-found), its identity and the AcrPull grant of its principal (unless pull-role-missing).
   */
  const place = (i: number, type: string, name: string, fault: PlantedFault | undefined) => {
    const s = i % SUBSCRIPTION_COUNT;
    const subscription = subscriptionIds[s] ?? "";
    const inSubscription = Math.floor(i / SUBSCRIPTION_COUNT);
    const team = Math.floor(inSubscription / APPS_PER_ENVIRONMENT);
    const group = `rg-team-${team}`;
    const environmentId = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.App/managedEnvironments/env-team-${team}`;
    if (!environments.has(environmentId)) {
      environments.add(environmentId);
      resources.push({
        id: environmentId,
        name: `env-team-${team}`,
        type: "Microsoft.App/managedEnvironments",
        location: LOCATION,
        properties: { defaultDomain: `team${team}-${s}.${LOCATION}.azurecontainerapps.io` },
      });
    }
    const sameSubscription = registries.filter((r) => r.subscription === subscription);
    const registry =
      i % 10 === 9
        ? (registries[(i * 7) % REGISTRY_COUNT] as Registry)
        : (sameSubscription[inSubscription % sameSubscription.length] as Registry);
    const id = `/subscriptions/${subscription}/resourceGroups/${group}/providers/${type}/${name}`;
    const repository = `team${team}/${name}`;
    const tag = `1.${i % 7}.0`;
    const repos = registryContent[registry.loginServer] ?? {};
    repos[repository] = fault === "image-not-found" ? ["0.9.0"] : [tag, "latest"];
    registryContent[registry.loginServer] = repos;

    // Every 5th workload pulls with a shared user-assigned identity of its subscription; the others with their own.
    const usesUami = i % 5 === 2 || fault === "identity-not-attached";
    const uami = uamiId(subscription, i % UAMIS_PER_SUBSCRIPTION);
    const principalId = guid("system-identity", id);
    const identity = usesUami
      ? fault === "identity-not-attached"
        ? { type: "SystemAssigned", principalId, tenantId: TENANT }
        : { type: "UserAssigned", userAssignedIdentities: { [uami]: {} } }
      : { type: "SystemAssigned", principalId, tenantId: TENANT };
    if (usesUami) grant(registry, guid("uami-principal", uami));
    else if (fault !== "pull-role-missing") grant(registry, principalId);
    return {
      id,
      s,
      team,
      tag,
      environmentId,
      identity,
      registries: [{ server: registry.loginServer, identity: usesUami ? uami : "system" }],
      image: `${registry.loginServer}/${repository}:${tag}`,
    };
  };

  for (let i = 0; i < appCount; i++) {
    const name = `app-${String(i).padStart(4, "0")}`;
    const fault = plant && isBroken(i) ? FAULTS[Math.floor(i / BROKEN_EVERY) % FAULTS.length] : undefined;
    const at = place(i, "Microsoft.App/containerApps", name, fault);
    appIds.push(at.id);
    if (fault) broken.set(at.id, fault);
    const revision = `${name}--r${at.tag.replace(/\./g, "")}`;
    resources.push({
      id: at.id,
      name,
      type: "Microsoft.App/containerApps",
      location: LOCATION,
      tags: { team: `team${at.team}` },
      identity: at.identity,
      properties: {
        provisioningState: fault ? "Failed" : "Succeeded",
        environmentId: at.environmentId,
        managedEnvironmentId: at.environmentId,
        outboundIpAddresses: [`20.${at.s}.${at.team}.${(i % 250) + 1}`],
        latestRevisionName: revision,
        ...(fault ? { latestReadyRevisionName: `${name}--r0` } : {}),
        configuration: {
          activeRevisionsMode: "Single",
          registries: at.registries,
          secrets: [],
          ingress: { external: true, targetPort: 8080 },
        },
        template: {
          containers: [{ name: "app", image: at.image, resources: { cpu: 0.5, memory: "1Gi" } }],
          scale: { minReplicas: 1, maxReplicas: 3 },
        },
      },
    });
  }

  const jobIds: string[] = [];
  const staleBrokenJobs = new Map<string, PlantedFault>();
  const now = withJobs ? new Date(BENCH_NOW) : null;
  for (let j = 0; now && j < Math.floor(appCount / JOBS_EVERY); j++) {
    const plan = jobPlan(j);
    const fault = plant && plan.planted ? FAULTS[Math.floor(j / BROKEN_EVERY) % FAULTS.length] : undefined;
    const at = place(JOBS_EVERY * j + JOB_APP_OFFSET, "Microsoft.App/jobs", plan.name, fault);
    jobIds.push(at.id);
    if (fault) (plan.planted === "recent" ? broken : staleBrokenJobs).set(at.id, fault);
    const template = { containers: [{ name: "job", image: at.image, resources: { cpu: 0.5, memory: "1Gi" } }] };
    resources.push({
      id: at.id,
      name: plan.name,
      type: "Microsoft.App/jobs",
      location: LOCATION,
      tags: { team: `team${at.team}` },
      identity: at.identity,
      properties: {
        provisioningState: "Succeeded",
        environmentId: at.environmentId,
        configuration: { ...jobTriggerConfiguration(plan), registries: at.registries, secrets: [] },
        template,
      },
    });
    // Without planted faults, a planted job's runs all Succeeded (the same runs, the same reads).
    resources.push(...jobExecutions(at.id, fault ? plan : { ...plan, planted: null }, now, template));
  }

  const world = {
    description: `bench: ${appCount} container apps${now ? ` and ${jobIds.length} jobs` : ""} over ${SUBSCRIPTION_COUNT} subscriptions and ${REGISTRY_COUNT} registries`,
    ...(now ? { now: now.toISOString() } : {}),
    tenants: [{ tenantId: TENANT, subscriptions: subscriptionIds }],
    resources,
    registryContent,
  };
  return {
    world,
    appIds,
    broken,
    jobIds,
    staleBrokenJobs,
    now: now ? now.toISOString() : null,
    registryIds: registries.map((r) => r.id),
    assignmentsByRegistry,
    identityIds,
    subscriptions: [...subscriptionIds],
  };
}
