/**
 * The ARM + ACR emulator: an HTTPS server that speaks Azure Resource Manager's REST contract and the ACR data plane
 * for the resources PullGuard reads and writes, keeps state, and decides like Azure whether a revision can pull its
 * images. Tests, the demo, the bench and `pullguard emulator` all start it with `startEmulator(world)`.
 *
 * It never imports the product (src/): it is a second, independent reading of Azure's rules.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { type ArmContext, decideRevision, handleArm, newRevision, revisionsOf } from "./arm.js";
import { emulatorCertificate } from "./cert.js";
import { createClock } from "./clock.js";
import { emulatorCredential } from "./credential.js";
import { handleRegistryRequest } from "./dataplane.js";
import { type ArmEvent, type Bus, createBus, executionLogRow, pullFailureAlert } from "./events.js";
import { createFaults, type Faults } from "./faults.js";
import { emulatorHttpClient } from "./http-client.js";
import { DEFAULT_OPERATOR, isRegistryHost, lowerId } from "./ids.js";
import { settleExecutions, startExecution } from "./job-executions.js";
import { createRequestLog, type RequestLog } from "./request-log.js";
import type { ArmResource, Clock, WorldState } from "./state.js";
import { bearerOf, readToken } from "./tokens.js";
import { loadWorld, resourcesOfType } from "./world.js";

export { DEFAULT_OPERATOR };

export interface EmulatorOptions {
  port?: number;
  /** Items per page of ARM lists (default 100). */
  pageSize?: number;
  /** Seeds fault injection and event delivery knobs. */
  seed?: number;
}

export interface Emulator {
  /** ARM base URL: https://127.0.0.1:<port>. */
  endpoint: string;
  port: number;
  caPem: string;
  /** Issues tokens for the world's caller (or the default operator). */
  credential: TokenCredential;
  /** Issues tokens for any principal (tests acting as someone else). */
  credentialFor(principalId: string, tenantId?: string): TokenCredential;
  httpClient: HttpClient;
  events: Bus<ArmEvent>;
  alerts: Bus<Record<string, unknown>>;
  /** v2: rows of the environments' system logs the emulator writes (a job execution's failed pull, events.ts). */
  systemLogs: Bus<Record<string, unknown>>;
  log: RequestLog;
  clock: Clock;
  faults: Faults;
  state: WorldState;
  getResource(id: string): ArmResource | undefined;
  /**
   * Serves one registry's data plane on its own port, reachable as `127.0.0.1:<port>` (address), for clients that
   * dial the host they are given (skopeo): the challenge's realm names that address, the service stays the login
   * server. No DNS entry or /etc/hosts line is needed; the emulator's certificate covers 127.0.0.1.
   */
  exposeRegistry(loginServer: string): Promise<{ address: string; stop(): Promise<void> }>;
  /** A replica of the app's latest revision restarts (scale-out, node move): its pull is decided again, now. */
  simulateReplicaRestart(appId: string): boolean;
  /**
   * v2: the platform starts one execution of a job on its own (its schedule came, or its event scaler fired): no ARM
   * request, so no ARM event and no caller rights, as on Azure, where scheduled and event-driven executions are not
   * `Jobs_Start` calls. The execution is decided like a started one (world.md). `at`: its start time, the fire time
   * the platform ran it at (default: the clock's now, which moves on with real time). Null when no such job exists.
   */
  simulateScheduledRun(jobId: string, at?: Date): { id: string; name: string } | null;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) });
  res.end(body);
}

