/**
 * Which workloads (container apps and, v2, jobs) a signal is about, from the cheap lists only (one list of apps, one
 * of jobs and one of registries per subscription, shared by fresh events: event-looks.ts):
 *
 *   app or job event → that workload
 *   environment      → the workloads of that environment (v2: its identities changed)
 *   registry event   → the workloads whose images or registry entries name its login server (or a regional endpoint)
 *   identity event   → the workloads that attach or name that user-assigned identity
 *   role-assignment  → the workloads pulling from the registries its scope covers
 *   network change   → the workloads of the environments it can cut off (network-targets.ts)
 *   alert            → the workload it names, or the workloads of that name in the environment it names
 */
import { ACR_DOMAINS } from "../core/acr-host.js";
import { appsInEnvironment, appsPullingFrom, appsUsingIdentity, loginServersUnder } from "../core/app-summary.js";
import { resourceNameOf, subscriptionOf } from "../core/resource-id.js";
import type { ArmEventTarget } from "../core/signals/arm-event.js";
import type { AlertWorkload } from "../core/signals/pull-failure-alert.js";
import type { FlowContext } from "./flow-deps.js";
import { appsForNetworkChange } from "./network-targets.js";

/** Why a resource is none of PullGuard's business (its subscription is not watched), or null when it is. */
export function unwatchedReason(ctx: FlowContext, resourceId: string): string | null {
  const subscription = subscriptionOf(resourceId) ?? "";
  return ctx.watched.has(subscription) ? null : `subscription ${subscription} is not watched (PULLGUARD_SUBSCRIPTIONS)`;
}

/** The workloads an ARM event's target concerns. `since`: the time of the event's change (null when unknown). */
export async function appsForArmTarget(
  ctx: FlowContext,
  target: ArmEventTarget,
  since: Date | null,
): Promise<string[]> {
  if (target.kind === "app") return [target.appId];
  const { deps, looks, watched } = ctx;
  const listed = async <T>(key: string, list: () => Promise<T>) => (await looks.fresh(key, since, list)).value;
  if (target.kind === "network") {
    const list = (s: string) => listed(`apps:${s}`, () => deps.listApps(s));
    return appsForNetworkChange(target.resourceId, [...watched], list, deps.networkReads);
  }
  const apps = (await Promise.all([...watched].map((s) => listed(`apps:${s}`, () => deps.listApps(s))))).flat();
  if (target.kind === "identity") return appsUsingIdentity(apps, target.identityId).map((a) => a.id);
  if (target.kind === "environment") return appsInEnvironment(apps, target.environmentId).map((a) => a.id);
  const targetSubscription = subscriptionOf(target.kind === "registry" ? target.registryId : target.scope);
  const subscriptions = targetSubscription ? [targetSubscription] : [...watched];
  const registries = (
    await Promise.all(subscriptions.map((s) => listed(`registries:${s}`, () => deps.listRegistries(s))))
  ).flat();
  const servers =
    target.kind === "registry"
      ? registries.filter((r) => r.id.toLowerCase() === target.registryId.toLowerCase()).map((r) => r.loginServer)
      : loginServersUnder(target.scope, registries);
  if (target.kind === "registry" && servers.length === 0) {
    // A deleted registry is no longer listed: its default login server (in whichever cloud) is still what apps name.
    const name = resourceNameOf(target.registryId).toLowerCase();
    servers.push(...ACR_DOMAINS.map((domain) => `${name}.${domain}`));
  }
  return appsPullingFrom(apps, servers).map((a) => a.id);
}

/**
 * The workloads a pull-failure alert names: its ID, or the workload of that name in the alert's environment. The
 * system logs record a job's executions under the job's name (`ContainerAppName`, with `JobName` where the table has
 * it: events.md v2): an alert that says `JobName` looks among the jobs only; one that says only `ContainerAppName`
 * looks among both kinds (an app and a job of one name in one environment are both named). Empty when none matches.
 */
export async function appsForAlert(ctx: FlowContext, alert: AlertWorkload): Promise<string[]> {
  if (alert.appId) return [alert.appId];
  const environment = alert.environment;
  const name = alert.appName?.toLowerCase();
  if (!environment || !name) return [];
  const subscriptions = "id" in environment ? [subscriptionOf(environment.id) ?? ""] : [...ctx.watched];
  const apps = (await Promise.all(subscriptions.map((s) => ctx.deps.listApps(s)))).flat();
  return apps
    .filter((a) => {
      if (a.name.toLowerCase() !== name || !a.environmentId) return false;
      if (alert.kind !== null && a.kind !== alert.kind) return false;
      return "id" in environment
        ? a.environmentId.toLowerCase() === environment.id.toLowerCase()
        : resourceNameOf(a.environmentId).toLowerCase() === environment.name.toLowerCase();
    })
    .map((a) => a.id);
}
