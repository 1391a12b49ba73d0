/**
 * Bad input, property-based (fast-check, seeded):
 *
 * - Event Grid payloads (Event Grid schema and CloudEvents) through the real `onResourceEvent` handler: missing,
 *   extra and mistyped fields, huge strings, other resource types, other subscriptions, unwatched operations,
 *   `..`, encoded slashes and other path tricks, nonexistent apps, events PullGuard caused itself. Each ends
 *   "rejected" or "ignored" with a reason, logged as "ignored…: <why>" in a bounded line, and never a write.
 *   The world behind them is broken, so any input that slipped through to a fix would show as a write.
 * - HTTP check requests (POST /api/check and GET /api/apps/{sub}/{rg}/{name}): a clear 400, 403 or 404 with an
 *   error message, and never a write.
 * - Allowlist: an event naming an in-scope app whose registry is out of scope makes no write.
 * - Plans from property-generated facts: every step passes src/core/forbidden.ts; every grant is AcrPull or Container
 *   Registry Repository Reader, at registry scope, to a ServicePrincipal; nothing targets a resource the app does not
 *   use.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnose } from "../../src/core/diagnose.js";
import type {
  PrincipalAssignments,
  PullFacts,
  Read,
  RegistryFacts,
  RoleAssignmentFacts,
  RoleDefinitionFacts,
} from "../../src/core/facts.js";
import { assertAllowed, GRANTABLE_ROLES } from "../../src/core/forbidden.js";
import { planFixes } from "../../src/core/plan.js";
import { policyFromSettings } from "../../src/core/policy.js";
import { roleAssignmentName, roleGuidOf } from "../../src/core/role-assignment-name.js";
import type { RunningAzurite } from "../../tools/dev/azurite.js";
import { startAzurite } from "../../tools/dev/azurite.js";
import { BUILT_IN_ROLES } from "../../tools/emulator/builtin-roles.js";
import { readWorld } from "../reliability/harness.js";
import {
  type Handlers,
  type Host,
  httpRequest,
  invocation,
  loadHandlers,
  logLines,
  openHost,
} from "../reliability/host.js";

const SEED = Number(process.env.PULLGUARD_PROPERTY_SEED ?? 20261122);
const RUNS = Number(process.env.PULLGUARD_PROPERTY_RUNS ?? 150);

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`;
const REGISTRY = `/subscriptions/${SUB}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr`;
const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
const OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";

const figures = { eventsTried: 0, httpTried: 0, factsTried: 0, plansChecked: 0, grantsChecked: 0, writes: 0 };

let azurite: RunningAzurite;
let handlers: Handlers;
let host: Host;
beforeAll(async () => {
  [azurite, handlers] = await Promise.all([startAzurite(), loadHandlers()]);
  host = await openHost(readWorld("pull-role-missing"), { azurite });
});
afterAll(async () => {
  console.log(
    `property figures: inputs tried ${figures.eventsTried} events + ${figures.httpTried} HTTP requests + ${figures.factsTried} generated facts; ` +
      `plans checked ${figures.plansChecked}, grants checked ${figures.grantsChecked}, writes made ${figures.writes}`,
  );
  await host?.close();
  await azurite?.stop();
});

const writesSoFar = () => host.emulator.log.writes().length;

// ---------------------------------------------------------------------------------------------------------------
// Event payloads

/** A well-formed deployment failure for `subject` by a person (what ARM raises), in the Event Grid schema. */
function armEventFor(subject: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  const sub = subject.split("/")[2] ?? SUB;
  return {
    topic: `/subscriptions/${sub}`,
    subject,
    eventType: "Microsoft.Resources.ResourceWriteFailure",
    eventTime: "2026-11-22T12:00:00.000Z",
    id: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97",
    data: {
      authorization: { scope: subject, action: "Microsoft.App/containerApps/write" },
      claims: { [OID]: DEVELOPER, ver: "1.0" },
      correlationId: "5b7e2c1d-0a9f-4e83-b6d2-c1f0e9d8a7b6",
      resourceProvider: "Microsoft.App",
      resourceUri: subject,
      operationName: "Microsoft.App/containerApps/write",
      status: "Failed",
      subscriptionId: sub,
      tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
      ...data,
    },
    dataVersion: "2",
    metadataVersion: "1",
    ...overrides,
  };
}