export async function startEmulator(world: unknown, options: EmulatorOptions = {}): Promise<Emulator> {
  const input = isFileRef(world) ? (JSON.parse(await readFile(world.file, "utf8")) as unknown) : world;
  const { state, now } = loadWorld(input);
  const clock = createClock(now);
  const seed = options.seed ?? 1;
  const log = createRequestLog();
  const faults = createFaults(seed);
  const events = createBus<ArmEvent>(seed, (e) => [e]);
  const alerts = createBus<Record<string, unknown>>(seed + 1, (a) => a);
  const systemLogs = createBus<Record<string, unknown>>(seed + 2, (row) => [row]);
  const { cert, key } = emulatorCertificate();
  const callerId = state.caller?.principalId ?? DEFAULT_OPERATOR;
  const callerTenant = state.caller?.tenantId ?? state.tenants[0]?.tenantId ?? "";

  /** The alert of the environment's pull-failure rule for a workload's failed pull (events.ts). */
  const alertPullFailure = (workload: ArmResource, names: { revisionName?: string; jobName?: string }) => {
    const p = workload.properties ?? {};
    const environmentId = String(p.environmentId ?? p.managedEnvironmentId ?? "");
    if (environmentId)
      alerts.publish(pullFailureAlert({ environmentId, appName: workload.name, ...names, time: clock.now() }));
  };

  const ctx: ArmContext = {
    state,
    clock,
    pageSize: options.pageSize ?? 100,
    baseUrl: "",
    emit: (event) => events.publish(event),
    runtimeFailure: (app, revision) => alertPullFailure(app, { revisionName: revision.name }),
    // v2: executions log under the job's name (ContainerAppName and JobName, spec/events.md v2).
    executionFailure: (job, execution, log) => {
      const environmentId = String(job.properties?.environmentId ?? "");
      const time = clock.now();
      systemLogs.publish(
        executionLogRow({ environmentId, jobName: job.name, executionName: execution.name, log, time }),
      );
      alertPullFailure(job, { jobName: job.name });
    },
    pendingExecutions: [],
    operations: new Map(),
    failures: new Map(),
    principalsCreatedAt: new Map(),
    pendingFailures: [],
    replicasCreated: new Map(),
  };

  // An app with no revision gets one, decided at load.
  for (const app of resourcesOfType(state, "Microsoft.App/containerApps")) {
    if (revisionsOf(state, app.id).length === 0) {
      // Keep the revision name the world gives (latestRevisionName, else latestReadyRevisionName), as world.md fills
      // these only when absent.
      const given = app.properties?.latestRevisionName ?? app.properties?.latestReadyRevisionName;
      const revision = newRevision(ctx, app, typeof given === "string" ? given : undefined);
      decideRevision(ctx, app, revision, String(app.properties?.provisioningState ?? "Succeeded") === "Failed");
    }
  }

  let lostReplies = 0;
  /** Requests of the main listener (ARM, and registries by their Host), or of a registry's own listener. */
  const handler = (registry?: string) => (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const start = Date.now();
      const address = String(req.headers.host ?? "");
      const host = registry ?? address.replace(/:\d+$/, "").toLowerCase();
      const plane: "arm" | "data" = registry || isRegistryHost(host) ? "data" : "arm";
      // The SDKs build `{$host}/{scope}/providers/...` with a scope that starts with "/", so a path may begin with
      // "//": collapse repeated slashes, or URL would read the first segment as a host.
      const target = (req.url ?? "/").replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, "/"));
      const url = new URL(target, `https://${host || "127.0.0.1"}`);
      const token = readToken(bearerOf(req.headers.authorization) ?? "");
      const record = (status: number, appliedStatus?: number) =>
        log.record({
          ...(appliedStatus !== undefined ? { appliedStatus } : {}),
          method: req.method ?? "GET",
          host,
          path: `${url.pathname}${url.search}`,
          status,
          plane,
          start,
          end: Date.now(),
          caller: token?.oid ?? null,
        });
      const body = await readBody(req);
      const fault = faults.decide({ plane, method: req.method ?? "GET", path: url.pathname });
      if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.kind === "reset") {
        record(0);
        req.socket.destroy();
        return;
      }
      if (fault.kind === "status") {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
        const code =
          fault.status === 429
            ? "TooManyRequests"
            : fault.status === 503
              ? "ServiceUnavailable"
              : "InternalServerError";
        send(
          res,
          fault.status,
          headers,
          JSON.stringify({ error: { code, message: `injected fault ${fault.status}` } }),
        );
        record(fault.status);
        return;
      }
      if (plane === "data") {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(",") : v;
        const answer = handleRegistryRequest(
          state,
          {
            method: req.method ?? "GET",
            host,
            ...(registry ? { address } : {}),
            path: url.pathname,
            query: url.searchParams,
            headers,
            body,
          },
          clock.now(),
        );
        send(res, answer.status, answer.headers, answer.body);
        record(answer.status);
        return;
      }
      if (!token?.oid) {
        send(
          res,
          401,
          { "content-type": "application/json" },
          JSON.stringify({
            error: {
              code: "AuthenticationFailed",
              message: "Authentication failed. The 'Authorization' header is missing or not a Bearer token.",
            },
          }),
        );
        record(401);
        return;
      }
      let parsed: unknown;
      if (body) {
        try {
          parsed = JSON.parse(body) as unknown;
        } catch {
          send(
            res,
            400,
            { "content-type": "application/json" },
            JSON.stringify({
              error: {
                code: "InvalidRequestContent",
                message: "The request content was invalid and could not be deserialized.",
              },
            }),
          );
          record(400);
          return;
        }
      }
      try {
        const answer = handleArm(ctx, {
          method: req.method ?? "GET",
          url,
          body: parsed,
          caller: token.oid.toLowerCase(),
        });
        // Applied, but the answer never arrives: a `lost-reply` fault, or behaviour.lostReplies (the first N writes).
        const isWrite = req.method !== "GET" && req.method !== "HEAD";
        const lostByWorld = isWrite && answer.status < 400 && lostReplies < state.behaviour.lostReplies;
        if (lostByWorld) lostReplies++;
        if (fault.kind === "lost-reply" || lostByWorld) {
          record(0, answer.status);
          req.socket.destroy();
          return;
        }
        const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
        send(
          res,
          answer.status,
          {
            ...(text ? { "content-type": "application/json" } : {}),
            "x-ms-request-id": crypto.randomUUID(),
            ...answer.headers,
          },
          text,
        );
        record(answer.status);
      } catch (error) {
        send(
          res,
          500,
          { "content-type": "application/json" },
          JSON.stringify({ error: { code: "InternalServerError", message: (error as Error).message } }),
        );
        record(500);
      }
    })();
  };
  const server = createServer({ cert, key }, handler());
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const endpoint = `https://127.0.0.1:${port}`;
  ctx.baseUrl = endpoint;
  const httpClient = emulatorHttpClient(cert, port);
  const exposures: Server[] = [];

  return {
    endpoint,
    port,
    caPem: cert,
    credential: emulatorCredential(callerId, callerTenant, clock.now),
    credentialFor: (principalId, tenantId) => emulatorCredential(principalId, tenantId ?? callerTenant, clock.now),
    httpClient,
    events,
    alerts,
    systemLogs,
    log,
    clock,
    faults,
    state,
    getResource: (id) => state.resources.get(lowerId(id)),
    exposeRegistry: async (loginServer) => {
      const exposed = createServer({ cert, key }, handler(loginServer.toLowerCase()));
      await new Promise<void>((resolve) => exposed.listen(0, "127.0.0.1", resolve));
      exposures.push(exposed);
      return {
        address: `127.0.0.1:${(exposed.address() as AddressInfo).port}`,
        stop: () => closeServer(exposed),
      };
    },
    simulateReplicaRestart: (appId) => {
      const app = state.resources.get(lowerId(appId));
      const latest = app
        ? state.resources.get(lowerId(`${app.id}/revisions/${String(app.properties?.latestRevisionName ?? "")}`))
        : undefined;
      if (!app || !latest) return false;
      const ok = decideRevision(ctx, app, latest, false);
      if (!ok) ctx.runtimeFailure(app, latest);
      return ok;
    },
    simulateScheduledRun: (jobId, at) => {
      const job = state.resources.get(lowerId(jobId));
      if (job?.type.toLowerCase() !== "microsoft.app/jobs") return null;
      settleExecutions(ctx);
      const execution = startExecution(ctx, job, undefined, at);
      return { id: execution.id, name: execution.name };
    },
    stop: async () => {
      await Promise.all([events.settle(), alerts.settle(), systemLogs.settle()]);
      await Promise.all([server, ...exposures].map(closeServer));
    },
  };
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function isFileRef(world: unknown): world is { file: string } {
  return (
    typeof world === "object" &&
    world !== null &&
    "file" in world &&
    typeof (world as { file: unknown }).file === "string"
  );
}
