/**
 * Container Apps answers → facts. The app (v2: or job), environment and identities come from the SDK's models (which flatten
 * `properties`); the revision and its replicas are mapped from the raw response body (nested `properties`), because
 * their states are open strings ("Activating" is seen in the wild) and the raw body keeps every field as sent.
 */
import type {
  Container,
  ContainerApp,
  InitContainer,
  Job,
  ManagedEnvironment,
  ManagedServiceIdentity,
  RegistryCredentials,
  Secret,
} from "@azure/arm-appcontainers";
import type { Identity } from "@azure/arm-msi";
import type {
  AppFacts,
  EnvironmentFacts,
  ManagedIdentityFacts,
  ReplicaContainerFacts,
  RevisionFacts,
  UserAssignedIdentityFacts,
} from "../core/facts.js";
import { type WorkloadKind, workloadNoun } from "../core/resource-id.js";
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

/** What a container app and a job share on the pull path (the SDK's `ContainerApp` and `Job` both fit). */
type WorkloadModel = Pick<
  ContainerApp | Job,
  "id" | "name" | "location" | "tags" | "identity" | "provisioningState"
> & {
  environmentId?: string;
  outboundIpAddresses?: string[];
  configuration?: { registries?: RegistryCredentials[]; secrets?: Secret[] };
  template?: { containers?: Container[]; initContainers?: InitContainer[] };
};

/**
 * The one mapping of a workload's pull-path fields (pull-path.md v2: a job carries the same `identity`,
 * `environmentId`, `configuration.registries[]`, `configuration.secrets[]` and `template` as an app); what differs by
 * kind (revisions, the trigger) is passed in. Throws when ARM answered without an ID (never seen; the facts cannot be
 * keyed without it).
 */
function workloadFactsFrom(
  kind: WorkloadKind,
  workload: WorkloadModel,
  own: Pick<AppFacts, "environmentId" | "latestRevisionName" | "latestReadyRevisionName" | "trigger">,
): AppFacts {
  const id = workload.id ?? "";
  const parts = parseArmId(id);
  if (!parts?.resourceGroup || !workload.name) {
    throw new Error(`ARM returned a ${workloadNoun(kind)} without a usable id (${id})`);
  }
  return {
    kind,
    id,
    name: workload.name,
    subscriptionId: parts.subscriptionId,
    resourceGroup: parts.resourceGroup,
    location: workload.location,
    tags: workload.tags ?? {},
    environmentId: own.environmentId,
    provisioningState: workload.provisioningState ?? null,
    latestRevisionName: own.latestRevisionName,
    latestReadyRevisionName: own.latestReadyRevisionName,
    outboundIpAddresses: workload.outboundIpAddresses ?? [],
    identity: identityFactsFrom(workload.identity),
    registries: (workload.configuration?.registries ?? []).map((r) => ({
      server: r.server ?? "",
      identity: r.identity ?? null,
      username: r.username ?? null,
      passwordSecretRef: r.passwordSecretRef ?? null,
    })),
    secretNames: (workload.configuration?.secrets ?? []).map((s) => s.name).filter((n): n is string => !!n),
    containers: [
      ...(workload.template?.containers ?? []).map((c) => ({
        name: c.name ?? "",
        image: c.image ?? "",
        kind: "container" as const,
      })),
      ...(workload.template?.initContainers ?? []).map((c) => ({
        name: c.name ?? "",
        image: c.image ?? "",
        kind: "init" as const,
      })),
    ],
    trigger: own.trigger,
  };
}

/** A container app (older apps name their environment `managedEnvironmentId`). */
export function appFactsFrom(app: ContainerApp): AppFacts {
  return workloadFactsFrom("app", app, {
    environmentId: app.environmentId ?? app.managedEnvironmentId ?? null,
    latestRevisionName: app.latestRevisionName ?? null,
    latestReadyRevisionName: app.latestReadyRevisionName ?? null,
    trigger: null,
  });
}

/**
 * v2: a container apps job. No revisions (its runs are executions, read by readers/executions.ts); its trigger is
 * `configuration.triggerType` (Manual, Schedule, Event) with `scheduleTriggerConfig.cronExpression` for a scheduled
 * one (Job_Get.json in azure-rest-api-specs' 2025-07-01 examples; the SDK's `JobConfiguration`).
 */
export function jobFactsFrom(job: Job): AppFacts {
  return workloadFactsFrom("job", job, {
    environmentId: job.environmentId ?? null,
    latestRevisionName: null,
    latestReadyRevisionName: null,
    trigger: job.configuration
      ? {
          type: job.configuration.triggerType,
          cronExpression: job.configuration.scheduleTriggerConfig?.cronExpression ?? null,
        }
      : null,
  });
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
