/**
 * Everything built on one backend that the use cases need from Azure: the counted SDK clients, the facts reader with
 * its per-run registry index, the cheap app and registry lists, and the ARM transport that applies plans.
 *
 * `inRun(work)` makes `work` one run (a sweep): inside it, every readFacts shares one registry index, one role
 * definition cache and the reads that do not depend on the app (shared-reads.ts), and an app listed by listApps is
 * not read again. Outside a run, each readFacts reads everything itself.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { listAppSummaries, listRegistrySummaries } from "../azure/app-inventory.js";
import { type ArmTransport, armTransportFor } from "../azure/arm-transport.js";
import type { Backend } from "../azure/backend.js";
import { type AzureClients, createAzureClients } from "../azure/clients.js";
import { readPullFacts } from "../azure/read-pull-facts.js";
import { createRegistryIndex, type RegistryIndex } from "../azure/registry-index.js";
import { createRoleDefinitionCache, type RoleDefinitionCache } from "../azure/role-definitions.js";
import { createSharedReads, type SharedReads } from "../azure/shared-reads.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import type { PullFacts, ReadStats } from "../core/facts.js";

export interface AzureAccess {
  clients: AzureClients;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  listApps(subscriptionId: string): Promise<AppSummary[]>;
  listRegistries(subscriptionId: string): Promise<RegistrySummary[]>;
  arm(subscriptionId: string): ArmTransport;
  /** Runs `work` as one run whose reads are shared (a sweep). */
  inRun<T>(work: () => Promise<T>): Promise<T>;
}

interface Run {
  registryIndex: RegistryIndex;
  roleDefinitions: RoleDefinitionCache;
  shared: SharedReads;
}

export function createAzureAccess(backend: Backend, now: () => Date): AzureAccess {
  const clients = createAzureClients({
    credential: backend.credential,
    endpoint: backend.endpoint,
    ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
  });
  const runs = new AsyncLocalStorage<Run>();
  return {
    clients,
    readFacts: (appId) => {
      const run = runs.getStore();
      return readPullFacts(appId, {
        clients,
        credential: backend.credential,
        ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
        now,
        registryIndex: run?.registryIndex ?? createRegistryIndex(clients),
        ...(run ? { roleDefinitions: run.roleDefinitions, shared: run.shared } : {}),
      });
    },
    listApps: (subscriptionId) => {
      const run = runs.getStore();
      return listAppSummaries(
        clients.containerApps(subscriptionId),
        run
          ? (app) => {
              if (app.id) run.shared.seed(`app:${app.id}`, app);
            }
          : undefined,
      );
    },
    listRegistries: (subscriptionId) => listRegistrySummaries(clients.containerRegistry(subscriptionId)),
    arm: (subscriptionId) => armTransportFor(clients, subscriptionId),
    inRun: (work) =>
      runs.run(
        {
          registryIndex: createRegistryIndex(clients),
          roleDefinitions: createRoleDefinitionCache(clients),
          shared: createSharedReads(),
        },
        work,
      ),
  };
}
