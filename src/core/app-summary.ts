/**
 * What one cheap list of workloads (v2: container apps and jobs) tells about each one's pull path: enough to know which
 * workloads an event about a registry, an identity, a role assignment or an environment concerns, and which a sweep
 * must look at closely. No per-workload request is needed to build it. "App" in the names below means either kind.
 */
import { globalLoginServer } from "./acr-host.js";
import type { JobTriggerFacts } from "./facts.js";
import type { WorkloadKind } from "./resource-id.js";
import { assignmentCovers } from "./roles.js";

export interface AppSummary {
  /** v2: a container app or a job. */
  kind: WorkloadKind;
  id: string;
  name: string;
  environmentId: string | null;
  provisioningState: string | null;
  /** Null for a job (a job has no revisions). */
  latestRevisionName: string | null;
  latestReadyRevisionName: string | null;
  /** v2: a job's trigger type and, for a Schedule job, its cron expression; null for an app. */
  trigger: JobTriggerFacts | null;
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

/** v2: the workloads of a managed environment (an environment's identity or network changed). */
export function appsInEnvironment(apps: readonly AppSummary[], environmentId: string): AppSummary[] {
  const id = lower(environmentId);
  return apps.filter((app) => app.environmentId !== null && lower(app.environmentId) === id);
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
 * The workloads a sweep must read closely: the last deployment failed (an app or a job), or an app's latest revision
 * is not the latest ready one (it never became ready). Runtime failures of a revision that was once ready are found by
 * the pull-failure alert and by diagnosing configuration, which needs no revision read. A job that did not fail to
 * provision may still have failed executions: `jobSweepLook` (job-sweep.ts) says whether to read them.
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
