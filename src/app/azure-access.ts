/**
 * Everything built on one backend that the use cases need from Azure: the counted SDK clients, the facts reader with
 * its per-run registry index, the cheap app and registry lists, and the ARM transport that applies plans.
 *
 * `inRun(work)` makes `work` one run, whose reads of what does not depend on the app being read (the subscription
 * and registry lists, role definitions, environments, identities, role assignments) are shared (shared-reads.ts):
 *   - a sweep (`inRun(work)`): a snapshot for the run; an app or job listed by listApps is not read again, a job's
 *     executions the sweep read to choose it (`recentExecutions`, key `executions:<job id>`) are not read again,
 *     environments are read with one list per subscription, and the registry atScope() reads (which only save a
 *     wave) are left out;
 *   - an event (`inRun(work, { since })`): a read is shared when it started after the event's change (`since`), as
 *     fresh-looks.ts decides, so a burst of events reads each shared resource about once.
 * Outside a run, each readFacts reads everything itself.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { environmentFactsFrom } from "../azure/app-facts.js";
import { listAppSummaries, listEnvironments, listRegistrySummaries } from "../azure/app-inventory.js";
import { type ArmTransport, armTransportFor } from "../azure/arm-transport.js";
import type { Backend } from "../azure/backend.js";
import { type AzureClients, createAzureClients } from "../azure/clients.js";
import { readPullFacts } from "../azure/read-pull-facts.js";
import { found } from "../azure/read-results.js";
import { executionsKey, readJobExecutions } from "../azure/readers/executions.js";
import { createRegistryIndex } from "../azure/registry-index.js";
import { createRoleDefinitionCache } from "../azure/role-definitions.js";
import { createSharedReads, type SharedReads } from "../azure/shared-reads.js";
import type { AppSummary, RegistrySummary } from "../core/app-summary.js";
import type { JobExecutionFacts, PullFacts, Read, ReadStats } from "../core/facts.js";
import { subscriptionOf, workloadIdOf } from "../core/resource-id.js";
import { createFreshLooks } from "./fresh-looks.js";

export interface RunOptions {
  /** An event's run: the time of its change (null when unknown). Absent: a sweep. */
  since?: Date | null;
}

export interface AzureAccess {
  clients: AzureClients;
  readFacts(appId: string): Promise<{ facts: PullFacts; stats: ReadStats }>;
  /** The container apps and jobs of a subscription, or of one of its resource groups (one list call each). */
  listApps(subscriptionId: string, resourceGroup?: string): Promise<AppSummary[]>;
  listRegistries(subscriptionId: string): Promise<RegistrySummary[]>;
  /** A job's recent executions, newest first (one request; in a run, shared under `executions:<job id>`). */
  recentExecutions(jobId: string): Promise<Read<{ items: JobExecutionFacts[] }>>;
  arm(subscriptionId: string): ArmTransport;
  /** Runs `work` as one run whose reads are shared (a sweep; an event with `since`). */
  inRun<T>(work: () => Promise<T>, options?: RunOptions): Promise<T>;
}

interface Run {
  shared: SharedReads;
  sweep: boolean;
  /** A sweep lists a subscription's environments once, as the reads of its apps' environments. */
  environments(subscriptionId: string): Promise<void>;
}

/** A sweep's run: every read shared; each subscription's environments listed once and seeded as reads. */
function sweepRun(clients: AzureClients): Run {
  const shared = createSharedReads();
  const listed = new Map<string, Promise<void>>();
  return {
    shared,
    sweep: true,
    environments(subscriptionId) {
      const key = subscriptionId.toLowerCase();
      let done = listed.get(key);
      if (!done) {
        done = listEnvironments(clients.containerApps(subscriptionId)).then(
          (items) => {
            for (const e of items) if (e.id) shared.seed(`environment:${e.id}`, found(environmentFactsFrom(e)));
          },
          // Not listed (no Reader on the subscription, a transient failure): each environment is read by itself.
          () => undefined,
        );
        listed.set(key, done);
      }
      return done;
    },
  };
}

/** An event's run: reads shared with the events whose change happened before each read started (fresh-looks.ts). */
function eventRun(freshReads: ReturnType<typeof createFreshLooks>, since: Date | null): Run {
  return {
    shared: {
      once: async (key, read) => (await freshReads.after(key.toLowerCase(), since, read)).value,
      seed: () => undefined,
      has: () => false,
    },
    sweep: false,
    environments: async () => undefined,
  };
}

export function createAzureAccess(backend: Backend, now: () => Date): AzureAccess {
  const clients = createAzureClients({
    credential: backend.credential,
    endpoint: backend.endpoint,
    ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
  });
  const runs = new AsyncLocalStorage<Run>();
  /** The reads events share, each answering the events whose change happened before it started. */
  const freshReads = createFreshLooks({ now });

  return {
    clients,
    readFacts: async (appId) => {
      const run = runs.getStore();
      const subscriptionId = subscriptionOf(appId);
      if (run && subscriptionId) await run.environments(subscriptionId);
      return readPullFacts(appId, {
        clients,
        credential: backend.credential,
        ...(backend.httpClient ? { httpClient: backend.httpClient } : {}),
        now,
        registryIndex: createRegistryIndex(clients, run?.shared),
        roleDefinitions: createRoleDefinitionCache(clients, run?.shared),
        ...(run ? { shared: run.shared, fewerRequestsThanWaves: run.sweep } : {}),
      });
    },
    listApps: (subscriptionId, resourceGroup) => {
      const run = runs.getStore();
      return listAppSummaries(clients.containerApps(subscriptionId), {
        ...(resourceGroup ? { resourceGroup } : {}),
        ...(run?.sweep
          ? {
              onApp: (app) => {
                if (app.id) run.shared.seed(`app:${app.id}`, app);
              },
              // A job under the same key as an app (its ID tells them apart), as read-pull-facts.ts reads it.
              onJob: (job) => {
                if (job.id) run.shared.seed(`app:${job.id}`, job);
              },
            }
          : {}),
      });
    },
    recentExecutions: (jobId) => {
      const parts = workloadIdOf(jobId);
      if (parts?.kind !== "job") return Promise.reject(new Error(`${jobId} is not a job ID`));
      const read = () => readJobExecutions(clients, { id: jobId, ...parts });
      const run = runs.getStore();
      return run ? run.shared.once(executionsKey(jobId), read) : read();
    },
    listRegistries: (subscriptionId) => listRegistrySummaries(clients.containerRegistry(subscriptionId)),
    arm: (subscriptionId) => armTransportFor(clients, subscriptionId),
    inRun: (work, options) =>
      runs.run(options && "since" in options ? eventRun(freshReads, options.since ?? null) : sweepRun(clients), work),
  };
}
