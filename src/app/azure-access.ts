/**
 * Everything built on one backend that the use cases need from Azure: the counted SDK clients, the facts reader with
 * its per-run registry index, the cheap app and registry lists, and the ARM transport that applies plans.
 */
import { listAppSummaries, listRegistrySummaries } from "../azure/app-inventory.js";
import { type ArmTransport, armTransportFor } from "../azure/arm-transport.js";
import type { Backend } from "../azure/backend.js";
import { type AzureClients, createAzureClients } from "../azure/clients.js";
import { readPullFacts } from "../azure/read-pull-facts.js";
import { createRegistryIndex } from "../azure/registry-index.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import type { PullFacts, ReadStats } from "../core/facts.js";

export interface AzureAccess {
  clients: AzureClients;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  listApps(subscriptionId: string): Promise<AppSummary[]>;
  listRegistries(subscriptionId: string): Promise<RegistrySummary[]>;
  arm(subscriptionId: string): ArmTransport;
}

export function createAzureAccess(backend: Backend, now: () => Date): AzureAccess {
  const clients = createAzureClients({
    credential: backend.credential,
    endpoint: backend.endpoint,
    ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
  });
  return {
    clients,
    readFacts: (appId) =>
      readPullFacts(appId, {
        clients,
        credential: backend.credential,
        ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
        now,
        registryIndex: createRegistryIndex(clients),
      }),
    listApps: (subscriptionId) => listAppSummaries(clients.containerApps(subscriptionId)),
    listRegistries: (subscriptionId) => listRegistrySummaries(clients.containerRegistry(subscriptionId)),
    arm: (subscriptionId) => armTransportFor(clients, subscriptionId),
  };
}
