/**
 * Fault injection (latency, 429 + Retry-After, 500/503, connection reset; per route, per plane, by fraction; seeded),
 * the request log, and the clock tests move forward.
 */
import { randomUUID } from "node:crypto";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { ACR_PULL, appId, clientsFor, collect, REGISTRY_ID, RG, RG2, roleId, SUB, shopWorld } from "./helpers.js";

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

async function start(options: { seed?: number; world?: Record<string, unknown> } = {}) {
  const emu = await startEmulator(options.world ?? shopWorld(), { seed: options.seed ?? 1 });
  started.push(emu);
  return emu;
}

/** A Container Apps client whose retries are quick, or absent. */
function appsClient(emu: Emulator, maxRetries: number) {
  return new ContainerAppsAPIClient(emu.credential, SUB, {
    endpoint: emu.endpoint,
    httpClient: emu.httpClient,
    retryOptions: { maxRetries, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
}

const APP_PATH = /\/containerApps\/web$/;
const statusesOf = (emu: Emulator, path: RegExp) =>
  emu.log
    .entries()
    .filter((e) => path.test(e.path.split("?")[0] ?? ""))
    .map((e) => e.status);

async function failureOf(work: Promise<unknown>) {
  return work.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as { statusCode?: number; code?: string; name?: string },
  );
}

describe("fault injection", () => {
  it("429 with Retry-After: the SDK waits, retries and succeeds", async () => {
    const emu = await start();
    emu.faults.add({ kind: "429", path: APP_PATH, count: 1, retryAfterSeconds: 1 });
    const app = await clientsFor(emu).apps.containerApps.get(RG, "web");
    expect(app.name).toBe("web");
    expect(statusesOf(emu, APP_PATH)).toEqual([429, 200]);
    expect(emu.faults.injected()).toEqual({ "429": 1 });

    emu.faults.add({ kind: "429", path: APP_PATH, count: 1, retryAfterSeconds: 7 });
    const token = (await emu.credential.getToken("https://management.azure.com/.default"))?.token;
    const response = await emu.httpClient.sendRequest(
      createPipelineRequest({
        url: `${emu.endpoint}${appId("web")}?api-version=2025-07-01`,
        headers: createHttpHeaders({ authorization: `Bearer ${token}` }),
      }),
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(JSON.parse(response.bodyAsText ?? "")).toEqual({
      error: { code: "TooManyRequests", message: expect.any(String) },
    });
  });

  it("500 and 503: retried by the SDK, surfaced as RestError once retries run out", async () => {
    const emu = await start();
    emu.faults.add({ kind: "503", path: APP_PATH, count: 2, retryAfterSeconds: 0 });
    expect((await appsClient(emu, 3).containerApps.get(RG, "web")).name).toBe("web");
    expect(statusesOf(emu, APP_PATH)).toEqual([503, 503, 200]);

    emu.log.clear();
    emu.faults.add({ kind: "500", path: APP_PATH, count: 1 });
    expect((await appsClient(emu, 3).containerApps.get(RG, "web")).name).toBe("web");
    expect(statusesOf(emu, APP_PATH)).toEqual([500, 200]);

    emu.faults.add({ kind: "500", path: APP_PATH });
    const error = await failureOf(appsClient(emu, 0).containerApps.get(RG, "web"));
    expect(error).toMatchObject({ name: "RestError", statusCode: 500, code: "InternalServerError" });
  });

  it("connection reset: the SDK retries on ECONNRESET, or reports it with no retries left", async () => {
    const emu = await start();
    emu.faults.add({ kind: "reset", path: APP_PATH, count: 1 });
    expect((await appsClient(emu, 3).containerApps.get(RG, "web")).name).toBe("web");
    expect(statusesOf(emu, APP_PATH)).toEqual([0, 200]);

    emu.faults.add({ kind: "reset", path: APP_PATH, count: 1 });
    const error = await failureOf(appsClient(emu, 0).containerApps.get(RG, "web"));
    expect(error.code).toBe("ECONNRESET");
  });

  it("latency: the matching route's requests take at least the injected delay, others none", async () => {
    const emu = await start();
    emu.faults.add({ kind: "latency", path: APP_PATH, latencyMs: 120, jitterMs: 0 });
    const c = clientsFor(emu);
    await c.apps.containerApps.get(RG, "web");
    await c.registry.registries.get(RG2, "contosoprod");
    const [slow, other] = emu.log.entries();
    expect((slow?.end ?? 0) - (slow?.start ?? 0)).toBeGreaterThanOrEqual(115);
    expect(other?.path).toContain("/registries/contosoprod");
    expect(emu.faults.injected()).toEqual({ latency: 1 });
  });

  it("applies per route, per plane and per method, leaving other requests alone", async () => {
    const emu = await start();
    emu.faults.add({ kind: "503", plane: "data" });
    emu.faults.add({ kind: "500", method: "PATCH", path: /\/registries\// });
    const c = clientsFor(emu);
    expect((await collect(c.apps.containerApps.listByResourceGroup(RG))).length).toBe(3);
    expect((await c.registry.registries.get(RG2, "contosoprod")).name).toBe("contosoprod");
    const registryClient = new ContainerRegistryManagementClient(emu.credential, SUB, {
      endpoint: emu.endpoint,
      httpClient: emu.httpClient,
      retryOptions: { maxRetries: 0 },
    });
    await expect(
      registryClient.registries.update(RG2, "contosoprod", { tags: { a: "b" } }, { updateIntervalInMs: 5 }),
    ).rejects.toMatchObject({ statusCode: 500 });
    const ping = await emu.httpClient.sendRequest(createPipelineRequest({ url: "https://contosoprod.azurecr.io/v2/" }));
    expect(ping.status).toBe(503);
    expect(
      emu.log
        .entries()
        .filter((e) => e.status >= 500 && e.plane === "arm")
        .every((e) => e.method === "PATCH"),
    ).toBe(true);
  });

  it("a fraction of matching requests fails, and the same seed fails the same ones", async () => {
    const run = async (seed: number) => {
      const emu = await start({ seed });
      emu.faults.add({ kind: "503", path: APP_PATH, fraction: 0.5 });
      const client = appsClient(emu, 0);
      const outcomes: number[] = [];
      for (let i = 0; i < 16; i++) {
        outcomes.push(
          await client.containerApps.get(RG, "web").then(
            () => 200,
            (e: { statusCode?: number }) => e.statusCode ?? -1,
          ),
        );
      }
      return outcomes;
    };
    const first = await run(42);
    expect(first).toContain(200);
    expect(first).toContain(503);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it("clear() removes every rule", async () => {
    const emu = await start();
    emu.faults.add({ kind: "500" });
    emu.faults.clear();
    expect((await clientsFor(emu).apps.containerApps.get(RG, "web")).name).toBe("web");
    expect(emu.faults.injected()).toEqual({});
  });
});

describe("request log", () => {
  it("records method, host, path with query, status, start, end, plane and caller of every request", async () => {
    const emu = await start();
    const c = clientsFor(emu);
    await c.apps.containerApps.get(RG, "web");
    await c.apps.containerApps.get(RG, "missing").catch(() => undefined);
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "b" } });
    const [get, missing, patch] = emu.log.entries();
    expect(get).toEqual({
      method: "GET",
      host: "127.0.0.1",
      path: `${appId("web")}?api-version=2025-07-01`,
      status: 200,
      plane: "arm",
      start: expect.any(Number),
      end: expect.any(Number),
      caller: "0f0e0d0c-0b0a-4909-8807-060504030201",
    });
    expect((get?.end ?? 0) >= (get?.start ?? 1)).toBe(true);
    expect(missing?.status).toBe(404);
    expect(patch).toMatchObject({ method: "PATCH", status: 200 });
    expect(emu.log.writes()).toEqual([patch]);
    expect(emu.log.count((e) => e.status === 404)).toBe(1);
    emu.log.clear();
    expect(emu.log.count()).toBe(0);
  });
});

describe("clock", () => {
  it("moving the clock forward lets a new role assignment take effect after the propagation delay", async () => {
    const emu = await start({ world: { ...shopWorld(), propagationDelaySeconds: 600 } });
    const c = clientsFor(emu);
    const web = await c.apps.containerApps.get(RG, "web");
    const principalId = web.identity?.principalId ?? "";
    const revision = web.latestRevisionName ?? "";
    expect((await c.apps.containerAppsRevisions.getRevision(RG, "web", revision)).healthState).toBe("Unhealthy");

    const before = emu.clock.now().getTime();
    const created = await c.auth.roleAssignments.create(REGISTRY_ID, randomUUID(), {
      roleDefinitionId: roleId(ACR_PULL),
      principalId,
      principalType: "ServicePrincipal",
    });
    expect(created.createdOn?.getTime()).toBeGreaterThanOrEqual(before);
    await c.apps.containerAppsRevisions.restartRevision(RG, "web", revision);
    expect((await c.apps.containerAppsRevisions.getRevision(RG, "web", revision)).healthState).toBe("Unhealthy");

    emu.clock.advance(9 * 60_000);
    await c.apps.containerAppsRevisions.restartRevision(RG, "web", revision);
    expect((await c.apps.containerAppsRevisions.getRevision(RG, "web", revision)).healthState).toBe("Unhealthy");

    emu.clock.advance(60_000);
    await c.apps.containerAppsRevisions.restartRevision(RG, "web", revision);
    expect((await c.apps.containerAppsRevisions.getRevision(RG, "web", revision)).healthState).toBe("Healthy");
    expect(emu.clock.now().getTime() - before).toBeGreaterThanOrEqual(600_000);
    expect(emu.events.published().at(-1)?.eventTime.slice(0, 15)).toBe("2026-11-22T12:1");
  });

  it("starts at the world's now", async () => {
    const emu = await start();
    expect(emu.clock.now().toISOString().slice(0, 13)).toBe("2026-11-22T12");
  });
});
