/**
 * Which container apps a signal is about, from the cheap lists only (one list of apps and registries per
 * subscription, shared by fresh events: event-looks.ts):
 *
 *   app event        → that app
 *   registry event   → the apps whose images or registry entries name its login server (or a regional endpoint of it)
 *   identity event   → the apps that attach or name that user-assigned identity
 *   role-assignment  → the apps pulling from the registries its scope covers
 *   alert            → the app it names, or the app of that name in the environment it names
 */
import { ACR_DOMAINS } from "../core/acr-host.js";
import { appsPullingFrom, appsUsingIdentity, loginServersUnder } from "../core/app-summary.js";
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

/** The apps an ARM event's target concerns. `since`: the time of the event's change (null when unknown). */
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

/** The app a pull-failure alert names: its ID, or the app of that name in the alert's environment; null if none. */
export async function appForAlert(ctx: FlowContext, alert: AlertWorkload): Promise<string | null> {
  if (alert.appId) return alert.appId;
  const environment = alert.environment;
  const name = alert.appName?.toLowerCase();
  if (!environment || !name) return null;
  const subscriptions = "id" in environment ? [subscriptionOf(environment.id) ?? ""] : [...ctx.watched];
  const apps = (await Promise.all(subscriptions.map((s) => ctx.deps.listApps(s)))).flat();
  const match = apps.find((a) => {
    if (a.name.toLowerCase() !== name || !a.environmentId) return false;
    return "id" in environment
      ? a.environmentId.toLowerCase() === environment.id.toLowerCase()
      : resourceNameOf(a.environmentId).toLowerCase() === environment.name.toLowerCase();
  });
  return match?.id ?? null;
}
