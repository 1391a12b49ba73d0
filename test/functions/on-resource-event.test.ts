/**
 * The Event Grid trigger `onResourceEvent`, called as the host calls it (one event, an InvocationContext), with the
 * real payload shapes of events.md (Event Grid schema and CloudEvents 1.0), against the emulator and Azurite.
 */
import { describe, expect, it } from "vitest";
import {
  asCloudEvent,
  brokenOrdersWorld,
  byDeveloper,
  CONTOSOPROD,
  FIXTURE_CALLER,
  invocation,
  ORDERS_API,
  readFixture,
  readWorld,
  retarget,
  useFunctionHost,
} from "./harness.js";

type EventGridFixture = {
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  id: string;
  data: Record<string, unknown>;
};

const harness = useFunctionHost();

const writeFailure = () => readFixture<EventGridFixture>("events/arm-write-failure.eventgrid.json");

async function deliver(event: unknown) {
  const { context, logs } = invocation("onResourceEvent");
  const outcome = await harness.handlers.onResourceEvent(event as never, context);
  return { outcome, logs };
}

describe("onResourceEvent: events that name a broken app", () => {
  it("a ResourceWriteFailure (Event Grid schema) by a person: grants AcrPull, restarts, the revision is healthy", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const event = byDeveloper(writeFailure());
    const { outcome, logs } = await deliver(event);

    expect(outcome).toMatchObject({
      outcome: "handled",
      apps: [{ appId: ORDERS_API, verdict: "broken", action: "fixed" }],
    });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    // The event id is on the log lines the flow writes for this app.
    expect(logs.some((l) => l.text.includes(event.id) && l.text.includes("fixed"))).toBe(true);
    // One Teams message says what was done, naming where the app lives.
    expect(host.sink.received).toHaveLength(1);
    const card = JSON.stringify(host.sink.received[0]);
    expect(card).toContain('"title":"Environment","value":"env-shop"');
  });

  it("the same event in CloudEvents 1.0 form is handled the same way", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { outcome } = await deliver(asCloudEvent(byDeveloper(writeFailure())));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API).healthState).toBe("Healthy");
  });

  it("a role assignment deleted under the registry re-checks the apps that pull from it", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { outcome } = await deliver(byDeveloper(readFixture("events/role-assignment-delete.eventgrid.json")));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
  });

  it("operation names are compared case-insensitively", async () => {
    await harness.open(brokenOrdersWorld());
    const event = byDeveloper(writeFailure());
    event.data.operationName = "MICROSOFT.APP/CONTAINERAPPS/WRITE";
    const { outcome } = await deliver(event);
    expect(outcome).toMatchObject({ outcome: "handled" });
  });

  it("an app that is already healthy: handled, nothing written", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const before = host.writes();
    const { outcome } = await deliver(byDeveloper(writeFailure()));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ verdict: "healthy", action: "healthy", writes: 0 }] });
    expect(host.writes()).toBe(before);
    expect(host.sink.received).toHaveLength(0);
  });
});

