/**
 * The two things every layer reads off an ARM resource ID without parsing it fully: its subscription and its name.
 * IDs are case-insensitive (ARM returns them in any casing); a trailing slash is ignored.
 *
 *   subscriptionOf("/subscriptions/AAA/resourceGroups/rg/providers/Microsoft.App/containerApps/api") → "aaa"
 *   subscriptionOf("/providers/Microsoft.Management/managementGroups/mg") → null
 *   resourceNameOf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/api/") → "api"
 *   resourceNameOf("api") → "api"
 *   containerAppIdOf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/api")
 *   → { subscriptionId: "s", resourceGroup: "rg", name: "api" }
 *   workloadIdOf("/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/jobs/nightly")
 *   → { kind: "job", subscriptionId: "s", resourceGroup: "rg", name: "nightly" }
 */

/** The subscription ID of an ARM ID, lower case; null when the ID does not start with /subscriptions/<id>. */
export function subscriptionOf(id: string): string | null {
  const parts = id.split("/").filter((p) => p.length > 0);
  return parts[0]?.toLowerCase() === "subscriptions" && parts[1] ? parts[1].toLowerCase() : null;
}

/** The last segment of a resource ID (its name, casing kept), or the value itself when it is a plain name. */
export function resourceNameOf(idOrName: string): string {
  const trimmed = idOrName.replace(/\/+$/, "");
  return trimmed.split("/").at(-1) ?? trimmed;
}

const CONTAINER_APP_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.App\/containerApps\/([^/]+)$/i;

/**
 * The one container-app-ID parser: the parts of `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.App/
 * containerApps/<name>` (casing kept), null for any other shape. Callers that accept input from people (the CLI, the
 * HTTP check) then check each part's own rules (a GUID, a valid group and app name).
 */
export function containerAppIdOf(id: string): { subscriptionId: string; resourceGroup: string; name: string } | null {
  const match = CONTAINER_APP_ID.exec(id);
  if (!match) return null;
  return { subscriptionId: match[1] ?? "", resourceGroup: match[2] ?? "", name: match[3] ?? "" };
}

/**
 * v2 (pull-path.md, "Workloads: apps and jobs"): what PullGuard watches is a container app (`Microsoft.App/
 * containerApps`) or a container apps job (`Microsoft.App/jobs`, the same api-version and pull-path fields).
 */
export type WorkloadKind = "app" | "job";

const WORKLOAD_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.App\/(containerApps|jobs)\/([^/]+)$/i;

export interface WorkloadIdParts {
  kind: WorkloadKind;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/**
 * The one workload-ID parser: a container app's or a job's ID, its parts (casing kept) and which kind it is; null for
 * any other shape (a revision, an execution, another provider). People's input is checked part by part afterwards.
 */
export function workloadIdOf(id: string): WorkloadIdParts | null {
  const match = WORKLOAD_ID.exec(id);
  if (!match) return null;
  return {
    kind: (match[3] ?? "").toLowerCase() === "jobs" ? "job" : "app",
    subscriptionId: match[1] ?? "",
    resourceGroup: match[2] ?? "",
    name: match[4] ?? "",
  };
}

/** The word people read for a kind ("container app", "job"), in messages and notifications. */
export function workloadNoun(kind: WorkloadKind): string {
  return kind === "job" ? "job" : "container app";
}

/** The kind of workload an ID names: "job" for a job's ID, "app" for an app's and for an ID of any other shape. */
export function workloadKindOfId(id: string): WorkloadKind {
  return workloadIdOf(id)?.kind ?? "app";
}

/** What a workload ID is called in a message: "job" or "container app" (workloadNoun of workloadKindOfId). */
export function workloadNounOfId(id: string): string {
  return workloadNoun(workloadKindOfId(id));
}
