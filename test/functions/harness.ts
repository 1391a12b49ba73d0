/**
 * Plays the Functions host for handler and end-to-end tests, the way demo/run-demo.ts does: the emulator (ARM + ACR)
 * and Azurite run on loopback, the function app's settings in `process.env` point at them (PULLGUARD_DEV_*,
 * AzureWebJobsStorage), and the real handlers from src/functions are called with an `InvocationContext` whose log
 * lines are kept. Notifications go to a local Teams sink. `close()` restores `process.env` exactly.
 *
 * One Azurite serves a whole test file (`startStorage` in beforeAll); each test opens its own emulator with `openHost`,
 * which empties the tables and the verification queue so tests do not see each other's state.
 */

import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import functions from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";
import { type FunctionHandlers, loadFunctionHandlers } from "../../tools/dev/function-handlers.js";

import { startTeamsSink, type TeamsSink } from "../../tools/dev/http-sink.js";

export { startTeamsSink, type TeamsSink };

import { devSettings } from "../../tools/emulator/dev-settings.js";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../tools/emulator/index.js";

export const FIXTURES = join(import.meta.dirname, "../fixtures");
export const VERIFY_QUEUE = "pullguard-verify";
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
/** A person deploying (not PullGuard): events naming this principal are acted on. */
export const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

/** Where the Functions host serves the HTTP triggers locally. */
export const API_BASE = "http://localhost:7071/api";
/** A well-formed subscription outside PULLGUARD_SUBSCRIPTIONS. */
export const OTHER_SUBSCRIPTION = "11111111-2222-4333-8444-555555555555";

/** The `error` of an HTTP trigger's JSON answer. */
export const errorOf = (response: { jsonBody?: unknown }) => String((response.jsonBody as { error?: unknown }).error);

export function readFixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, path), "utf8")) as T;
}

export function readWorld(name: string): Record<string, unknown> {
  const local = join(import.meta.dirname, "../../tools/demo", name);
  if (name.endsWith(".world.json")) return JSON.parse(readFileSync(local, "utf8")) as Record<string, unknown>;
  return readFixture(`worlds/${name}`);
}

export const SUBSCRIPTION = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
export const ORDERS_API = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api`;
export const CONTOSOPROD = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/contosoprod`;
/** The demo world's caller, whom the event fixtures name: PullGuard itself in these tests. */
export const FIXTURE_CALLER = "9a8b7c6d-5e4f-3021-1203-948576abcdef";

/**
 * The demo world after the failed deployment (failure form (a) of pull-path.md): orders-api names
 * contosoprod.azurecr.io/orders/api:1.8.0 with its system identity, which holds no AcrPull; revision v42 failed to
 * provision and v41 is the last ready one.
 */
export function brokenOrdersWorld(): Record<string, unknown> {
  const world = readWorld("orders-api.world.json");
  const app = (world.resources as Array<Record<string, unknown>>).find((r) => r.id === ORDERS_API);
  if (!app) throw new Error("the demo world has no orders-api");
  const p = app.properties as Record<string, unknown>;
  const template = p.template as { revisionSuffix: string; containers: Array<Record<string, unknown>> };
  Object.assign(p, {
    provisioningState: "Failed",
    latestRevisionName: "orders-api--v42",
    latestReadyRevisionName: "orders-api--v41",
  });
  (p.configuration as Record<string, unknown>).registries = [{ server: "contosoprod.azurecr.io", identity: "system" }];
  template.revisionSuffix = "v42";
  template.containers = template.containers.map((c) => ({ ...c, image: "contosoprod.azurecr.io/orders/api:1.8.0" }));
  return world;
}

/** An event fixture as a person (the developer) caused it, not PullGuard. */
export function byDeveloper<T>(fixture: T): T {
  return retarget(fixture, [
    [FIXTURE_CALLER, DEVELOPER],
    [FIXTURE_CALLER.replace(/-/g, ""), DEVELOPER.replace(/-/g, "")],
  ]);
}

/** The real handlers (devtools/function-handlers.ts). */
export const loadHandlers = loadFunctionHandlers;

export type Handlers = FunctionHandlers;

export interface FunctionHost {
  /** The file's Azurite (started in beforeAll). */
  readonly storage: RunningAzurite;
  /** The real handlers (loaded in beforeAll). */
  readonly handlers: Handlers;
  /** `openHost` on the file's Azurite; the host is closed after the test. */
  open(world: unknown, options?: HostOptions): Promise<Host>;
}

/**
 * A test file's lifecycle: one Azurite and the real handlers for the whole file (beforeAll, stopped in afterAll), and
 * every host opened with `open` closed after its test (afterEach). Call it once at the top level of the file.
 */
