/**
 * One cheap list of every container app in a subscription (ARM pages of apps with their whole configuration), turned
 * into AppSummary rows. It answers "which apps does this event concern?" and "which apps must the sweep read
 * closely?" without a request per app.
 */
import type { ContainerApp, ContainerAppsAPIClient, ManagedEnvironment } from "@azure/arm-appcontainers";
import type { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";

function hostOf(image: string): string | null {
  const first = image.split("/")[0] ?? "";
  if (!image.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost"))
    return "docker.io";
  return first.toLowerCase();
}

export function summarizeApp(app: ContainerApp): AppSummary | null {
  if (!app.id || !app.name) return null;
  const images = [...(app.template?.containers ?? []), ...(app.template?.initContainers ?? [])]
    .map((c) => c.image)
    .filter((i): i is string => typeof i === "string");
  const registries = app.configuration?.registries ?? [];
  const hosts = new Set<string>();
  for (const image of images) {
    const host = hostOf(image);
    if (host) hosts.add(host);
  }
  for (const r of registries) if (r.server) hosts.add(r.server.toLowerCase());
  const identityRefs = new Set<string>();
  for (const r of registries) if (r.identity) identityRefs.add(r.identity.toLowerCase());
  for (const id of Object.keys(app.identity?.userAssignedIdentities ?? {})) identityRefs.add(id.toLowerCase());
  return {
    id: app.id,
    name: app.name,
    environmentId: app.environmentId ?? app.managedEnvironmentId ?? null,
    provisioningState: app.provisioningState ?? null,
    latestRevisionName: app.latestRevisionName ?? null,
    latestReadyRevisionName: app.latestReadyRevisionName ?? null,
    registryHosts: [...hosts],
    identityRefs: [...identityRefs],
    tags: app.tags ?? {},
  };
}

/** `onApp` sees each app as listed (a sweep keeps them, so it need not read them again). */
export async function listAppSummaries(
  client: ContainerAppsAPIClient,
  onApp?: (app: ContainerApp) => void,
): Promise<AppSummary[]> {
  const out: AppSummary[] = [];
  for await (const app of client.containerApps.listBySubscription()) {
    onApp?.(app);
    const summary = summarizeApp(app);
    if (summary) out.push(summary);
  }
  return out;
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
