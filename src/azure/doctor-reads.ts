/**
 * The reads of `pullguard doctor`: read-only GETs (and the app-settings list POST, which reads) through the real
 * SDK clients. No SDK for App Service, Event Grid or Azure Monitor is installed, so those resources are read with
 * the generic ResourceManagementClient (resources.getById / resources.list) at the api-versions infra/ deploys them
 * with (test/infra/checks.ts VERIFIED_API_VERSIONS); role assignments with AuthorizationManagementClient, subscriptions
 * with SubscriptionClient. Every value read is kept as ARM returns it; src/core/doctor decides.
 */
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import { keyVaultReference, storageAccountOf } from "../core/doctor/checks/settings.js";
import { eventSubscriptionName } from "../core/doctor/expected.js";
import type { DoctorFacts, DoctorRoleAssignment, DoctorSubscription } from "../core/doctor/facts.js";
import { resourceNameOf, subscriptionOf } from "../core/resource-id.js";
import { roleGuidOf } from "../core/role-assignment-name.js";
import type { AzureClients } from "./clients.js";

export const DOCTOR_API_VERSIONS = {
  sites: "2024-04-01",
  identities: "2023-01-31",
  eventGrid: "2025-02-15",
  scheduledQueryRules: "2023-12-01",
  actionGroups: "2023-01-01",
  storage: "2023-05-01",
  keyVault: "2023-07-01",
} as const;

type Json = Record<string, unknown>;

const statusOf = (error: unknown) => (error as { statusCode?: number } | null)?.statusCode;
/** The subscription of an ID the doctor reads (always under /subscriptions/<id>); "" for any other. */
const subscriptionIn = (id: string): string => subscriptionOf(id) ?? "";