function asCloudEvent(e: {
  id: string;
  topic: string;
  eventType: string;
  eventTime: string;
  subject: string;
  data: unknown;
}): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: e.id,
    source: e.topic,
    type: e.eventType,
    time: e.eventTime,
    subject: e.subject,
    data: e.data,
  };
}

const guid = fc.uuid().map((u) => u.toLowerCase());
const otherSubscription = guid.filter((g) => g !== SUB);
const junk = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.string({ maxLength: 20 }),
);
const huge = fc.integer({ min: 2_000, max: 300_000 }).map((n) => `/subscriptions/${SUB}/${"a".repeat(n)}`);

/** Ways to bend the real app's ID so that it no longer is a plain ARM ID (or no longer this app). */
const pathTrick = fc.constantFrom(
  `${APP}/../../../../providers/Microsoft.ContainerRegistry/registries/fabrikamacr`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/..%2F..%2Fother`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web%2F..%2F..`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout%2Fproviders%2FMicrosoft.App%2FcontainerApps%2Fcheckout-web`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/%2e%2e`,
  `/subscriptions/${SUB}//resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`,
  `/subscriptions/${SUB}/resourceGroups/./providers/Microsoft.App/containerApps/checkout-web`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web?api-version=1`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web#x`,
  `/subscriptions/${SUB}\\resourceGroups\\rg-checkout\\providers\\Microsoft.App\\containerApps\\checkout-web`,
  `/subscriptions/${SUB}/resourceGroups/rg checkout/providers/Microsoft.App/containerApps/checkout-web`,
  `subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`,
  `https://management.azure.com${APP}`,
  `/subscriptions/not-a-guid/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.Αpp/containerApps/checkout-web`, // Greek Alpha
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web\u0000`,
  `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web/%2e%2e/%2e%2e`,
);

const otherType = fc.constantFrom(
  ["Microsoft.Storage/storageAccounts/write", "providers/Microsoft.Storage/storageAccounts/data"],
  ["Microsoft.KeyVault/vaults/write", "providers/Microsoft.KeyVault/vaults/kv"],
  ["Microsoft.Web/sites/write", "providers/Microsoft.Web/sites/site"],
  ["Microsoft.App/containerApps/write", "providers/Microsoft.Storage/storageAccounts/data"],
  ["Microsoft.Authorization/roleAssignments/write", "providers/Microsoft.App/containerApps/checkout-web"],
  ["Microsoft.ContainerRegistry/registries/write", "providers/Microsoft.App/containerApps/checkout-web"],
  ["Microsoft.ManagedIdentity/userAssignedIdentities/write", "providers/Microsoft.Storage/storageAccounts/x"],
  ["Microsoft.App/containerApps/delete", "providers/Microsoft.App/containerApps/checkout-web"],
  ["Microsoft.Compute/virtualMachines/write", "providers/Microsoft.Compute/virtualMachines/vm"],
);

const REQUIRED_EG = ["id", "subject", "eventType", "data"] as const;
const REQUIRED_DATA = ["operationName"] as const;

type EventCase = { label: string; event: unknown };

const eventCases: fc.Arbitrary<EventCase> = fc.oneof(
  fc.anything().map((event) => ({ label: "not an event", event })),
  fc
    .tuple(fc.constantFrom(...REQUIRED_EG), fc.option(junk, { nil: undefined }), fc.boolean())
    .map(([field, value, cloud]) => {
      // CloudEvents make `subject` optional and fall back to data.resourceUri: take both away there.
      const e: Record<string, unknown> =
        cloud && field === "subject" ? armEventFor(APP, {}, { resourceUri: undefined }) : armEventFor(APP);
      if (value === undefined) delete e[field];
      else e[field] = typeof value === "string" && field !== "data" ? { wrapped: value } : value;
      return { label: `${field} missing or mistyped`, event: cloud ? asCloudEvent(e as never) : e };
    }),
  fc
    .tuple(fc.constantFrom(...REQUIRED_DATA), fc.option(junk, { nil: undefined }), fc.boolean())
    .map(([field, value, cloud]) => {
      const e = armEventFor(APP);
      const data: Record<string, unknown> = { ...e.data };
      if (value === undefined) delete data[field];
      else data[field] = typeof value === "string" ? [value] : value;
      const event = { ...e, data };
      return { label: `data.${field} missing or mistyped`, event: cloud ? asCloudEvent(event) : event };
    }),
  fc
    .tuple(fc.constantFrom("id", "subject", "eventType", "data.operationName"), huge, fc.boolean())
    .map(([field, value, cloud]) => {
      const e = armEventFor(APP);
      const event =
        field === "data.operationName"
          ? { ...e, data: { ...e.data, operationName: value } }
          : field === "subject"
            ? armEventFor(value)
            : { ...e, [field]: value };
      return { label: `huge ${field}`, event: cloud ? asCloudEvent(event) : event };
    }),
  fc.tuple(pathTrick, fc.boolean()).map(([subject, cloud]) => {
    const e = armEventFor(subject);
    return { label: `path trick ${subject.slice(0, 60)}`, event: cloud ? asCloudEvent(e) : e };
  }),
  fc
    .tuple(otherSubscription, fc.boolean(), fc.dictionary(fc.string({ maxLength: 10 }), junk, { maxKeys: 4 }))
    .map(([sub, cloud, extra]) => {
      const e = armEventFor(APP.replace(SUB, sub), extra);
      return { label: "another subscription (with extra fields)", event: cloud ? asCloudEvent(e) : e };
    }),
  fc.tuple(otherType, fc.boolean()).map(([[operation, tail], cloud]) => {
    const subject = `/subscriptions/${SUB}/resourceGroups/rg-checkout/${tail}`;
    const e = armEventFor(subject, {}, { operationName: operation });
    return { label: `other resource type ${operation} on ${tail}`, event: cloud ? asCloudEvent(e) : e };
  }),
  fc
    .tuple(
      fc.constantFrom(
        "Microsoft.Storage.BlobCreated",
        "Microsoft.EventGrid.SubscriptionValidationEvent",
        "Microsoft.Resources.ResourceWriteCancel",
        "Microsoft.ContainerRegistry.ImagePushed",
      ),
      fc.boolean(),
    )
    .map(([type, cloud]) => {
      const e = armEventFor(APP, { eventType: type });
      return {
        label: `event type ${type}`,
        event: cloud ? asCloudEvent(e) : e,
        expectIgnored: !type.startsWith("Microsoft.Resources"),
      };
    })
    .filter((c) => c.expectIgnored),
  fc
    .tuple(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/).filter((n) => n !== "checkout-web"),
      fc.boolean(),
      fc.dictionary(fc.string({ maxLength: 10 }), junk, { maxKeys: 4 }),
    )
    .map(([name, cloud, extra]) => {
      const e = armEventFor(APP.replace("checkout-web", name), extra);
      return { label: `nonexistent app ${name} (with extra fields)`, event: cloud ? asCloudEvent(e) : e };
    }),
  fc.boolean().map((cloud) => {
    const e = armEventFor(
      REGISTRY.replace("fabrikamacr", "fabrikamacr/providers/Microsoft.Authorization/roleAssignments/x"),
      {},
      {
        operationName: "Microsoft.Authorization/roleAssignments/write",
        status: "Failed",
      },
    );
    return { label: "a failed role assignment write", event: cloud ? asCloudEvent(e) : e };
  }),
);

describe("Event Grid payloads through onResourceEvent", () => {
  it(`${RUNS} generated bad or out-of-scope events: rejected or ignored with a logged reason, never a write`, async () => {
    await fc.assert(
      fc.asyncProperty(eventCases, async ({ label, event }) => {
        figures.eventsTried++;
        const writes = writesSoFar();
        const requests = host.emulator.log.count();
        const from = logLines.length;
        const outcome = await handlers.onResourceEvent(event as never, invocation("onResourceEvent"));
        figures.writes += writesSoFar() - writes;
        expect(writesSoFar(), `${label}: no write`).toBe(writes);
        expect(["rejected", "ignored"], label).toContain(outcome.outcome);
        // Parsed strictly before any ARM call: a rejected event never reaches ARM (an ignored one may have looked).
        const armCalls = host.emulator.log.count() - requests;
        expect(outcome.outcome === "rejected" ? armCalls : 0, `${label}: no ARM call`).toBe(0);
        const reason = (outcome as { reason: string }).reason;
        expect(reason.length, `${label}: a reason`).toBeGreaterThan(10);
        const lines = logLines.slice(from).filter((l) => /ignored/.test(l.text));
        expect(lines.length, `${label}: logged "ignored: why"`).toBeGreaterThan(0);
        for (const line of lines) expect(line.text.length, `${label}: a bounded log line`).toBeLessThan(2_000);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it("the event of PullGuard's own write for the broken app is ignored as its own, with no write", async () => {
    const writes = writesSoFar();
    for (const event of [
      armEventFor(APP, {}, { claims: { [OID]: host.principal } }),
      asCloudEvent(armEventFor(APP, {}, { claims: { [OID]: host.principal.toUpperCase() } })),
      armEventFor(
        APP,
        {},
        { claims: {}, authorization: { evidence: { principalId: host.principal.replace(/-/g, "") } } },
      ),
    ]) {
      const outcome = await handlers.onResourceEvent(event as never, invocation("onResourceEvent"));
      expect(outcome).toEqual({ outcome: "ignored", reason: expect.stringMatching(/own identity/) });
    }
    expect(writesSoFar()).toBe(writes);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// HTTP check requests

const appName = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/).filter((n) => n !== "checkout-web");
const badName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/.test(s)),
  fc.constantFrom("..", "%2e%2e", "Checkout-Web", "checkout_web", "a".repeat(40), "checkout-web/../x", "-x"),
);

type HttpCase = { label: string; kind: "post" | "get"; body?: string; params?: Record<string, string> };

const postBody = (value: unknown): string => JSON.stringify(value);

const httpCases: fc.Arbitrary<HttpCase> = fc.oneof(
  fc
    .string({ maxLength: 60 })
    .filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    })
    .map((body) => ({ label: "not JSON", kind: "post" as const, body })),
  fc
    .anything()
    .filter((v) => !(typeof v === "object" && v !== null && "resourceId" in v))
    .map((v) => ({
      label: "JSON of another shape",
      kind: "post" as const,
      body: postBody(v) ?? "null",
    })),
  fc.tuple(pathTrick, fc.boolean()).map(([resourceId, fix]) => ({
    label: `path trick ${resourceId.slice(0, 60)}`,
    kind: "post" as const,
    body: postBody({ resourceId, fix }),
  })),
  fc
    .tuple(
      otherType.filter(([, tail]) => !tail.includes("containerApps/checkout-web")),
      fc.boolean(),
    )
    .map(([[, tail], fix]) => ({
      label: `another resource type ${tail}`,
      kind: "post" as const,
      body: postBody({ resourceId: `/subscriptions/${SUB}/resourceGroups/rg-checkout/${tail}`, fix }),
    })),
  fc.tuple(otherSubscription, fc.boolean()).map(([sub, fix]) => ({
    label: "another subscription",
    kind: "post" as const,
    body: postBody({ resourceId: APP.replace(SUB, sub), fix }),
  })),
  fc.tuple(appName, fc.boolean()).map(([name, fix]) => ({
    label: `nonexistent app ${name}`,
    kind: "post" as const,
    body: postBody({ resourceId: APP.replace("checkout-web", name), fix }),
  })),
  fc
    .tuple(
      junk.filter((v) => typeof v !== "boolean"),
      fc.dictionary(fc.string({ maxLength: 8 }), junk, { minKeys: 1, maxKeys: 3 }),
    )
    .map(([fix, extra]) => ({
      label: "fix of the wrong type, or extra fields",
      kind: "post" as const,
      body: postBody({ ...extra, resourceId: APP, fix }),
    })),
  fc.integer({ min: 256 * 1024, max: 400 * 1024 }).map((n) => ({
    label: "a body over 256 KB",
    kind: "post" as const,
    body: postBody({ resourceId: APP, fix: true, pad: "x".repeat(n) }),
  })),
  fc
    .record({
      subscriptionId: fc.oneof(fc.string({ maxLength: 40 }), otherSubscription, fc.constant(SUB)),
      resourceGroup: fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.constantFrom("rg-checkout", "..", "rg/..", "a".repeat(91)),
      ),
      name: fc.oneof(badName, appName),
    })
    .map((params) => ({ label: `GET ${JSON.stringify(params).slice(0, 80)}`, kind: "get" as const, params })),
);

describe("HTTP check requests through checkAppPost and checkApp", () => {
  it(`${RUNS} generated bad requests: a clear 400, 403 or 404, never a write`, async () => {
    await fc.assert(
      fc.asyncProperty(httpCases, async (c) => {
        figures.httpTried++;
        const writes = writesSoFar();
        const requests = host.emulator.log.count();
        const response =
          c.kind === "post"
            ? await handlers.checkAppPost(
                httpRequest({ method: "POST", url: "http://localhost/api/check", body: c.body ?? "" }),
                invocation("checkAppPost"),
              )
            : await handlers.checkApp(
                httpRequest({ method: "GET", url: "http://localhost/api/apps/x/y/z", params: c.params ?? {} }),
                invocation("checkApp"),
              );
        figures.writes += writesSoFar() - writes;
        expect(writesSoFar(), `${c.label}: no write`).toBe(writes);
        expect([400, 403, 404], `${c.label}: status ${response.status}`).toContain(response.status);
        // Refused before any ARM call; only a 404 (ARM said the app is not there) may have asked ARM.
        const armCalls = host.emulator.log.count() - requests;
        expect(response.status === 404 ? 0 : armCalls, `${c.label}: no ARM call`).toBe(0);
        const error = (response.jsonBody as { error?: unknown } | undefined)?.error;
        expect(typeof error, c.label).toBe("string");
        expect((error as string).length, c.label).toBeGreaterThan(10);
        expect((error as string).length, `${c.label}: bounded`).toBeLessThan(2_000);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

describe("HTTP triggers require a function key", () => {
  it('every app.http registration in src/functions declares authLevel "function"', () => {
    const dir = join(import.meta.dirname, "../../src/functions");
    const registrations = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) => {
        const text = readFileSync(join(dir, f), "utf8");
        return [...text.matchAll(/app\.http\(([\s\S]*?)\);/g)].map((m) => ({ file: f, call: m[1] ?? "" }));
      });
    expect(registrations.map((r) => r.file).sort()).toEqual([
      "check-app-post.ts",
      "check-app.ts", // GET /api/apps/{subscription}/{group}/{name}
      "check-app.ts", // v2: GET /api/jobs/{subscription}/{group}/{name}
      "on-pull-failure-alert.ts",
    ]);
    for (const r of registrations) {
      expect(r.call, r.file).toMatch(/authLevel:\s*"function"/);
      expect(r.call, r.file).not.toMatch(/anonymous/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The allowlist

describe("allowlist", () => {
  it("an event naming an in-scope app whose registry is out of scope makes no write, and says why", async () => {
    const narrowed = await openHost(readWorld("pull-role-missing"), {
      azurite,
      extra: { PULLGUARD_ALLOWED_SCOPES: `/subscriptions/${SUB}/resourceGroups/rg-checkout` },
    });
    try {
      const outcome = await handlers.onResourceEvent(armEventFor(APP) as never, invocation("onResourceEvent"));
      expect(outcome.outcome).toBe("handled");
      if (outcome.outcome !== "handled") return;
      expect(outcome.apps).toEqual([
        expect.objectContaining({ appId: APP, verdict: "broken", action: "reported", writes: 0 }),
      ]);
      expect(narrowed.emulator.log.writes()).toEqual([]);
      const check = await handlers.checkAppPost(
        httpRequest({
          method: "POST",
          url: "http://localhost/api/check",
          body: postBody({ resourceId: APP, fix: true }),
        }),
        invocation("checkAppPost"),
      );
      expect(check.status).toBe(200);
      expect(narrowed.emulator.log.writes()).toEqual([]);
      const plan = (check.jsonBody as { before?: { plan?: Array<{ kind: string; decision: string; why?: string }> } })
        .before?.plan;
      expect(plan?.find((s) => s.kind === "assign-role")).toMatchObject({
        decision: "report-only",
        why: expect.stringMatching(/outside the allowlist/),
      });
    } finally {
      await narrowed.close();
      // Back to the suite's host settings.
      host = await openHost(readWorld("pull-role-missing"), { azurite });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Plans from generated facts

const ROLE_POOL = [
  ...BUILT_IN_ROLES.map((r) => r.guid),
  "11111111-1111-4111-8111-111111111111", // a custom role
];
const ROLE_DEFINITIONS: Record<string, RoleDefinitionFacts> = Object.fromEntries([
  ...BUILT_IN_ROLES.map((r) => [
    r.guid,
    {
      id: `/providers/Microsoft.Authorization/roleDefinitions/${r.guid}`,
      guid: r.guid,
      roleName: r.roleName,
      roleType: "BuiltInRole",
      permissions: r.permissions,
    },
  ]),
  [
    "11111111-1111-4111-8111-111111111111",
    {
      id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/11111111-1111-4111-8111-111111111111`,
      guid: "11111111-1111-4111-8111-111111111111",
      roleName: "Pull-ish custom",
      roleType: "CustomRole",
      permissions: [
        {
          actions: ["Microsoft.ContainerRegistry/registries/*/read"],
          notActions: [],
          dataActions: [],
          notDataActions: [],
        },
      ],
    },
  ],
]);