export function useFunctionHost(): FunctionHost {
  let storage: RunningAzurite | undefined;
  let handlers: Handlers | undefined;
  const opened: Host[] = [];
  beforeAll(async () => {
    [storage, handlers] = await Promise.all([startStorage(), loadHandlers()]);
  });
  afterAll(async () => {
    await storage?.stop();
  });
  afterEach(async () => {
    for (const host of opened.splice(0)) await host.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useFunctionHost: beforeAll has not run");
    return value;
  };
  return {
    get storage() {
      return started(storage);
    },
    get handlers() {
      return started(handlers);
    },
    async open(world, options) {
      const host = await openHost(world, started(storage), options);
      opened.push(host);
      return host;
    },
  };
}

export interface LogLine {
  level: string;
  text: string;
}

export interface Invocation {
  context: functions.InvocationContext;
  logs: LogLine[];
}

/** An InvocationContext as the host builds it, keeping every log line. */
export function invocation(functionName: string): Invocation {
  const logs: LogLine[] = [];
  const context = new functions.InvocationContext({
    invocationId: crypto.randomUUID(),
    functionName,
    logHandler: (level, ...args) => {
      logs.push({ level, text: args.map(String).join(" ") });
    },
  });
  return { context, logs };
}

export function httpRequest(init: {
  method: "GET" | "POST";
  url: string;
  params?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}): functions.HttpRequest {
  const text = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  return new functions.HttpRequest({
    method: init.method,
    url: init.url,
    ...(init.params ? { params: init.params } : {}),
    headers: { ...(text !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    ...(text !== undefined ? { body: { string: text } } : {}),
  });
}

export const timer = (): functions.Timer => ({
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: {
    last: "2026-11-22T10:00:00.000Z",
    next: "2026-11-22T10:15:00.000Z",
    lastUpdated: "2026-11-22T10:00:00.000Z",
  },
});

/** Every text block of a Teams Adaptive Card, joined: enough to tell a "fixed" card from a follow-up. */
export function cardText(message: Record<string, unknown>): string {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.text === "string") texts.push(record.text);
      for (const value of Object.values(record)) walk(value);
    }
  };
  walk(message.attachments);
  return texts.join("\n");
}

export async function startStorage(): Promise<RunningAzurite> {
  return startAzurite();
}

/** Empties every table and the verification queue (one Azurite serves a whole test file). */
async function resetStorage(connectionString: string): Promise<QueueClient> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  for await (const table of service.listTables()) {
    const name = table.name ?? "";
    const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const entity of client.listEntities()) {
      await client.deleteEntity(entity.partitionKey ?? "", entity.rowKey ?? "");
    }
  }
  const queue = new QueueClient(connectionString, VERIFY_QUEUE);
  await queue.createIfNotExists();
  await queue.clearMessages();
  return queue;
}

export interface HostOptions {
  /** PULLGUARD_SELF_PRINCIPAL_ID (default: the principal PullGuard calls the emulator as). */
  selfPrincipalId?: string;
  /** More settings, or `undefined` to remove one. */
  env?: Record<string, string | undefined>;
  emulator?: EmulatorOptions;
}

export interface Host {
  emulator: Emulator;
  sink: TeamsSink;
  queue: QueueClient;
  /** The principal PullGuard acts as (PULLGUARD_DEV_PRINCIPAL_ID). */
  principal: string;
  tenant: string;
  subscriptions: string[];
  /** The settings this host put in process.env. */
  env: Record<string, string>;
  /** ARM writes (PUT, PATCH, POST, DELETE) so far. */
  writes(): number;
  /** Role assignments created (PUT answered 201). */
  roleAssignmentsCreated(): number;
  /** The latest revision of an app as the emulator holds it. */
  latestRevision(appId: string): { name: string; provisioningState: string; runningState: string; healthState: string };
  /** Verification messages as the queue trigger would receive them, waiting until at least `count` are visible. */
  receiveVerifications(count: number, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Starts the emulator on `world` and points the function app's settings at it and at `storage`. */
export async function openHost(world: unknown, storage: RunningAzurite, options: HostOptions = {}): Promise<Host> {
  const saved = { ...process.env };
  const emulator = await startEmulator(world, options.emulator ?? {});
  const dir = await mkdtemp(join(tmpdir(), "pullguard-host-"));
  const sink = await startTeamsSink();
  const restore = () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  };
  try {
    const caFile = join(dir, "emulator-ca.pem");
    await writeFile(caFile, emulator.caPem);
    const queue = await resetStorage(storage.connectionString);
    const dev = devSettings(emulator, caFile);
    const { principalId: principal, tenantId: tenant, subscriptions } = dev;
    const env: Record<string, string> = {
      ...dev.env,
      PULLGUARD_MODE: "fix",
      PULLGUARD_SELF_PRINCIPAL_ID: options.selfPrincipalId ?? principal,
      PULLGUARD_VERIFY_DELAY_SECONDS: "5",
      PULLGUARD_MAX_CHANGES_PER_HOUR: "1000",
      PULLGUARD_NOTIFY_TEAMS_URL: sink.url,
      AzureWebJobsStorage: storage.connectionString,
    };
    for (const name of [
      "PULLGUARD_ALLOWED_SCOPES",
      "PULLGUARD_OPT_IN_FIXES",
      "PULLGUARD_DISABLED_FIXES",
      "APPLICATIONINSIGHTS_CONNECTION_STRING",
      "AZURE_CLIENT_ID",
    ]) {
      delete process.env[name];
    }
    Object.assign(process.env, env);
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) {
        delete process.env[name];
        delete env[name];
      } else {
        process.env[name] = value;
        env[name] = value;
      }
    }

