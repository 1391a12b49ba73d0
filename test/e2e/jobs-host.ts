/**
 * v2 (issue 18): what the job trigger tests (triggers-*-jobs.test.ts) share on top of the host harness
 * (test/functions/harness.ts): job worlds moved to the present, a developer who changes and starts jobs through the
 * real SDK client, the executions of a job as the emulator holds them and as PullGuard asked for them, and the
 * verification queue's follow-ups as the product put them there.
 *
 * Two clocks meet here. The function app reads the system clock (runtime.ts), the emulator its own: so the job
 * worlds are moved to the present (every time in them shifted by one amount, their `now` a few seconds ahead of the
 * system clock, as ARM's clock may be, so an execution a fix starts is never dated before the fix began). Azurite's
 * queue keeps real time too: a job's follow-up is due after the job's next run, hours away, so the test records the
 * Put Message of each follow-up (a recording proxy in front of Azurite's queue endpoint) and, once the emulator's
 * clock has passed the due time, makes that message visible (Update Message with a zero visibility timeout), to be
 * taken from the queue as the host would take it. The proxy is the job demo's queue tap (tools/demo/queue-tap.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll } from "vitest";
import { startQueueTap } from "../../tools/demo/queue-tap.js";
import type { RunningAzurite } from "../../tools/dev/azurite.js";
import { DEVELOPER, type FunctionHost, type Host, VERIFY_QUEUE } from "../functions/harness.js";

export const JOB_WORLDS = join(import.meta.dirname, "../fixtures/worlds/jobs");

/** How far the emulator's clock runs ahead of the system clock the function app reads. */
export const ARM_CLOCK_AHEAD_MS = 2_000;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export interface JobWorld {
  now: string;
  resources: Array<{ id: string; name: string; type: string; properties: Record<string, unknown> }>;
  expect: { app: string; verdict: string; must: string[]; fixRole?: string; fixScope?: string; fixPrincipal?: string };
  [key: string]: unknown;
}

/**
 * A job world (test/fixtures/worlds/jobs) moved to the present: every time in it shifted by the same amount, its
 * `now` (the emulator's clock, ARM's) `armAheadMs` ahead of the system clock.
 */
export function presentJobWorld(name: string, at: Date = new Date(), armAheadMs = ARM_CLOCK_AHEAD_MS): JobWorld {
  const world = JSON.parse(readFileSync(join(JOB_WORLDS, name), "utf8")) as JobWorld;
  return movedTo(world, new Date(at.getTime() + armAheadMs));
}

/** A deep copy of `world` whose `now` is `now`, every other ISO time moved by as much. */
export function movedTo<T extends { now: string }>(world: T, now: Date): T {
  const shift = now.getTime() - Date.parse(world.now);
  return JSON.parse(JSON.stringify(world), (_key, value: unknown) =>
    typeof value === "string" && ISO_TIME.test(value) ? new Date(Date.parse(value) + shift).toISOString() : value,
  ) as T;
}

export function resourceOf(world: JobWorld, id: string): JobWorld["resources"][number] {
  const found = world.resources.find((r) => r.id.toLowerCase() === id.toLowerCase());
  if (!found) throw new Error(`the world has no ${id}`);
  return found;
}

/**
 * The job's executions, name → status, as ARM answers a developer now (the emulator ends the executions whose time
 * has come before it answers, as it does for every request).
 */
export async function executionsOf(host: Host, jobId: string): Promise<Record<string, string>> {
  const credential = host.emulator.credentialFor(DEVELOPER, host.tenant);
  const [, , subscriptionId = "", , group = ""] = jobId.split("/");
  const client = new ContainerAppsAPIClient(credential, subscriptionId, {
    endpoint: host.emulator.endpoint,
    httpClient: host.emulator.httpClient,
  });
  const out: Record<string, string> = {};
  for await (const execution of client.jobsExecutions.list(group, jobId.split("/").at(-1) ?? "")) {
    out[execution.name ?? ""] = String(execution.status);
  }
  return out;
}

/** How often PullGuard listed the job's executions (GET .../jobs/{job}/executions) since the log was cleared. */
export function executionListings(host: Host, jobId: string): number {
  const path = `${jobId}/executions`.toLowerCase();
  return host.emulator.log.count(
    (e) =>
      e.plane === "arm" &&
      e.method === "GET" &&
      e.caller?.toLowerCase() === host.principal.toLowerCase() &&
      (e.path.split("?")[0] ?? "").toLowerCase() === path,
  );
}

/** The ARM writes PullGuard made, as "METHOD path". */
export function pullGuardWrites(host: Host): string[] {
  return host.emulator.log
    .writes()
    .filter((w) => w.caller?.toLowerCase() === host.principal.toLowerCase())
    .map((w) => `${w.method} ${w.path.split("?")[0]}`);
}