const SERVERS = ["fabrikamacr.azurecr.io", "contosoprod.azurecr.io", "ghcr.io", "docker.io"];
const ACR_SERVERS = SERVERS.filter((s) => s.endsWith(".azurecr.io"));
const REGISTRY_SUBS = [SUB, "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11"];
const UAMIS = [0, 1, 2].map(
  (i) =>
    `/subscriptions/${SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-${i}`,
);
const UAMI_PRINCIPALS = [0, 1, 2].map((i) => `22222222-3333-4444-8555-${String(i).padStart(12, "0")}`);
const SYSTEM_PRINCIPAL = "f0e1d2c3-b4a5-4968-8778-695a4b3c2d1e";
const ENV_PRINCIPAL = "33333333-4444-4555-8666-777777777777";

const registryIdOf = (server: string, subIndex: number) =>
  `/subscriptions/${REGISTRY_SUBS[subIndex]}/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/${server.split(".")[0]}`;

const registryFacts = (server: string): fc.Arbitrary<Read<RegistryFacts>> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          subIndex: fc.integer({ min: 0, max: 1 }),
          mode: fc.constantFrom("LegacyRegistryPermissions", "AbacRepositoryPermissions"),
          adminUserEnabled: fc.boolean(),
          publicNetworkAccess: fc.constantFrom("Enabled", "Disabled"),
          defaultAction: fc.constantFrom("Allow", "Deny"),
          ipRules: fc.array(fc.constantFrom("51.104.12.9", "10.0.0.0/8", "20.1.2.3"), { maxLength: 2 }),
          anonymousPullEnabled: fc.boolean(),
          armAudienceTokens: fc.constantFrom("enabled", "disabled"),
          quarantinePolicy: fc.constantFrom("enabled", "disabled"),
        })
        .map(
          (r): Read<RegistryFacts> => ({
            readable: true,
            found: true,
            id: registryIdOf(server, r.subIndex),
            name: server.split(".")[0] ?? "",
            subscriptionId: REGISTRY_SUBS[r.subIndex] ?? SUB,
            resourceGroup: "rg-platform",
            location: "northeurope",
            loginServer: server,
            sku: "Premium",
            adminUserEnabled: r.adminUserEnabled,
            publicNetworkAccess: r.publicNetworkAccess,
            defaultAction: r.defaultAction,
            ipRules: r.ipRules.map((value) => ({ action: "Allow", value })),
            networkRuleBypassOptions: "AzureServices",
            anonymousPullEnabled: r.anonymousPullEnabled,
            roleAssignmentMode: r.mode,
            armAudienceTokens: r.armAudienceTokens,
            quarantinePolicy: r.quarantinePolicy,
            dataEndpointEnabled: false,
            privateEndpointConnections: [],
            replicationLocations: ["northeurope"],
          }),
        ),
    },
    { weight: 1, arbitrary: fc.constant({ readable: true as const, found: false as const, resource: server }) },
    {
      weight: 1,
      arbitrary: fc.constant({
        readable: false as const,
        resource: server,
        status: 403,
        message: "AuthorizationFailed",
      }),
    },
  );

