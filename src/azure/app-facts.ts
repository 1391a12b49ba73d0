/**
 * Container Apps answers → facts. The app, environment and identities come from the SDK's models (which flatten
 * `properties`); the revision and its replicas are mapped from the raw response body (nested `properties`), because
 * their states are open strings ("Activating" is seen in the wild) and the raw body keeps every field as sent.
 */
import type { ContainerApp, ManagedEnvironment, ManagedServiceIdentity } from "@azure/arm-appcontainers";
import type { Identity } from "@azure/arm-msi";
import type {
  AppFacts,
  EnvironmentFacts,
  ManagedIdentityFacts,
  ReplicaContainerFacts,
  RevisionFacts,
  UserAssignedIdentityFacts,
} from "../core/facts.js";
import { parseArmId } from "./arm-id.js";

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function identityFactsFrom(identity: ManagedServiceIdentity | undefined): ManagedIdentityFacts {
  return {
    type: identity?.type ?? "None",
    principalId: identity?.principalId ?? null,
    tenantId: identity?.tenantId ?? null,
    userAssigned: Object.entries(identity?.userAssignedIdentities ?? {}).map(([id, value]) => ({
      id,
      principalId: value?.principalId ?? null,
      clientId: value?.clientId ?? null,
    })),
  };
}

/** Throws when ARM answered without an ID (never seen; the facts cannot be keyed without it). */
export function appFactsFrom(app: ContainerApp): AppFacts {
  const id = app.id ?? "";
  const parts = parseArmId(id);
  if (!parts?.resourceGroup || !app.name) throw new Error(`ARM returned a container app without a usable id (${id})`);
  return {
    kind: "app",
    id,
    name: app.name,
    subscriptionId: parts.subscriptionId,
    resourceGroup: parts.resourceGroup,
    location: app.location,
    tags: app.tags ?? {},
    environmentId: app.environmentId ?? app.managedEnvironmentId ?? null,
    provisioningState: app.provisioningState ?? null,
    latestRevisionName: app.latestRevisionName ?? null,
    latestReadyRevisionName: app.latestReadyRevisionName ?? null,
    outboundIpAddresses: app.outboundIpAddresses ?? [],
    identity: identityFactsFrom(app.identity),
    registries: (app.configuration?.registries ?? []).map((r) => ({
      server: r.server ?? "",
      identity: r.identity ?? null,
      username: r.username ?? null,
      passwordSecretRef: r.passwordSecretRef ?? null,
    })),
    secretNames: (app.configuration?.secrets ?? []).map((s) => s.name).filter((n): n is string => !!n),
    containers: [
      ...(app.template?.containers ?? []).map((c) => ({
        name: c.name ?? "",
        image: c.image ?? "",
        kind: "container" as const,
      })),
      ...(app.template?.initContainers ?? []).map((c) => ({
        name: c.name ?? "",
        image: c.image ?? "",
        kind: "init" as const,
      })),
    ],
    trigger: null,
  };
}

export function environmentFactsFrom(environment: ManagedEnvironment): EnvironmentFacts {
  return {
    id: environment.id ?? "",
    name: environment.name ?? "",
    identity: identityFactsFrom(environment.identity),
    infrastructureSubnetId: environment.vnetConfiguration?.infrastructureSubnetId ?? null,
    internal: environment.vnetConfiguration?.internal ?? false,
  };
}

/** A user-assigned identity; its principal and client IDs are always present on a GET (ARM fills them in). */
export function userAssignedIdentityFactsFrom(identity: Identity): UserAssignedIdentityFacts {
  return {
    id: identity.id ?? "",
    principalId: identity.principalId ?? "",
    clientId: identity.clientId ?? "",
    tenantId: identity.tenantId ?? "",
  };
}

function replicaContainersFrom(value: unknown, kind: "container" | "init"): ReplicaContainerFacts[] {
  return list(value).map((raw) => {
    const c = record(raw);
    return {
      name: text(c.name) ?? "",
      kind,
      runningState: text(c.runningState),
      runningStateDetails: text(c.runningStateDetails),
      restartCount: typeof c.restartCount === "number" ? c.restartCount : null,
    };
  });
}

/**
 * A revision and its replicas from the raw bodies of `GET .../revisions/{name}` and `GET .../replicas`
 * (`{ value: [...] }`); `replicasBody` is null when the replica list could not be read.
 */
export function revisionFactsFrom(revisionBody: unknown, replicasBody: unknown): RevisionFacts {
  const revision = record(revisionBody);
  const properties = record(revision.properties);
  return {
    name: text(revision.name) ?? "",
    provisioningState: text(properties.provisioningState),
    runningState: text(properties.runningState),
    runningStateDetails: text(properties.runningStateDetails),
    healthState: text(properties.healthState),
    provisioningError: text(properties.provisioningError),
    createdTime: text(properties.createdTime),
    replicas: list(record(replicasBody).value).map((raw) => {
      const replica = record(raw);
      const p = record(replica.properties);
      return {
        name: text(replica.name) ?? "",
        runningState: text(p.runningState),
        runningStateDetails: text(p.runningStateDetails),
        containers: [
          ...replicaContainersFrom(p.containers, "container"),
          ...replicaContainersFrom(p.initContainers, "init"),
        ],
      };
    }),
  };
}
