/**
 * The HTTP check trigger `checkAppPost` (POST /api/check with {"resourceId", "fix"}), called with a real
 * `HttpRequest` against the emulator and Azurite.
 */
import { describe, expect, it } from "vitest";
import {
  API_BASE,
  brokenOrdersWorld,
  CONTOSOPROD,
  errorOf,
  httpRequest,
  invocation,
  ORDERS_API,
  OTHER_SUBSCRIPTION,
  SUBSCRIPTION,
  useFunctionHost,
} from "./harness.js";

type Json = Record<string, unknown>;

const harness = useFunctionHost();

async function post(body: unknown, raw?: string) {
  const { context, logs } = invocation("checkAppPost");
  const request = httpRequest({
    method: "POST",
    url: `${API_BASE}/check`,
    ...(raw !== undefined ? { rawBody: raw } : { body }),
  });
  return { response: await harness.handlers.checkAppPost(request, context), logs };
}

describe("POST /api/check", () => {
  it('{"fix": false} returns the diagnosis and writes nothing', async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { response } = await post({ resourceId: ORDERS_API, fix: false });
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ appId: ORDERS_API, verdict: "broken" });
    expect(host.writes()).toBe(0);
  });

  it('{"fix": true} applies the plan and says what was done (the fix --json document)', async () => {
    const host = await harness.open(brokenOrdersWorld());
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
    const host = await harness.open(brokenOrdersWorld(), { env: { PULLGUARD_MODE: "report" } });
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
      /not a container app or job ID; expected \/subscriptions\/\{guid\}\/resourceGroups/,
    ],
    [
      "an app ID with a dot segment",
      {
        resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-shop/../rg-x/providers/Microsoft.App/containerApps/orders-api`,
      },
      undefined,
      /not a container app or job ID/,
    ],
    [
      "an app ID whose subscription is not a GUID",
      { resourceId: "/subscriptions/prod/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api" },
      undefined,
      /not a container app or job ID|not a GUID/,
    ],
  ];
  for (const [name, body, raw, message] of bad) {
    it(`400 for ${name}, naming what is expected, before any ARM call`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { response } = await post(body, raw);
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatch(message);
      expect(host.emulator.log.count()).toBe(0);
    });
  }

  it("403 outside the allowlist, 404 for a missing app", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const outside = await post({ resourceId: ORDERS_API.replace(SUBSCRIPTION, OTHER_SUBSCRIPTION), fix: true });
    expect(outside.response.status).toBe(403);
    const missing = await post({ resourceId: ORDERS_API.replace("orders-api", "billing-api"), fix: true });
    expect(missing.response.status).toBe(404);
    expect(host.writes()).toBe(0);
  });
});
