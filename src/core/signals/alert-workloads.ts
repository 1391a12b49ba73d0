/**
 * The workloads one log search alert names, bounded. A Log Alerts V2 alert names its workload in each condition's
 * `dimensions` (the rule splits by `_ResourceId`, `ContainerAppName_s`, `RevisionName_s`); a Log Alerts V1 alert in
 * `alertContext.Dimensions` and in the rows of `SearchResults` (one row per log line, so possibly many workloads);
 * either may put the environment's or the app's ID in `configurationItems` / `alertTargetIDs` instead.
 *
 * Bound: at most MAX_ALERT_WORKLOADS distinct workloads per alert, in payload order; the count of the others is
 * returned so the caller can say so. Each workload costs a diagnosis (and maybe writes) inside one invocation; a rule
 * split by dimensions fires one alert per app, so only a V1 alert with search results or a hand-made payload names
 * more. The sweep is the backstop for those left (spec/events.md v2).
 *
 * v2: a job's executions log to the same table under the job's name (`ContainerAppName`, with `JobName` where the
 * table has it: events.md v2). A `JobName_s` / `JobName` value names a job (`kind: "job"`); a `ContainerAppName`
 * alone may name an app or a job (`kind: null`); a job's resource ID is accepted wherever an app's is.
 *
 * Example: rows `[["env-shop","orders-api"],["env-shop","billing-api"]]` under columns `EnvironmentName_s`,
 * `ContainerAppName_s` → two workloads, `{ environment: { name: "env-shop" }, appName: "orders-api" }` first.
 */
import type { WorkloadKind } from "../resource-id.js";
import { plainResourceIdSegments } from "./arm-event.js";

/** The most workloads one alert makes PullGuard look at (spec/events.md v2). */
export const MAX_ALERT_WORKLOADS = 5;
/** Search-result rows read per alert: a V1 payload holds at most 256 KB, so this only bounds hostile input. */
const MAX_ROWS = 1_000;

export interface AlertWorkload {
  /** The container app or (v2) job, when the alert names it by resource ID. */
  appId: string | null;
  /** The managed environment: its ID, or only its name when the table has no `_ResourceId`. */
  environment: { id: string } | { name: string } | null;
  /** The workload's name inside that environment. */
  appName: string | null;
  /** v2: "job" when the alert names a job (`JobName`, a job ID), "app" for an app's ID; null when a name may be either. */
  kind: WorkloadKind | null;
  revisionName: string | null;
}

export interface NameValue {
  name: string;
  value: unknown;
}

export interface AlertNames {
  /** One entry per V2 condition, V1 `Dimensions` list or V1 search-result row. */
  sets: NameValue[][];
  /** `configurationItems` and `alertTargetIDs`, in that order. */
  resourceIds: string[];
}

export type WorkloadsReading =
  | { outcome: "named"; workloads: AlertWorkload[]; left: number }
  | { outcome: "reject"; reason: string }
  /** Nothing to look at: whether the alert named an environment or an app name at all says why. */
  | { outcome: "none"; namesEnvironment: boolean; namesApp: boolean };

const ENVIRONMENT_ID =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/managedenvironments\/[^/]+$/i;
/** A container app's or (v2) a job's ID. */
const APP_ID =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/(containerapps|jobs)\/[^/]+$/i;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/i;

const COLUMNS = {
  resourceId: ["_ResourceId"],
  environmentName: ["EnvironmentName_s", "EnvironmentName"],
  appName: ["ContainerAppName_s", "ContainerAppName"],
  jobName: ["JobName_s", "JobName"],
  revisionName: ["RevisionName_s", "RevisionName"],
};

function namedValue(set: NameValue[], names: string[]): string | null {
  const wanted = names.map((n) => n.toLowerCase());
  const found = set.find((d) => wanted.includes(d.name.toLowerCase()))?.value;
  return typeof found === "string" && found.trim() !== "" ? found.trim().slice(0, 1024) : null;
}

function plainId(id: string | null, pattern: RegExp): string | null {
  return id !== null && pattern.test(id) && plainResourceIdSegments(id) !== null ? id : null;
}

