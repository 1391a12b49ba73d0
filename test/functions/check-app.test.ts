/**
 * The HTTP check trigger `checkApp` (GET /api/apps/{subscriptionId}/{resourceGroup}/{name}), called with a real
 * `HttpRequest` against the emulator and Azurite. POST /api/check is in check-app-post.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  ACR_PULL,
  API_BASE,
  brokenOrdersWorld,
  CONTOSOPROD,
  errorOf,
  httpRequest,
  invocation,
  ORDERS_API,
  OTHER_SUBSCRIPTION,
  readWorld,
  SUBSCRIPTION,
  useFunctionHost,
} from "./harness.js";

type Json = Record<string, unknown>;

const harness = useFunctionHost();

async function get(subscriptionId: string, resourceGroup: string, name: string) {
  const { context, logs } = invocation("checkApp");
  const request = httpRequest({
    method: "GET",
    url: `${API_BASE}/apps/${encodeURIComponent(subscriptionId)}/${encodeURIComponent(resourceGroup)}/${encodeURIComponent(name)}`,
    params: { subscriptionId, resourceGroup, name },
  });
  return { response: await harness.handlers.checkApp(request, context), logs };
}

describe("GET /api/apps/{subscriptionId}/{resourceGroup}/{name}", () => {
  it("returns the diagnosis of a broken app as the CLI's check --json object, and writes nothing", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { response } = await get(SUBSCRIPTION, "rg-shop", "orders-api");
    expect(response.status).toBe(200);
    const body = response.jsonBody as Json;
    expect(Object.keys(body)).toEqual(["appId", "kind", "verdict", "findings", "plan", "stats"]);
    expect(body).toMatchObject({ appId: ORDERS_API, kind: "app", verdict: "broken" });
    const findings = body.findings as Array<{ code: string }>;
    expect(findings.map((f) => f.code)).toContain("pull-role-missing");
    expect(body.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "assign-role",
          scope: CONTOSOPROD,
          roleDefinitionId: expect.stringContaining(ACR_PULL),
          decision: "apply",
        }),
      ]),
    );
    // It survives the wire: JSON in, JSON out.
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
    expect(host.writes()).toBe(0);
  });

  it("says healthy for a healthy app", async () => {
    await harness.open(readWorld("orders-api.world.json"));
    const { response } = await get(SUBSCRIPTION, "rg-shop", "orders-api");
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ verdict: "healthy", plan: [] });
  });

  const bad: Array<[string, [string, string, string], RegExp]> = [
    ["a subscription ID that is not a GUID", ["3f2b8c61", "rg-shop", "orders-api"], /not a GUID; expected 8-4-4-4-12/],
    [
      "a resource group ending in a period",
      [SUBSCRIPTION, "rg-shop.", "orders-api"],
      /resource group .* expected 1-90/,
    ],
    ["a resource group with a slash", [SUBSCRIPTION, "rg/../x", "orders-api"], /resource group/],
    ["an app name with capitals and underscores", [SUBSCRIPTION, "rg-shop", "Orders_API"], /expected 1-32 lower-case/],
    ["an empty app name", [SUBSCRIPTION, "rg-shop", ""], /expected the path \/api\/apps\/\{subscriptionId\}/],
  ];
  for (const [name, [sub, group, app], message] of bad) {
    it(`400 for ${name}, naming what is expected, before any ARM call`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { response } = await get(sub, group, app);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatch(message);
      expect(host.emulator.log.count()).toBe(0);
    });
  }

  it("404 for an app that does not exist", async () => {
    await harness.open(brokenOrdersWorld());
    const { response } = await get(SUBSCRIPTION, "rg-shop", "billing-api");
    expect(response.status).toBe(404);
    expect(errorOf(response)).toMatch(/billing-api was not found/);
  });

  it("403 for an app outside the watched subscriptions and allowed scopes, before any ARM call", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { response } = await get(OTHER_SUBSCRIPTION, "rg-shop", "orders-api");
    expect(response.status).toBe(403);
    expect(errorOf(response)).toMatch(/outside the scopes .*PULLGUARD_ALLOWED_SCOPES/);
    expect(host.emulator.log.count()).toBe(0);
  });

  it("throws on a transient failure (the caller gets a 500 and may retry), not a 4xx", async () => {
    const host = await harness.open(brokenOrdersWorld());
    host.emulator.faults.add({ kind: "503", method: "GET", path: /\/containerApps\/orders-api$/i });
    await expect(get(SUBSCRIPTION, "rg-shop", "orders-api")).rejects.toThrow(/503|ServiceUnavailable|injected/i);
  });
});

describe("v2: GET /api/jobs/{subscriptionId}/{resourceGroup}/{name}", () => {
  const JOB = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-shop/providers/Microsoft.App/jobs/orders-export`;

  /** The broken demo world plus a scheduled job pulling the same image with its system identity (no AcrPull). */
  function worldWithJob(): Record<string, unknown> {
    const world = brokenOrdersWorld();
    const resources = world.resources as Array<Record<string, unknown>>;
    const app = resources.find((r) => r.id === ORDERS_API);
    const environmentId = (app?.properties as { environmentId: string }).environmentId;
    resources.push({
      id: JOB,
      name: "orders-export",
      type: "Microsoft.App/jobs",
      location: "westeurope",
      identity: { type: "SystemAssigned" },
      properties: {
        provisioningState: "Succeeded",
        environmentId,
        configuration: {
          triggerType: "Schedule",
          replicaTimeout: 1800,
          scheduleTriggerConfig: { cronExpression: "0 2 * * *", parallelism: 1, replicaCompletionCount: 1 },
          registries: [{ server: "contosoprod.azurecr.io", identity: "system" }],
        },
        template: { containers: [{ name: "export", image: "contosoprod.azurecr.io/orders/api:1.8.0" }] },
      },
    });
    return world;
  }

  it("returns the job's diagnosis with kind job (runs once the readers read jobs: branch read-jobs)", async () => {
    await harness.open(worldWithJob());
    const { context } = invocation("checkJob");
    const request = httpRequest({
      method: "GET",
      url: `${API_BASE}/jobs/${SUBSCRIPTION}/rg-shop/orders-export`,
      params: { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-shop", name: "orders-export" },
    });
    const response = await harness.handlers.checkJob(request, context);
    expect(response.status, JSON.stringify(response.jsonBody)).toBe(200);
    const body = response.jsonBody as Json;
    expect(Object.keys(body)).toEqual(["appId", "kind", "verdict", "findings", "plan", "stats"]);
    expect(body).toMatchObject({ appId: JOB, kind: "job", verdict: "broken" });
    expect((body.findings as Array<{ code: string }>).map((f) => f.code)).toContain("pull-role-missing");
  });

  it("400 for a job name that is not a name, before any ARM call", async () => {
    const host = await harness.open(worldWithJob());
    const { context } = invocation("checkJob");
    const request = httpRequest({
      method: "GET",
      url: `${API_BASE}/jobs/${SUBSCRIPTION}/rg-shop/Orders_Export`,
      params: { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-shop", name: "Orders_Export" },
    });
    const response = await harness.handlers.checkJob(request, context);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatch(/^job name "Orders_Export" is not valid/);
    expect(host.emulator.log.count()).toBe(0);
  });
});