const assignmentFacts = (principalId: string): fc.Arbitrary<RoleAssignmentFacts> =>
  fc
    .record({
      role: fc.constantFrom(...ROLE_POOL),
      scope: fc.constantFrom(
        registryIdOf("fabrikamacr.azurecr.io", 0),
        registryIdOf("contosoprod.azurecr.io", 1),
        `/subscriptions/${SUB}/resourceGroups/rg-platform`,
        `/subscriptions/${SUB}`,
        "/providers/Microsoft.Management/managementGroups/mg-root",
      ),
      principalType: fc.constantFrom("ServicePrincipal", "Group", "User"),
      condition: fc.constantFrom(
        null,
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'checkout/web'))",
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'other/'))",
      ),
      createdOn: fc.constantFrom(null, "2026-11-22T11:58:00.000Z", "2026-10-01T00:00:00.000Z"),
      name: guid,
    })
    .map((a) => ({
      id: `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
      name: a.name,
      scope: a.scope,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${a.role}`,
      principalId,
      principalType: a.principalType,
      condition: a.condition,
      conditionVersion: a.condition ? "2.0" : null,
      createdOn: a.createdOn,
    }));

const principalAssignments = (principalId: string): fc.Arbitrary<PrincipalAssignments> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(assignmentFacts(principalId), { maxLength: 3 })
        .map((items) => ({ readable: true as const, found: true as const, items })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({
        readable: false as const,
        resource: principalId,
        status: 403,
        message: "AuthorizationFailed",
      }),
    },
  );