    return {
      emulator,
      sink,
      queue,
      principal,
      tenant,
      subscriptions,
      env,
      writes: () => emulator.log.writes().length,
      roleAssignmentsCreated: () =>
        emulator.log
          .entries()
          .filter((e) => e.method === "PUT" && /\/roleAssignments\//i.test(e.path) && e.status === 201).length,
      latestRevision: (appId) => {
        const app = emulator.getResource(appId);
        const name = String(app?.properties?.latestRevisionName ?? "");
        const revision = emulator.getResource(`${appId}/revisions/${name}`);
        const p = revision?.properties ?? {};
        return {
          name,
          provisioningState: String(p.provisioningState ?? ""),
          runningState: String(p.runningState ?? ""),
          healthState: String(p.healthState ?? ""),
        };
      },
      receiveVerifications: async (count, timeoutMs = 30_000) => {
        const found: unknown[] = [];
        const deadline = Date.now() + timeoutMs;
        while (found.length < count && Date.now() < deadline) {
          const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
          for (const item of batch.receivedMessageItems) {
            // The queue trigger decodes base64 and hands JSON over as an object.
            found.push(JSON.parse(Buffer.from(item.messageText, "base64").toString("utf8")) as unknown);
            await queue.deleteMessage(item.messageId, item.popReceipt);
          }
          if (found.length < count) await new Promise((r) => setTimeout(r, 250));
        }
        return found;
      },
      close: async () => {
        restore();
        await sink.close();
        await emulator.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    restore();
    await sink.close();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A deep copy of an event fixture with its IDs moved to another subscription, resource group and resource. */
export function retarget<T>(fixture: T, replacements: Array<[string | RegExp, string]>): T {
  let text = JSON.stringify(fixture);
  for (const [from, to] of replacements) {
    text = typeof from === "string" ? text.split(from).join(to) : text.replace(from, to);
  }
  return JSON.parse(text) as T;
}

/** The CloudEvents 1.0 form of an Event Grid schema event (same data; source, type, time, specversion). */
export function asCloudEvent(event: {
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  id: string;
  data: unknown;
}): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: event.id,
    source: event.topic,
    type: event.eventType,
    time: event.eventTime,
    subject: event.subject,
    data: event.data,
  };
}

/** What a person (DEVELOPER) does through ARM with the real SDK clients: the writes raise events naming them. */
export function developer(host: Host, subscriptionId: string) {
  const credential = host.emulator.credentialFor(DEVELOPER, host.tenant);
  const options = { endpoint: host.emulator.endpoint, httpClient: host.emulator.httpClient };
  const apps = new ContainerAppsAPIClient(credential, subscriptionId, options);
  const authorization = new AuthorizationManagementClient(credential, subscriptionId, options);
  return {
    /** Deploys `image` from `server` pulled with the app's system identity; false when the deployment failed. */
    async deploy(appId: string, image: string, server: string): Promise<boolean> {
      const group = appId.split("/")[4] ?? "";
      const name = appId.split("/").at(-1) ?? "";
      const app = await apps.containerApps.get(group, name);
      const template = app.template ?? {};
      try {
        await apps.containerApps.beginUpdateAndWait(group, name, {
          location: app.location,
          configuration: { ...app.configuration, registries: [{ server, identity: "system" }], secrets: undefined },
          template: {
            ...template,
            containers: (template.containers ?? []).map((c, i) => (i === 0 ? { ...c, image } : c)),
            revisionSuffix: `v${Date.now().toString(36).slice(-5)}`,
          },
        });
        return true;
      } catch {
        return false;
      }
    },
    async deleteRoleAssignment(id: string): Promise<void> {
      await authorization.roleAssignments.deleteById(id);
    },
  };
}

/** ARM writes made by PullGuard's own identity. */
export function writesBy(host: Host, principal = host.principal): number {
  return host.emulator.log.writes().filter((w) => w.caller?.toLowerCase() === principal.toLowerCase()).length;
}
