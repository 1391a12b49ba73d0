/**
 * What one cheap list of container apps tells about each app's pull path: enough to know which apps an event about a
 * registry, an identity or a role assignment concerns, and which apps a sweep must look at closely. No per-app
 * request is needed to build it.
 */
import { globalLoginServer } from "./acr-host.js";
import { assignmentCovers } from "./roles.js";

export interface AppSummary {
  id: string;
  name: string;
  environmentId: string | null;
  provisioningState: string | null;
  latestRevisionName: string | null;
  latestReadyRevisionName: string | null;
  /** Lower-cased hosts of every image and every registries[].server. */
  registryHosts: string[];
  /** registries[].identity values and the attached user-assigned identity IDs, lower-cased. */
  identityRefs: string[];
  tags: Record<string, string>;
}

/** A registry as one list call per subscription shows it: enough to map a scope to login servers. */
export interface RegistrySummary {
  id: string;
  loginServer: string;
}

const lower = (s: string) => s.toLowerCase();

/** Apps that name one of these login servers, through it or through one of its regional endpoints. */
export function appsPullingFrom(apps: readonly AppSummary[], loginServers: readonly string[]): AppSummary[] {
  const servers = new Set(loginServers.map(globalLoginServer));
  return apps.filter((app) => app.registryHosts.some((h) => servers.has(globalLoginServer(h))));
}

export function appsUsingIdentity(apps: readonly AppSummary[], identityId: string): AppSummary[] {
  const id = lower(identityId);
  return apps.filter((app) => app.identityRefs.includes(id));
}

/** Login servers of the registries a role-assignment scope covers (the registry itself, its group, its subscription). */
export function loginServersUnder(scope: string, registries: readonly RegistrySummary[]): string[] {
  return registries.filter((r) => assignmentCovers(scope, r.id)).map((r) => lower(r.loginServer));
}

/**
 * The apps a sweep must read closely: the last deployment failed, or the latest revision is not the latest ready one
 * (it never became ready). Runtime failures of a revision that was once ready are found by the pull-failure alert
 * and by diagnosing configuration, which needs no revision read.
 */
export function looksUnhealthy(app: AppSummary): boolean {
  const state = lower(app.provisioningState ?? "");
  if (state === "failed") return true;
  return (
    app.latestRevisionName !== null &&
    app.latestReadyRevisionName !== null &&
    lower(app.latestRevisionName) !== lower(app.latestReadyRevisionName)
  );
}
