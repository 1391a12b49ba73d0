/**
 * The HTTP check trigger `checkAppPost` (POST /api/check with {"resourceId", "fix"}), called with a real
 * `HttpRequest` against the emulator and Azurite.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningAzurite } from "../../devtools/azurite.js";
import {
  brokenOrdersWorld,
  CONTOSOPROD,
  type Host,
  httpRequest,
  invocation,
  loadHandlers,
  ORDERS_API,
  openHost,
  SUBSCRIPTION,
  startStorage,
} from "./harness.js";

type Handlers = Awaited<ReturnType<typeof loadHandlers>>;
type Json = Record<string, unknown>;

const BASE = "http://localhost:7071/api";
const OTHER_SUBSCRIPTION = "11111111-2222-4333-8444-555555555555";

let storage: RunningAzurite;
let handlers: Handlers;
let host: Host | undefined;

beforeAll(async () => {
  [storage, handlers] = await Promise.all([startStorage(), loadHandlers()]);
});
afterAll(async () => {
  await storage?.stop();
});
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function post(body: unknown, raw?: string) {
  const { context, logs } = invocation("checkAppPost");
  const request = httpRequest({
    method: "POST",
    url: `${BASE}/check`,
    ...(raw !== undefined ? { rawBody: raw } : { body }),
  });
  return { response: await handlers.checkAppPost(request, context), logs };
}

const errorOf = (response: { jsonBody?: unknown }) => String((response.jsonBody as { error?: unknown }).error);

describe("POST /api/check", () => {
  it('{"fix": false} returns the diagnosis and writes nothing', async () => {
    host = await openHost(brokenOrdersWorld(), storage);
    const { response } = await post({ resourceId: ORDERS_API, fix: false });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ appId: ORDERS_API, verdict: "broken" });
    expect(host.writes()).toBe(0);
  });

  it('{"fix": true} applies the plan and says what was done (the fix --json document)', async () => {
    host = await openHost(brokenOrdersWorld(), storage);
    const { response } = await post({ resourceId: ORDERS_API, fix: true });
    expect(response.status).toBe(200);
    const body = response.jsonBody as Json;
    expect(body).toMatchObject({ appId: ORDERS_API, action: "fixed", before: { verdict: "broken" } });
    expect(body.applied).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "assign-role", scope: CONTOSOPROD, result: "done" })]),
    );
    expect(body.auditIds).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
  });

  it('{"fix": true} with PULLGUARD_MODE=report reports and writes nothing', async () => {
    host = await openHost(brokenOrdersWorld(), storage, { env: { PULLGUARD_MODE: "report" } });
    const { response } = await post({ resourceId: ORDERS_API, fix: true });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ action: "reported", applied: [] });
    expect(host.writes()).toBe(0);
  });

  const bad: Array<[string, unknown, string | undefined, RegExp]> = [
    ["a body that is not JSON", undefined, "resourceId=x", /not valid JSON/],
    ["no resourceId", { fix: false }, undefined, /expected a JSON body \{"resourceId"/],
    ["fix that is not a boolean", { resourceId: ORDERS_API, fix: "yes" }, undefined, /fix/],
    ["an unknown field", { resourceId: ORDERS_API, force: true }, undefined, /force|unrecognized/i],
    [
      "a registry ID instead of an app ID",
      { resourceId: CONTOSOPROD },
      undefined,
      /not a container app ID; expected \/subscriptions\/\{guid\}\/resourceGroups/,
    ],
    [
      "an app ID with a dot segment",
      {
        resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-shop/../rg-x/providers/Microsoft.App/containerApps/orders-api`,
      },
      undefined,
      /not a container app ID/,
    ],
    [
      "an app ID whose subscription is not a GUID",
      { resourceId: "/subscriptions/prod/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api" },
      undefined,
      /not a container app ID|not a GUID/,
    ],
  ];
  for (const [name, body, raw, message] of bad) {
    it(`400 for ${name}, naming what is expected, before any ARM call`, async () => {
      host = await openHost(brokenOrdersWorld(), storage);
      const { response } = await post(body, raw);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatch(message);
      expect(host.emulator.log.count()).toBe(0);
    });
  }

  it("403 outside the allowlist, 404 for a missing app", async () => {
    host = await openHost(brokenOrdersWorld(), storage);
    const outside = await post({ resourceId: ORDERS_API.replace(SUBSCRIPTION, OTHER_SUBSCRIPTION), fix: true });
    expect(outside.response.status).toBe(403);
    const missing = await post({ resourceId: ORDERS_API.replace("orders-api", "billing-api"), fix: true });
    expect(missing.response.status).toBe(404);
    expect(host.writes()).toBe(0);
  });
});