/** What a person (DEVELOPER) does to jobs through ARM with the real SDK clients: the writes raise events naming them. */
export function jobDeveloper(host: Host, subscriptionId: string) {
  const credential = host.emulator.credentialFor(DEVELOPER, host.tenant);
  const options = { endpoint: host.emulator.endpoint, httpClient: host.emulator.httpClient };
  const apps = new ContainerAppsAPIClient(credential, subscriptionId, options);
  const authorization = new AuthorizationManagementClient(credential, subscriptionId, options);
  const parts = (jobId: string) => [jobId.split("/")[4] ?? "", jobId.split("/").at(-1) ?? ""] as const;
  return {
    /** `az containerapp job update --image`: a PATCH of the job with `image` pulled from `server` by its system identity. */
    async switchImage(jobId: string, image: string, server: string): Promise<void> {
      const [group, name] = parts(jobId);
      const job = await apps.jobs.get(group, name);
      const template = job.template ?? {};
      await apps.jobs.beginUpdateAndWait(group, name, {
        properties: {
          configuration: {
            ...(job.configuration ?? { triggerType: "Schedule", replicaTimeout: 1800 }),
            registries: [{ server, identity: "system" }],
            secrets: undefined,
          },
          template: {
            ...template,
            containers: (template.containers ?? []).map((c, i) => (i === 0 ? { ...c, image } : c)),
          },
        },
      });
    },
    /** `az containerapp job start`: the execution's name. */
    async start(jobId: string): Promise<string> {
      const [group, name] = parts(jobId);
      const started = await apps.jobs.beginStartAndWait(group, name);
      return started.name ?? "";
    },
    async deleteRoleAssignment(id: string): Promise<void> {
      await authorization.roleAssignments.deleteById(id);
    },
  };
}

/** A follow-up the product put on the verification queue. */
export interface QueuedFollowUp {
  /** The message as the queue trigger hands it over (decoded JSON). */
  message: Record<string, unknown>;
  /** The visibility timeout it was put with: its delay. */
  visibilitySeconds: number;
  messageId: string;
  popReceipt: string;
}

export interface FollowUpRecorder {
  /** The storage connection string whose queue endpoint is the recording proxy (AzureWebJobsStorage). */
  connectionString: string;
  /** Follow-ups put on the verification queue since the last `clear`. */
  queued(): QueuedFollowUp[];
  clear(): void;
  /** The message's delay has passed (on the emulator's clock): it is visible now. */
  makeVisible(followUp: QueuedFollowUp): Promise<void>;
}

/**
 * A recording proxy in front of the file's Azurite queue endpoint for the whole test file (started after the
 * harness's Azurite, closed after the file). Open a host with `{ env: { AzureWebJobsStorage: recorder.connectionString } }`.
 */
export function useFollowUpRecorder(harness: FunctionHost): FollowUpRecorder {
  let proxy: { recorder: FollowUpRecorder; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    proxy = await startRecorder(harness.storage);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const started = () => {
    if (!proxy) throw new Error("useFollowUpRecorder: beforeAll has not run");
    return proxy.recorder;
  };
  return {
    get connectionString() {
      return started().connectionString;
    },
    queued: () => started().queued(),
    clear: () => started().clear(),
    makeVisible: (followUp) => started().makeVisible(followUp),
  };
}

async function startRecorder(storage: RunningAzurite): Promise<{ recorder: FollowUpRecorder; close(): Promise<void> }> {
  const tap = await startQueueTap(storage.queuePort);
  let seen = 0;
  const connectionString = storage.connectionString.replace(
    `QueueEndpoint=http://127.0.0.1:${storage.queuePort}/`,
    `QueueEndpoint=http://127.0.0.1:${tap.port}/`,
  );
  if (connectionString === storage.connectionString)
    throw new Error("the Azurite connection string names no queue port");
  const queue = new QueueClient(storage.connectionString, VERIFY_QUEUE);
  return {
    recorder: {
      connectionString,
      queued: () =>
        tap.sent.slice(seen).map((m) => ({
          message: JSON.parse(Buffer.from(m.text, "base64").toString("utf8")) as Record<string, unknown>,
          visibilitySeconds: m.visibilityTimeoutSeconds,
          messageId: m.messageId,
          popReceipt: m.popReceipt,
        })),
      clear: () => {
        seen = tap.sent.length;
      },
      makeVisible: async (followUp) => {
        await queue.updateMessage(followUp.messageId, followUp.popReceipt, undefined, 0);
      },
    },
    close: () => tap.close(),
  };
}
