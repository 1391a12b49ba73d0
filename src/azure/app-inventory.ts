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
import type { AppFacts } from "../core/facts.js";
import { appFactsFrom, jobFactsFrom } from "./app-facts.js";

function hostOf(image: string): string | null {
  const first = image.split("/")[0] ?? "";
  if (!image.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost"))
    return "docker.io";
  return first.toLowerCase();
}

/**
 * The summary of a workload's facts: the same mapping of the SDK's `ContainerApp` / `Job` that a diagnosis reads
 * (app-facts.ts), reduced to what the lists answer. Null for a workload ARM listed without a usable ID.
 */
function summaryOf(toFacts: () => AppFacts): AppSummary | null {
  let facts: AppFacts;
  try {
    facts = toFacts();
  } catch {
    return null; // ARM listed it without an ID or name (never seen): nothing can be keyed by it.
  }
  const hosts = new Set<string>();
  for (const c of facts.containers) {
    const host = c.image ? hostOf(c.image) : null;
    if (host) hosts.add(host);
  }
  for (const r of facts.registries) if (r.server) hosts.add(r.server.toLowerCase());
  const identityRefs = new Set<string>();
  for (const r of facts.registries) if (r.identity) identityRefs.add(r.identity.toLowerCase());
  for (const u of facts.identity.userAssigned) identityRefs.add(u.id.toLowerCase());
  return {
    kind: facts.kind,
    id: facts.id,
    name: facts.name,
    environmentId: facts.environmentId,
    provisioningState: facts.provisioningState,
    latestRevisionName: facts.latestRevisionName,
    latestReadyRevisionName: facts.latestReadyRevisionName,
    trigger: facts.trigger,
    registryHosts: [...hosts],
    identityRefs: [...identityRefs],
    tags: facts.tags,
  };
}

export const summarizeApp = (app: ContainerApp): AppSummary | null => summaryOf(() => appFactsFrom(app));

/** v2: a job as the same summary; its trigger (and a Schedule job's cron) instead of revision names. */
export const summarizeJob = (job: Job): AppSummary | null => summaryOf(() => jobFactsFrom(job));

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
