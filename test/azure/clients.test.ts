import { RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureClients } from "../../src/azure/clients.js";
import { createDevCredential, createDevHttpClient } from "../../src/azure/dev-backend.js";
import { isNotFound, isTransient, readFailure, readOrFailure } from "../../src/azure/errors.js";
import { answerFrom, armError, TEST_PRINCIPAL, TEST_TENANT } from "./local-arm.js";
import { type LocalServer, startLocalHttps } from "./local-https.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
let flaky = 0;
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalHttps(
    answerFrom({
      "GET /subscriptions": { status: 200, body: { value: [{ subscriptionId: SUB, tenantId: TEST_TENANT }] } },
      [`GET /subscriptions/${SUB}/resourcegroups`]: { status: 200, body: { value: [] } },
      [`GET /subscriptions/${SUB}/providers/Microsoft.App/containerApps`]: { status: 200, body: { value: [] } },
      [`GET /subscriptions/${SUB}/providers/Microsoft.ContainerRegistry/registries`]: {
        status: 200,
        body: { value: [] },
      },
      [`GET /subscriptions/${SUB}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`]: {
        status: 200,
        body: { value: [] },
      },
      [`GET /subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks`]: { status: 200, body: { value: [] } },
      [`GET /subscriptions/${SUB}/providers/Microsoft.Network/privateDnsZones`]: { status: 200, body: { value: [] } },
      [`GET /subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments`]: {
        status: 200,
        body: { value: [] },
      },
      [`GET /subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/flaky`]:
        () =>
          ++flaky % 3 === 0
            ? { status: 200, body: { id: "x", name: "flaky", location: "northeurope", properties: {} } }
            : armError(503, "ServiceUnavailable"),
    }),
  );
});
afterAll(() => server.close());

function clients(onArmRequest?: () => void) {
  return createAzureClients({
    credential: createDevCredential({ principalId: TEST_PRINCIPAL, tenantId: TEST_TENANT }),
    endpoint: `${server.url}/`,
    httpClient: createDevHttpClient({ caPem: server.caPem, registryAddress: server.address }),
    retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
    ...(onArmRequest ? { onArmRequest } : {}),
  });
}

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function audienceOf(authorization: string | string[] | undefined): unknown {
  const payload =
    String(authorization)
      .replace(/^Bearer /, "")
      .split(".")[1] ?? "";
  return (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { aud?: unknown }).aud;
}

describe("createAzureClients", () => {
  it("points every client at the endpoint with an ARM token for it", async () => {
    const c = clients();
    const start = server.requests.length;
    await drain(c.subscriptions().subscriptions.list());
    await drain(c.resources(SUB).resourceGroups.list());
    await drain(c.containerApps(SUB).containerApps.listBySubscription());
    await drain(c.containerRegistry(SUB).registries.list());
    await drain(c.managedIdentities(SUB).userAssignedIdentities.listBySubscription());
    await drain(c.network(SUB).virtualNetworks.listAll());
    await drain(c.privateDns(SUB).privateZones.list());
    await drain(c.authorization(SUB).roleAssignments.listForSubscription());
    const sent = server.requests.slice(start);
    expect(sent).toHaveLength(8);
    expect(sent.every((r) => r.host === "127.0.0.1")).toBe(true);
    expect(new Set(sent.map((r) => audienceOf(r.headers.authorization)))).toEqual(new Set([server.url]));
    expect(c.endpoint).toBe(server.url);
  });

  it("makes each client once per subscription (any casing)", () => {
    const c = clients();
    expect(c.containerApps(SUB)).toBe(c.containerApps(SUB.toUpperCase()));
    expect(c.authorization(SUB)).not.toBe(c.authorization("00000000-0000-0000-0000-000000000000"));
    expect(c.subscriptions()).toBe(c.subscriptions());
  });

  it("counts every attempt, retries included, per call even when calls run at once, and nested", async () => {
    let global = 0;
    const c = clients(() => global++);
    flaky = 0;
    const [retried, plain] = await Promise.all([
      c.countArmRequests(() => c.managedIdentities(SUB).userAssignedIdentities.get("rg", "flaky")),
      c.countArmRequests(async () => {
        const inner = await c.countArmRequests(() => drain(c.subscriptions().subscriptions.list()));
        await drain(c.containerRegistry(SUB).registries.list());
        return inner.armRequests;
      }),
    ]);
    expect(retried.armRequests).toBe(3);
    expect(plain).toEqual({ value: 1, armRequests: 2 });
    expect(global).toBe(5);
  });
});

describe("errors", () => {
  const restError = (statusCode: number | undefined, code?: string, message = "failed") =>
    new RestError(message, { ...(statusCode ? { statusCode } : {}), ...(code ? { code } : {}) });

  it("404 is NotFound; SubscriptionNotFound is not (the subscription is only invisible)", () => {
    expect(readFailure(restError(404, "ResourceNotFound"), "/x")).toEqual({
      readable: true,
      found: false,
      resource: "/x",
    });
    expect(isNotFound(restError(404, "SubscriptionNotFound"))).toBe(false);
    expect(readFailure(restError(404, "SubscriptionNotFound"), "/subscriptions/s", "Reader on s")).toMatchObject({
      readable: false,
      status: 404,
      neededRole: "Reader on s",
    });
  });

  it("403 names the role to ask for; 5xx and dropped connections do not", () => {
    expect(readFailure(restError(403, "AuthorizationFailed"), "/r", "Reader on r")).toEqual({
      readable: false,
      resource: "/r",
      status: 403,
      errorCode: "AuthorizationFailed",
      message: "failed",
      neededRole: "Reader on r",
    });
    expect(readFailure(restError(503, "ServiceUnavailable"), "/r", "Reader on r")).not.toHaveProperty("neededRole");
    expect(readFailure(restError(undefined, "ECONNRESET"), "/r")).toMatchObject({
      readable: false,
      errorCode: "ECONNRESET",
    });
  });

  it("never keeps a token in a message, and rethrows what is not a read failure", async () => {
    const leaked = readFailure(restError(401, "InvalidAuthenticationToken", "bad token Bearer eyJabc.def.ghi"), "/r");
    expect(JSON.stringify(leaked)).not.toContain("eyJabc");
    await expect(readOrFailure("/r", undefined, async () => Promise.reject(new TypeError("bug")))).rejects.toThrow(
      "bug",
    );
  });

  it("transient: throttling, 5xx and dropped connections; not 403 or 404", () => {
    expect(isTransient(restError(429))).toBe(true);
    expect(isTransient(restError(503))).toBe(true);
    expect(isTransient(restError(undefined, "ECONNRESET"))).toBe(true);
    expect(isTransient(restError(403))).toBe(false);
    expect(isTransient(restError(404))).toBe(false);
  });
});