describe("onResourceEvent: events it must not act on (logged with a reason, never a write)", () => {
  it("an event PullGuard's own identity caused (claims object id) is ignored", async () => {
    const host = await harness.open(brokenOrdersWorld(), { selfPrincipalId: FIXTURE_CALLER });
    const { outcome, logs } = await deliver(writeFailure());
    expect(outcome).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/own identity/) });
    expect(logs.some((l) => l.level === "debug" && /own identity/.test(l.text))).toBe(true);
    expect(host.writes()).toBe(0);
    expect(host.emulator.log.count()).toBe(0);
  });

  it("recognises PullGuard from the dashless evidence principal when the claims lack the object id", async () => {
    const host = await harness.open(brokenOrdersWorld(), { selfPrincipalId: FIXTURE_CALLER });
    const event = writeFailure();
    delete (event.data.claims as Record<string, unknown>)[
      "http://schemas.microsoft.com/identity/claims/objectidentifier"
    ];
    const { outcome } = await deliver(event);
    expect(outcome).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/own identity/) });
    expect(host.writes()).toBe(0);
  });

  const unrelated: Array<[string, (e: EventGridFixture) => unknown]> = [
    [
      "another resource type (a storage account write)",
      (e) =>
        retarget(e, [
          ["Microsoft.App/containerApps/orders-api", "Microsoft.Storage/storageAccounts/stshop"],
          ["Microsoft.App/containerApps/write", "Microsoft.Storage/storageAccounts/write"],
        ]),
    ],
    [
      "a container app delete",
      (e) => ({
        ...e,
        eventType: "Microsoft.Resources.ResourceDeleteSuccess",
        data: { ...e.data, operationName: "Microsoft.App/containerApps/delete", status: "Succeeded" },
      }),
    ],
    ["an event that is not an ARM resource event", (e) => ({ ...e, eventType: "Microsoft.Storage.BlobCreated" })],
    [
      "a failed role assignment write (nothing changed)",
      (e) => ({
        ...e,
        subject: `${CONTOSOPROD}/providers/Microsoft.Authorization/roleAssignments/2d7c1a40-8e5f-4b93-a6c2-1f0e9d8b7a61`,
        data: {
          ...e.data,
          resourceUri: `${CONTOSOPROD}/providers/Microsoft.Authorization/roleAssignments/2d7c1a40-8e5f-4b93-a6c2-1f0e9d8b7a61`,
          operationName: "Microsoft.Authorization/roleAssignments/write",
          status: "Failed",
        },
      }),
    ],
    [
      "an app in a subscription PullGuard does not watch",
      (e) => retarget(e, [["3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11", "11111111-2222-4333-8444-555555555555"]]),
    ],
  ];
  for (const [name, make] of unrelated) {
    it(`${name}: ignored with a debug reason`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { outcome, logs } = await deliver(make(byDeveloper(writeFailure())));
      expect(outcome.outcome).toBe("ignored");
      const reason = outcome.outcome === "ignored" ? outcome.reason : "";
      expect(reason.length).toBeGreaterThan(10);
      expect(logs.some((l) => l.level === "debug" && l.text.includes(reason.slice(0, 30)))).toBe(true);
      expect(host.writes()).toBe(0);
    });
  }

  const malformed: Array<[string, unknown]> = [
    ["no data", { ...writeFailure(), data: undefined }],
    ["no operation name", { ...writeFailure(), data: { ...writeFailure().data, operationName: undefined } }],
    [
      "a subject with a dot segment",
      {
        ...byDeveloper(writeFailure()),
        subject: `/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-shop/../rg-x/providers/Microsoft.App/containerApps/orders-api`,
      },
    ],
    ["a subject that is not a resource ID", { ...byDeveloper(writeFailure()), subject: "orders-api" }],
    ["a CloudEvent of another spec version", { ...asCloudEvent(byDeveloper(writeFailure())), specversion: "0.3" }],
    [
      "a subject that data.resourceUri contradicts",
      {
        ...byDeveloper(writeFailure()),
        data: { ...writeFailure().data, resourceUri: ORDERS_API.replace("orders-api", "billing-api") },
      },
    ],
    ["a string", "Microsoft.Resources.ResourceWriteFailure"],
    ["null", null],
  ];
  for (const [name, event] of malformed) {
    it(`a malformed event (${name}) is logged and dropped, not thrown`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { outcome, logs } = await deliver(event);
      expect(outcome.outcome).toBe("rejected");
      expect(logs.some((l) => l.level === "warning" && /malformed event/.test(l.text))).toBe(true);
      expect(host.writes()).toBe(0);
    });
  }
});

describe("onResourceEvent: Event Grid's own events, as Azure publishes them (spec/events.md v2)", () => {
  for (const [file, type] of [
    ["docs-subscription-validation.eventgrid.json", "Microsoft.EventGrid.SubscriptionValidationEvent"],
    ["docs-subscription-deleted.eventgrid.json", "Microsoft.EventGrid.SubscriptionDeletedEvent"],
  ] as const) {
    it(`${type}: ignored at debug level, not logged as malformed, nothing read`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { outcome, logs } = await deliver(readFixture(`events/${file}`));
      expect(outcome).toEqual({ outcome: "ignored", reason: expect.stringContaining(`Event Grid's own ${type}`) });
      expect(logs.filter((l) => l.level !== "debug").map((l) => l.text)).toEqual([]);
      expect(logs.some((l) => l.level === "debug" && l.text.includes(type))).toBe(true);
      expect(host.emulator.log.count()).toBe(0);
    });
  }
});

describe("onResourceEvent: failures", () => {
  it("throws on a transient ARM failure (503) so Event Grid retries; the retry fixes the app", async () => {
    const host = await harness.open(brokenOrdersWorld());
    // Every attempt of the SDK's own retries (1 + 3) fails: the failure reaches the handler.
    host.emulator.faults.add({ kind: "503", method: "GET", path: /\/containerApps\/orders-api$/i, count: 4 });
    const event = byDeveloper(writeFailure());
    await expect(deliver(event)).rejects.toThrow(/503|ServiceUnavailable|injected fault/i);
    expect(host.writes()).toBe(0);

    const { outcome } = await deliver(event);
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
  });

  it("a bad setting fails the invocation with a message naming it (the host reports it at start)", async () => {
    const host = await harness.open(brokenOrdersWorld(), { env: { PULLGUARD_MODE: "sometimes" } });
    await expect(deliver(byDeveloper(writeFailure()))).rejects.toThrow(/PULLGUARD_MODE/);
    expect(host.writes()).toBe(0);
  });
});