/** V1 search results as name/value sets, one per row (bounded). */
export function rowsAsSets(tables: Array<{ columns: Array<{ name: string }>; rows: unknown[][] }>): NameValue[][] {
  const sets: NameValue[][] = [];
  for (const table of tables) {
    for (const row of table.rows) {
      if (sets.length >= MAX_ROWS) return sets;
      sets.push(table.columns.map((c, i) => ({ name: c.name, value: row[i] })));
    }
  }
  return sets;
}

function badName(set: NameValue[]): string | null {
  const appName = namedValue(set, COLUMNS.appName);
  if (appName !== null && !NAME.test(appName)) {
    return `dimension ContainerAppName_s ${JSON.stringify(appName.slice(0, 80))} is not a container app or job name`;
  }
  const jobName = namedValue(set, COLUMNS.jobName);
  if (jobName !== null && !NAME.test(jobName)) {
    return `dimension JobName_s ${JSON.stringify(jobName.slice(0, 80))} is not a job name`;
  }
  const environmentName = namedValue(set, COLUMNS.environmentName);
  if (environmentName !== null && !NAME.test(environmentName)) {
    return `dimension EnvironmentName_s ${JSON.stringify(environmentName.slice(0, 80))} is not an environment name`;
  }
  return null;
}

function keyOf(w: AlertWorkload): string {
  const env = w.environment === null ? "" : "id" in w.environment ? w.environment.id : `name:${w.environment.name}`;
  return (w.appId ?? `${env}|${w.kind ?? ""}|${w.appName ?? ""}`).toLowerCase();
}

/** The kind a workload ID names (the ID matched APP_ID). */
function kindOfId(id: string): WorkloadKind {
  return /\/providers\/microsoft\.app\/jobs\//i.test(id) ? "job" : "app";
}

/** The workload's name in a set: a job's (`JobName`) when there is one, else the `ContainerAppName` (either kind). */
function workloadName(set: NameValue[]): { name: string; kind: WorkloadKind | null } | null {
  const jobName = namedValue(set, COLUMNS.jobName);
  if (jobName !== null) return { name: jobName, kind: "job" };
  const appName = namedValue(set, COLUMNS.appName);
  return appName === null ? null : { name: appName, kind: null };
}

/** The distinct workloads the alert names, the first MAX_ALERT_WORKLOADS of them, or why there are none. */
export function alertWorkloads(names: AlertNames): WorkloadsReading {
  for (const set of names.sets) {
    const reason = badName(set);
    if (reason) return { outcome: "reject", reason };
  }
  const alertEnvironment = names.resourceIds.map((id) => plainId(id, ENVIRONMENT_ID)).find((id) => id !== null);
  const found: AlertWorkload[] = names.resourceIds
    .map((id) => plainId(id, APP_ID))
    .filter((id): id is string => id !== null)
    .map((appId) => ({ appId, environment: null, appName: null, kind: kindOfId(appId), revisionName: null }));
  let namesEnvironment = alertEnvironment !== undefined;
  let namesApp = false;
  for (const set of names.sets) {
    const appId = plainId(namedValue(set, COLUMNS.resourceId), APP_ID);
    if (appId) {
      const revisionName = namedValue(set, COLUMNS.revisionName);
      found.push({ appId, environment: null, appName: null, kind: kindOfId(appId), revisionName });
      continue;
    }
    const environmentId = plainId(namedValue(set, COLUMNS.resourceId), ENVIRONMENT_ID) ?? alertEnvironment ?? null;
    const environmentName = namedValue(set, COLUMNS.environmentName);
    const environment = environmentId ? { id: environmentId } : environmentName ? { name: environmentName } : null;
    namesEnvironment ||= environment !== null;
    const workload = workloadName(set);
    namesApp ||= workload !== null;
    if (workload === null || environment === null) continue;
    const revisionName = namedValue(set, COLUMNS.revisionName);
    found.push({ appId: null, environment, appName: workload.name, kind: workload.kind, revisionName });
  }
  const distinct = [...new Map(found.map((w) => [keyOf(w), w])).values()];
  if (distinct.length === 0) return { outcome: "none", namesEnvironment, namesApp };
  return {
    outcome: "named",
    workloads: distinct.slice(0, MAX_ALERT_WORKLOADS),
    left: Math.max(0, distinct.length - MAX_ALERT_WORKLOADS),
  };
}
