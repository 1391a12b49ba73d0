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
 */
import { createHash } from "node:crypto";

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
  /** App ID → the fault planted in it. */
  broken: Map<string, PlantedFault>;
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
export function generateWorld(appCount: number, options: { broken?: boolean } = {}): GeneratedWorld {
  const plant = options.broken ?? true;
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
  for (let i = 0; i < appCount; i++) {
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
    // Mostly a registry of the app's own subscription; every 10th app pulls from a registry of another one.
    const sameSubscription = registries.filter((r) => r.subscription === subscription);
    const registry =
      i % 10 === 9
        ? (registries[(i * 7) % REGISTRY_COUNT] as Registry)
        : (sameSubscription[inSubscription % sameSubscription.length] as Registry);
    const name = `app-${String(i).padStart(4, "0")}`;
    const id = `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.App/containerApps/${name}`;
    appIds.push(id);
    const repository = `team${team}/${name}`;
    const tag = `1.${i % 7}.0`;
    const fault = plant && isBroken(i) ? FAULTS[Math.floor(i / BROKEN_EVERY) % FAULTS.length] : undefined;
    if (fault) broken.set(id, fault);
    const repos = registryContent[registry.loginServer] ?? {};
    repos[repository] = fault === "image-not-found" ? ["0.9.0"] : [tag, "latest"];
    registryContent[registry.loginServer] = repos;

    // Every 5th app pulls with a shared user-assigned identity of its subscription; the others with their own.
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

    const revision = `${name}--r${tag.replace(/\./g, "")}`;
    resources.push({
      id,
      name,
      type: "Microsoft.App/containerApps",
      location: LOCATION,
      tags: { team: `team${team}` },
      identity,
      properties: {
        provisioningState: fault ? "Failed" : "Succeeded",
        environmentId,
        managedEnvironmentId: environmentId,
        outboundIpAddresses: [`20.${s}.${team}.${(i % 250) + 1}`],
        latestRevisionName: revision,
        ...(fault ? { latestReadyRevisionName: `${name}--r0` } : {}),
        configuration: {
          activeRevisionsMode: "Single",
          registries: [{ server: registry.loginServer, identity: usesUami ? uami : "system" }],
          secrets: [],
          ingress: { external: true, targetPort: 8080 },
        },
        template: {
          containers: [
            {
              name: "app",
              image: `${registry.loginServer}/${repository}:${tag}`,
              resources: { cpu: 0.5, memory: "1Gi" },
            },
          ],
          scale: { minReplicas: 1, maxReplicas: 3 },
        },
      },
    });
  }

  const world = {
    description: `bench: ${appCount} container apps over ${SUBSCRIPTION_COUNT} subscriptions and ${REGISTRY_COUNT} registries`,
    tenants: [{ tenantId: TENANT, subscriptions: subscriptionIds }],
    resources,
    registryContent,
  };
  return {
    world,
    appIds,
    broken,
    registryIds: registries.map((r) => r.id),
    assignmentsByRegistry,
    identityIds,
    subscriptions: [...subscriptionIds],
  };
}
