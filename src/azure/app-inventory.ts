/**
 * One cheap list of every workload in a subscription or resource group (v2: container apps and container apps jobs,
 * one list call each; ARM pages of them with their whole configuration), turned into AppSummary rows. It answers
 * "which workloads does this event concern?" and "which workloads must the sweep read closely?" without a request per
 * workload. A job is summarised by the same code as an app: the pull path (`identity`, `configuration.registries[]`,
 * `template.containers[]` / `initContainers[]`) has the same shape in both (pull-path.md v2).
 */
import type { ContainerApp, ContainerAppsAPIClient, Job, ManagedEnvironment } from "@azure/arm-appcontainers";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";

function hostOf(image: string): string | null {
  const first = image.split("/")[0] ?? "";
  if (!image.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost"))
    return "docker.io";
  return first.toLowerCase();
}

/** What an app and a job share: the pull path and where it runs. */
type Workload = Pick<ContainerApp, "id" | "name" | "identity" | "tags" | "environmentId"> & {
  provisioningState?: string;
  template?: Pick<NonNullable<ContainerApp["template"]>, "containers" | "initContainers">;
  configuration?: { registries?: NonNullable<ContainerApp["configuration"]>["registries"] };
};

type KindFields = Pick<AppSummary, "kind" | "latestRevisionName" | "latestReadyRevisionName" | "trigger">;

function summarize(workload: Workload, fields: KindFields, environmentId: string | undefined): AppSummary | null {
  if (!workload.id || !workload.name) return null;
  const images = [...(workload.template?.containers ?? []), ...(workload.template?.initContainers ?? [])]
    .map((c) => c.image)
    .filter((i): i is string => typeof i === "string");
  const registries = workload.configuration?.registries ?? [];
  const hosts = new Set<string>();
  for (const image of images) {
    const host = hostOf(image);
    if (host) hosts.add(host);
  }
  for (const r of registries) if (r.server) hosts.add(r.server.toLowerCase());
  const identityRefs = new Set<string>();
  for (const r of registries) if (r.identity) identityRefs.add(r.identity.toLowerCase());
  for (const id of Object.keys(workload.identity?.userAssignedIdentities ?? {})) identityRefs.add(id.toLowerCase());
  return {
    ...fields,
    id: workload.id,
    name: workload.name,
    environmentId: environmentId ?? null,
    provisioningState: workload.provisioningState ?? null,
    registryHosts: [...hosts],
    identityRefs: [...identityRefs],
    tags: workload.tags ?? {},
  };
}

export function summarizeApp(app: ContainerApp): AppSummary | null {
  return summarize(
    app,
    {
      kind: "app",
      latestRevisionName: app.latestRevisionName ?? null,
      latestReadyRevisionName: app.latestReadyRevisionName ?? null,
      trigger: null,
    },
    app.environmentId ?? app.managedEnvironmentId,
  );
}

/** v2: a job as the same summary; its trigger (and a Schedule job's cron) instead of revision names. */
export function summarizeJob(job: Job): AppSummary | null {
  const configuration = job.configuration;
  return summarize(
    job,
    {
      kind: "job",
      latestRevisionName: null,
      latestReadyRevisionName: null,
      trigger: configuration
        ? {
            type: configuration.triggerType,
            cronExpression: configuration.scheduleTriggerConfig?.cronExpression ?? null,
          }
        : null,
    },
    job.environmentId,
  );
}

export interface ListedWorkloads {
  /** Narrows the lists to one resource group (`listByResourceGroup`); absent: the whole subscription. */
  resourceGroup?: string;
  /** Sees each app as listed (a sweep keeps them, so it need not read them again). */
  onApp?: (app: ContainerApp) => void;
  /** Sees each job as listed. */
  onJob?: (job: Job) => void;
}

async function collect<T>(items: AsyncIterable<T>, summary: (item: T) => AppSummary | null, seen?: (item: T) => void) {
  const out: AppSummary[] = [];
  for await (const item of items) {
    seen?.(item);
    const s = summary(item);
    if (s) out.push(s);
  }
  return out;
}

/**
 * The apps and the jobs of a subscription (or of one resource group): two list calls (plus their next pages), apps
 * first. `containerApps.listBySubscription` / `listByResourceGroup` and `jobs.listBySubscription` /
 * `listByResourceGroup` of `@azure/arm-appcontainers` (REST: ContainerApps_ListBySubscription, Jobs_ListBySubscription,
 * ... in Microsoft.App/ContainerApps/stable/2025-07-01).
 */
export async function listAppSummaries(
  client: ContainerAppsAPIClient,
  options: ListedWorkloads = {},
): Promise<AppSummary[]> {
  const { resourceGroup, onApp, onJob } = options;
  const [apps, jobs] = await Promise.all([
    collect(
      resourceGroup
        ? client.containerApps.listByResourceGroup(resourceGroup)
        : client.containerApps.listBySubscription(),
      summarizeApp,
      onApp,
    ),
    collect(
      resourceGroup ? client.jobs.listByResourceGroup(resourceGroup) : client.jobs.listBySubscription(),
      summarizeJob,
      onJob,
    ),
  ]);
  return [...apps, ...jobs];
}

/** Every managed environment of a subscription (a sweep reads them in one list instead of one GET per app). */
export async function listEnvironments(client: ContainerAppsAPIClient): Promise<ManagedEnvironment[]> {
  const out: ManagedEnvironment[] = [];
  for await (const environment of client.managedEnvironments.listBySubscription()) out.push(environment);
  return out;
}

export async function listRegistrySummaries(client: ContainerRegistryManagementClient): Promise<RegistrySummary[]> {
  const out: RegistrySummary[] = [];
  for await (const r of client.registries.list()) {
    if (r.id && r.loginServer) out.push({ id: r.id, loginServer: r.loginServer.toLowerCase() });
  }
  return out;
}