const generatedFacts: fc.Arbitrary<PullFacts> = fc
  .record({
    identityType: fc.constantFrom("None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"),
    attached: fc.subarray([0, 1, 2]),
    entries: fc.array(
      fc.record({
        server: fc.constantFrom(...SERVERS, "FabrikamACR.azurecr.io"),
        identity: fc.constantFrom<string | null>("system", "system-environment", ...UAMIS, null, ""),
        admin: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    images: fc.array(
      fc.tuple(
        fc.constantFrom(...SERVERS),
        fc.constantFrom("checkout/web", "api", "other/tool"),
        fc.constantFrom("1.8.0", "latest"),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    registries: fc.record(Object.fromEntries(ACR_SERVERS.map((s) => [s, registryFacts(s)]))),
    system: principalAssignments(SYSTEM_PRINCIPAL),
    uamiAssignments: fc.tuple(...UAMI_PRINCIPALS.map((p) => principalAssignments(p))),
    envIdentity: fc.boolean(),
    uamiFound: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    revision: fc.constantFrom(
      null,
      { provisioningState: "Failed", runningState: "Failed", healthState: "Unhealthy" },
      { provisioningState: "Provisioned", runningState: "Running", healthState: "Healthy" },
      { provisioningState: "Provisioned", runningState: "Degraded", healthState: "Unhealthy" },
    ),
    tenants: fc.boolean(),
    manifests: fc.constantFrom("found", "not-found", "unknown"),
    outboundIps: fc.array(fc.constantFrom("51.104.12.9", "20.1.2.3", "40.1.1.1"), { maxLength: 2 }),
  })
  .map((g): PullFacts => {
    const hasSystem = g.identityType.toLowerCase().includes("systemassigned");
    const images = g.images.map(([server, repo, tag]) => `${server}/${repo}:${tag}`);
    const assignments: Record<string, PrincipalAssignments> = {};
    if (hasSystem) assignments[SYSTEM_PRINCIPAL] = g.system;
    UAMI_PRINCIPALS.forEach((p, i) => {
      assignments[p] = g.uamiAssignments[i] as PrincipalAssignments;
    });
    if (g.envIdentity) assignments[ENV_PRINCIPAL] = { readable: true, found: true, items: [] };
    return {
      readAt: "2026-11-22T12:00:00.000Z",
      app: {
        kind: "app",
        trigger: null,
        id: APP,
        name: "checkout-web",
        subscriptionId: SUB,
        resourceGroup: "rg-checkout",
        location: "northeurope",
        tags: {},
        environmentId: `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/managedEnvironments/env`,
        provisioningState: "Succeeded",
        latestRevisionName: g.revision ? "checkout-web--r1" : null,
        latestReadyRevisionName: null,
        outboundIpAddresses: g.outboundIps,
        identity: {
          type: g.identityType,
          principalId: hasSystem ? SYSTEM_PRINCIPAL : null,
          tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
          userAssigned: g.identityType.includes("UserAssigned")
            ? g.attached.map((i) => ({ id: UAMIS[i] ?? "", principalId: UAMI_PRINCIPALS[i] ?? null, clientId: null }))
            : [],
        },
        registries: g.entries.map((e) => ({
          server: e.server,
          identity: e.admin ? null : e.identity,
          username: e.admin ? "fabrikamacr" : null,
          passwordSecretRef: e.admin ? "acr-password" : null,
        })),
        secretNames: ["acr-password"],
        containers: images.map((image, i) => ({
          name: `c${i}`,
          image,
          kind: i === 2 ? ("init" as const) : ("container" as const),
        })),
      },
      environment: {
        readable: true,
        found: true,
        id: `/subscriptions/${SUB}/resourceGroups/rg-checkout/providers/Microsoft.App/managedEnvironments/env`,
        name: "env",
        identity: {
          type: g.envIdentity ? "SystemAssigned" : "None",
          principalId: g.envIdentity ? ENV_PRINCIPAL : null,
          tenantId: null,
          userAssigned: [],
        },
        infrastructureSubnetId: null,
        internal: false,
      },
      userAssignedIdentities: Object.fromEntries(
        UAMIS.map((id, i) => [
          id.toLowerCase(),
          g.uamiFound[i]
            ? {
                readable: true as const,
                found: true as const,
                id,
                principalId: UAMI_PRINCIPALS[i] ?? "",
                clientId: "c",
                tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
              }
            : { readable: true as const, found: false as const, resource: id },
        ]),
      ),
      registries: Object.fromEntries(ACR_SERVERS.map((s) => [s, g.registries[s] as Read<RegistryFacts>])),
      subscriptionTenants: Object.fromEntries(
        REGISTRY_SUBS.map((s, i) => [
          s,
          i === 1 && g.tenants ? "99999999-8888-4777-8666-555555555555" : "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
        ]),
      ),
      roleAssignments: assignments,
      roleDefinitions: ROLE_DEFINITIONS,
      revision: g.revision
        ? {
            readable: true,
            found: true,
            name: "checkout-web--r1",
            ...g.revision,
            provisioningError: null,
            createdTime: null,
            replicas: [],
          }
        : null,
      network: null,
      manifests: Object.fromEntries(
        images.map((image) => [
          image,
          g.manifests === "found"
            ? { status: "found" as const, digest: null, quarantineState: null }
            : g.manifests === "not-found"
              ? { status: "not-found" as const, errorCode: "MANIFEST_UNKNOWN" as const, existingTags: ["1.7.0"] }
              : { status: "unknown" as const, reason: "no answer", neededRole: null },
        ]),
      ),
    };
  });

const ALL_FIXES = [
  "arm-audience-tokens-disabled",
  "registry-firewall-blocks-environment",
  "registry-uses-admin-credentials",
  "abac-condition-excludes-repository",
];
const REGISTRY_SCOPE =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i;

describe("plans from property-generated facts", () => {
  it(`${RUNS * 4} generated fact sets: every step passes the forbidden list; grants only the two pull roles, at registry scope`, () => {
    fc.assert(
      fc.property(generatedFacts, fc.boolean(), (facts, broad) => {
        figures.factsTried++;
        const { findings } = diagnose(facts);
        const policy = policyFromSettings({
          mode: "fix",
          optInFixes: ALL_FIXES,
          disabledFixes: [],
          allowedScopes: broad ? REGISTRY_SUBS.map((s) => `/subscriptions/${s}`) : [`/subscriptions/${SUB}`],
          maxChangesPerHour: 20,
        });
        const plan = planFixes(facts, findings, policy);
        figures.plansChecked++;
        const registryIds = new Set(
          Object.values(facts.registries).flatMap((r) => (r.readable && r.found ? [r.id.toLowerCase()] : [])),
        );
        for (let step of plan) {
          if (step.kind !== "assign-role" || !step.principalFrom) assertAllowed(step);
          const target = step.target.toLowerCase();
          const own = target === APP.toLowerCase() || target.startsWith(`${APP.toLowerCase()}/revisions/`);
          expect(own || registryIds.has(target), `${step.kind} targets ${step.target}`).toBe(true);
          if (step.kind !== "assign-role") continue;
          figures.grantsChecked++;
          expect(GRANTABLE_ROLES.has(roleGuidOf(step.roleDefinitionId)), step.roleDefinitionId).toBe(true);
          expect(step.scope).toMatch(REGISTRY_SCOPE);
          expect(registryIds.has(step.scope.toLowerCase())).toBe(true);
          expect(step.principalType).toBe("ServicePrincipal");
          // A grant to a system identity not enabled yet: applyPlan fills in the new principal and name.
          if (step.principalFrom) {
            const principalId = "44444444-5555-4666-8777-888888888888";
            step = { ...step, principalId, name: roleAssignmentName(step.scope, principalId, step.roleDefinitionId) };
          }
          assertAllowed(step);
          const url = `https://management.azure.com${step.scope}/providers/Microsoft.Authorization/roleAssignments/${step.name}?api-version=2022-04-01`;
          const existing = step.replaces
            ? Object.values(facts.roleAssignments)
                .flatMap((r) => (r.readable && r.found ? r.items : []))
                .find((a) => a.name === step.replaces)
            : undefined;
          assertAllowed(step, {
            method: "PUT",
            url,
            body: {
              properties: {
                roleDefinitionId: step.roleDefinitionId,
                principalId: step.principalId,
                principalType: step.principalType,
                ...(step.condition ? { condition: step.condition, conditionVersion: "2.0" } : {}),
              },
            },
            ...(existing ? { before: { properties: existing } } : {}),
          });
        }
      }),
      { numRuns: RUNS * 4, seed: SEED },
    );
    expect(figures.grantsChecked).toBeGreaterThan(RUNS / 4);
  });
});