/** A GET that answers null on 404 and lets every other error through (the command reports it: exit 1). */
async function getOrNull(clients: AzureClients, id: string, apiVersion: string): Promise<Json | null> {
  try {
    return (await clients.resources(subscriptionIn(id)).resources.getById(id, apiVersion)) as unknown as Json;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

async function listOfType(clients: AzureClients, subscriptionId: string, type: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of clients.resources(subscriptionId).resources.list({ filter: `resourceType eq '${type}'` })) {
    if (r.id) ids.push(r.id);
  }
  return ids;
}

/** POST <site>/config/appsettings/list ("Web Apps - List Application Settings"): names and values. */
async function appSettings(clients: AzureClients, endpoint: string, siteId: string): Promise<Record<string, string>> {
  const client = clients.resources(subscriptionIn(siteId));
  const url = `${endpoint.replace(/\/+$/, "")}${siteId}/config/appsettings/list?api-version=${DOCTOR_API_VERSIONS.sites}`;
  const response = await client.sendRequest(createPipelineRequest({ url, method: "POST" }));
  if (response.status !== 200) {
    throw new Error(`listing the app settings of ${siteId} answered ${response.status}: ${response.bodyAsText ?? ""}`);
  }
  const body = JSON.parse(response.bodyAsText ?? "{}") as { properties?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(body.properties ?? {}).map(([k, v]) => [k, String(v)]));
}

async function assignmentsAt(clients: AzureClients, subscriptionId: string, principalId: string) {
  const found: DoctorRoleAssignment[] = [];
  const scope = `/subscriptions/${subscriptionId}`.toLowerCase();
  const list = clients.authorization(subscriptionId).roleAssignments.listForSubscription({
    filter: `principalId eq '${principalId}'`,
  });
  for await (const a of list) {
    if ((a.scope ?? "").toLowerCase() !== scope) continue;
    found.push({
      id: a.id ?? "",
      scope: a.scope ?? "",
      roleGuid: roleGuidOf(a.roleDefinitionId ?? ""),
      condition: a.condition ?? null,
      conditionVersion: a.conditionVersion ?? null,
    });
  }
  return found;
}

async function watchedSubscription(
  clients: AzureClients,
  subscriptionId: string,
  principalId: string | null,
  eventSubscription: string,
): Promise<DoctorSubscription> {
  let state: string | null = null;
  try {
    state = (await clients.subscriptions().subscriptions.get(subscriptionId)).state ?? null;
  } catch (error) {
    if (statusOf(error) !== 404 && statusOf(error) !== 403) throw error;
  }
  if (state === null) return { subscriptionId, state, assignments: [], systemTopicId: null, eventSubscription: null };
  const assignments = principalId ? await assignmentsAt(clients, subscriptionId, principalId) : [];
  let systemTopicId: string | null = null;
  for (const id of await listOfType(clients, subscriptionId, "Microsoft.EventGrid/systemTopics")) {
    const topic = await getOrNull(clients, id, DOCTOR_API_VERSIONS.eventGrid);
    const p = (topic?.properties ?? {}) as Json;
    if (
      p.topicType === "Microsoft.Resources.Subscriptions" &&
      String(p.source).toLowerCase() === `/subscriptions/${subscriptionId}`.toLowerCase()
    ) {
      systemTopicId = id;
      break;
    }
  }
  const es = systemTopicId
    ? await getOrNull(
        clients,
        `${systemTopicId}/eventSubscriptions/${eventSubscription}`,
        DOCTOR_API_VERSIONS.eventGrid,
      )
    : null;
  return { subscriptionId, state, assignments, systemTopicId, eventSubscription: es };
}

/** Everything the doctor decides from, for the PullGuard function app `siteId`. */
export async function readDoctorFacts(clients: AzureClients, endpoint: string, siteId: string): Promise<DoctorFacts> {
  const site = await getOrNull(clients, siteId, DOCTOR_API_VERSIONS.sites);
  if (site === null) throw new Error(`the function app ${siteId} does not exist`);
  const tags = (site.tags ?? {}) as Record<string, string>;
  const identityId =
    Object.keys(((site.identity as Json | undefined)?.userAssignedIdentities ?? {}) as Json)[0] ?? null;
  const identity = identityId ? await getOrNull(clients, identityId, DOCTOR_API_VERSIONS.identities) : null;
  const principalId = ((identity?.properties ?? {}) as Json).principalId as string | undefined;
  const settings = await appSettings(clients, endpoint, siteId);
  const environmentName = tags["azd-env-name"] ?? null;
  const watched = (settings.PULLGUARD_SUBSCRIPTIONS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const subscriptions: DoctorSubscription[] = [];
  for (const sub of watched) {
    subscriptions.push(
      await watchedSubscription(clients, sub, principalId ?? null, eventSubscriptionName(environmentName ?? "")),
    );
  }

  const home = subscriptionIn(siteId);
  const group = `/subscriptions/${home}/resourcegroups/${(siteId.split("/")[4] ?? "").toLowerCase()}/`;
  const alertRules: Json[] = [];
  for (const id of await listOfType(clients, home, "Microsoft.Insights/scheduledQueryRules")) {
    if (!id.toLowerCase().startsWith(group) || !/\/pullguard-image-pull-failures-[^/]+$/i.test(id)) continue;
    const rule = await getOrNull(clients, id, DOCTOR_API_VERSIONS.scheduledQueryRules);
    if (rule) alertRules.push(rule);
  }
  const actionGroups: DoctorFacts["actionGroups"] = {};
  for (const rule of alertRules) {
    const ids = (((rule.properties as Json | undefined)?.actions as Json | undefined)?.actionGroups ?? []) as string[];
    for (const id of ids)
      actionGroups[id.toLowerCase()] ??= await getOrNull(clients, id, DOCTOR_API_VERSIONS.actionGroups);
  }

  const storageAccounts: DoctorFacts["storageAccounts"] = {};
  const accounts = await listOfType(clients, home, "Microsoft.Storage/storageAccounts");
  for (const key of ["blob", "queue", "table"]) {
    const name = storageAccountOf(settings[`AzureWebJobsStorage__${key}ServiceUri`] ?? "");
    if (name === null || name in storageAccounts) continue;
    const id = accounts.find((a) => resourceNameOf(a).toLowerCase() === name);
    storageAccounts[name] = id ? await getOrNull(clients, id, DOCTOR_API_VERSIONS.storage) : null;
  }
  const vaultSecrets: DoctorFacts["vaultSecrets"] = {};
  const vaults = await listOfType(clients, home, "Microsoft.KeyVault/vaults");
  for (const value of Object.values(settings)) {
    const ref = keyVaultReference(value);
    if (!ref) continue;
    const vault = vaults.find((v) => resourceNameOf(v).toLowerCase() === ref.vault);
    const secret = vault
      ? await getOrNull(clients, `${vault}/secrets/${ref.secret}`, DOCTOR_API_VERSIONS.keyVault)
      : null;
    vaultSecrets[`${ref.vault}/${ref.secret}`] = secret !== null;
  }

  return {
    functionApp: {
      id: siteId,
      name: String(site.name ?? resourceNameOf(siteId)),
      defaultHostName: ((site.properties ?? {}) as Json).defaultHostName as string | null,
      environmentName,
      identityId,
    },
    principalId: principalId ?? null,
    settings,
    subscriptions,
    alertRules,
    actionGroups,
    storageAccounts,
    vaultSecrets,
  };
}

/** The PullGuard function apps in these subscriptions: Microsoft.Web/sites tagged application: pullguard. */
export async function findPullGuardApps(clients: AzureClients, subscriptionIds: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const sub of subscriptionIds) {
    for await (const r of clients.resources(sub).resources.list({ filter: "resourceType eq 'Microsoft.Web/sites'" })) {
      if (r.id && r.tags?.application === "pullguard") found.push(r.id);
    }
  }
  return found;
}
