/**
 * The Event Grid events ARM raises for writes (spec/events.md), their delivery (in-process and webhook,
 * at least once, with duplicate/delay/reorder knobs) and the common-alert-schema alert of a run-time pull failure.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EventGridDeserializer, isSystemEvent } from "@azure/eventgrid";
import { afterEach, describe, expect, it } from "vitest";
import type { ArmEvent } from "../../../tools/emulator/events.js";
import { DEFAULT_OPERATOR, type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import {
  ACR_PULL,
  appId,
  assignmentId,
  clientsFor,
  collect,
  ENV_ID,
  READER,
  REGISTRY_ID,
  RG,
  RG2,
  roleId,
  SUB,
  shopWorld,
  TENANT,
  UAMI_PRINCIPAL,
} from "./helpers.js";

const started: Emulator[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(seed = 1) {
  const emu = await startEmulator(shopWorld(), { seed });
  started.push(emu);
  return { emu, c: clientsFor(emu) };
}

/** A local webhook endpoint that records what is POSTed to it. */
async function webhook(): Promise<{ url: string; received: Array<{ headers: IncomingHttpHeaders; body: unknown }> }> {
  const received: Array<{ headers: IncomingHttpHeaders; body: unknown }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`, received };
}

const short = (e: ArmEvent) => `${e.eventType.replace("Microsoft.Resources.", "")} ${e.data.operationName}`;

describe("ARM write events", () => {
  it("raise ResourceWrite/Delete/Action events with the Event Grid schema of events.md", async () => {
    const { emu, c } = await start();
    const name = randomUUID();
    const principalId = randomUUID();
    await c.auth.roleAssignments.create(REGISTRY_ID, name, { roleDefinitionId: roleId(ACR_PULL), principalId });
    await c.auth.roleAssignments.delete(REGISTRY_ID, name);
    const revision = (await c.apps.containerApps.get(RG, "web")).latestRevisionName ?? "";
    await c.apps.containerAppsRevisions.restartRevision(RG, "web", revision);
    await c.registry.registries.update(RG2, "contosoprod", { tags: { team: "platform" } });
    // Reads and data-plane calls raise nothing.
    await c.apps.containerApps.get(RG, "web");
    await collect(c.auth.roleAssignments.listForScope(REGISTRY_ID));
    await emu.events.settle();

    const events = emu.events.published();
    expect(events.map(short)).toEqual([
      "ResourceWriteSuccess Microsoft.Authorization/roleAssignments/write",
      "ResourceDeleteSuccess Microsoft.Authorization/roleAssignments/delete",
      "ResourceActionSuccess Microsoft.App/containerApps/revisions/restart/action",
      "ResourceWriteSuccess Microsoft.ContainerRegistry/registries/write",
    ]);

    const deserialized = await new EventGridDeserializer().deserializeEventGridEvents(JSON.stringify(events));
    expect(deserialized).toHaveLength(4);
    const deleted = deserialized[1];
    expect(deleted && isSystemEvent("Microsoft.Resources.ResourceDeleteSuccess", deleted)).toBe(true);

    const assignment = assignmentId(REGISTRY_ID, name);
    expect(events[1]).toEqual({
      topic: `/subscriptions/${SUB}`,
      subject: assignment,
      eventType: "Microsoft.Resources.ResourceDeleteSuccess",
      eventTime: expect.stringMatching(/^2026-11-22T12:\d\d:\d\d\.\d{3}Z$/),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      data: {
        authorization: {
          scope: assignment,
          action: "Microsoft.Authorization/roleAssignments/delete",
          evidence: expect.objectContaining({ principalId: DEFAULT_OPERATOR.replace(/-/g, "") }),
        },
        claims: expect.objectContaining({
          "http://schemas.microsoft.com/identity/claims/objectidentifier": DEFAULT_OPERATOR,
        }),
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        httpRequest: {
          clientRequestId: expect.any(String),
          clientIpAddress: expect.any(String),
          method: "DELETE",
          url: `https://management.azure.com${assignment}?api-version=2022-04-01`,
        },
        resourceProvider: "Microsoft.Authorization",
        resourceUri: assignment,
        operationName: "Microsoft.Authorization/roleAssignments/delete",
        status: "Succeeded",
        subscriptionId: SUB,
        tenantId: TENANT,
      },
      dataVersion: "2",
      metadataVersion: "1",
    });
    expect(events[2]?.subject).toBe(`${appId("web")}/revisions/${revision}`);
    expect(events[2]?.data.httpRequest).toMatchObject({ method: "POST" });
    expect(events[3]?.data.httpRequest).toMatchObject({ method: "PATCH" });
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });

  it("carry the key layout of the recorded Event Grid fixtures", async () => {
    const { emu, c } = await start();
    const name = randomUUID();
    await c.auth.roleAssignments.create(REGISTRY_ID, name, { roleDefinitionId: READER, principalId: randomUUID() });
    await c.auth.roleAssignments.delete(REGISTRY_ID, name);
    const fixture = (await import("../../fixtures/events/role-assignment-delete.eventgrid.json", {
      with: { type: "json" },
    })) as { default: ArmEvent };
    const ours = emu.events.published()[1] as ArmEvent;
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(ours)).toEqual(keys(fixture.default));
    expect(keys(ours.data)).toEqual(keys(fixture.default.data));
    expect(keys(ours.data.httpRequest as object)).toEqual(keys(fixture.default.data.httpRequest as object));
  });

  it("ResourceWriteFailure for a container-app write whose new revision cannot pull", async () => {
    const { emu, c } = await start();
    await c.apps.containerApps
      .beginUpdateAndWait(
        RG,
        "web",
        {
          location: "West Europe",
          template: { containers: [{ name: "api", image: "contosoprod.azurecr.io/orders/api:0.0.0" }] },
        },
        { updateIntervalInMs: 5 },
      )
      .catch(() => undefined);
    const failure = emu.events.published().at(-1);
    expect(failure).toMatchObject({
      eventType: "Microsoft.Resources.ResourceWriteFailure",
      subject: appId("web"),
      data: { operationName: "Microsoft.App/containerApps/write", status: "Failed", httpRequest: { method: "PATCH" } },
    });
    // A failed deployment is an ARM event, not a monitor alert.
    await emu.alerts.settle();
    expect(emu.alerts.published()).toEqual([]);
  });
});

describe("delivery", () => {
  it("POSTs each event to a webhook as a one-element Event Grid array", async () => {
    const { emu, c } = await start();
    const hook = await webhook();
    emu.events.subscribeWebhook(hook.url);
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "1" } });
    await emu.events.settle();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]?.headers["aeg-event-type"]).toBe("Notification");
    expect(hook.received[0]?.headers["content-type"]).toBe("application/json");
    expect(hook.received[0]?.body).toEqual([emu.events.published()[0]]);
  });

  it("delivers to in-process subscribers until they unsubscribe", async () => {
    const { emu, c } = await start();
    const got: ArmEvent[] = [];
    const stop = emu.events.subscribe((e) => {
      got.push(e);
    });
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "1" } });
    await emu.events.settle();
    stop();
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "2" } });
    await emu.events.settle();
    expect(got.map(short)).toEqual(["ResourceWriteSuccess Microsoft.ContainerRegistry/registries/write"]);
    expect(emu.events.published()).toHaveLength(2);
  });

  it("duplicate: every delivery sent twice with the same event id (at least once)", async () => {
    const { emu, c } = await start();
    const got: ArmEvent[] = [];
    emu.events.subscribe((e) => {
      got.push(e);
    });
    emu.events.setKnobs({ duplicate: 1 });
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "1" } });
    await emu.events.settle();
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual(got[1]);
  });

  it("delay: nothing is delivered before the delay, everything after", async () => {
    const { emu, c } = await start();
    const got: ArmEvent[] = [];
    emu.events.subscribe((e) => {
      got.push(e);
    });
    emu.events.setKnobs({ delayMs: 300 });
    await c.registry.registries.update(RG2, "contosoprod", { tags: { a: "1" } });
    expect(got).toHaveLength(0);
    await emu.events.settle();
    expect(got).toHaveLength(1);
  });

  it("reorder: deliveries arrive out of order, the same way for the same seed", async () => {
    const order = async (seed: number) => {
      const { emu } = await start(seed);
      const got: string[] = [];
      emu.events.subscribe((e) => {
        got.push(e.subject);
      });
      emu.events.setKnobs({ reorder: true, delayMs: 40 });
      for (let i = 0; i < 8; i++) emu.events.publish({ ...sample(), subject: `e${i}` });
      await emu.events.settle();
      return got;
    };
    const first = await order(7);
    expect([...first].sort()).toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"]);
    expect(first).not.toEqual(["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"]);
    expect(await order(7)).toEqual(first);
  });
});

describe("run-time pull failure alert", () => {
  it("posts a common-alert-schema alert naming the environment, app and revision when a restart fails", async () => {
    const { emu, c } = await start();
    const hook = await webhook();
    emu.alerts.subscribeWebhook(hook.url);
    // The UAMI pulls through AcrPull on the registry and through its group's Reader on the registry's group.
    const grants = await collect(
      c.auth.roleAssignments.listForScope(REGISTRY_ID, { filter: `assignedTo('${UAMI_PRINCIPAL}')` }),
    );
    expect(grants).toHaveLength(2);
    for (const grant of grants) await c.auth.roleAssignments.delete(grant.scope ?? "", grant.name ?? "");
    const revision = (await c.apps.containerApps.get(RG, "orders-api")).latestRevisionName ?? "";
    await c.apps.containerAppsRevisions.restartRevision(RG, "orders-api", revision);
    await emu.alerts.settle();

    expect(hook.received).toHaveLength(1);
    const alert = hook.received[0]?.body as {
      schemaId: string;
      data: {
        essentials: Record<string, unknown>;
        alertContext: { conditionType: string; condition: { allOf: Array<{ dimensions: unknown[] }> } };
      };
    };
    expect(alert.schemaId).toBe("azureMonitorCommonAlertSchema");
    expect(alert.data.essentials).toMatchObject({
      alertRule: expect.any(String),
      severity: "Sev2",
      signalType: "Log",
      monitorCondition: "Fired",
      monitoringService: "Log Alerts V2",
      configurationItems: [ENV_ID.toLowerCase()],
      essentialsVersion: "1.0",
      alertContextVersion: "1.0",
    });
    expect(alert.data.essentials.alertId).toMatch(
      new RegExp(`^/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/[0-9a-f-]{36}$`),
    );
    expect(alert.data.alertContext.conditionType).toBe("LogQueryCriteria");
    expect(alert.data.alertContext.condition.allOf[0]?.dimensions).toEqual([
      { name: "_ResourceId", value: ENV_ID.toLowerCase() },
      { name: "ContainerAppName_s", value: "orders-api" },
      { name: "RevisionName_s", value: revision },
    ]);
    expect(emu.alerts.published()).toEqual([alert]);
  });

  it("posts nothing when the restarted revision runs", async () => {
    const { emu, c } = await start();
    const revision = (await c.apps.containerApps.get(RG, "orders-api")).latestRevisionName ?? "";
    await c.apps.containerAppsRevisions.restartRevision(RG, "orders-api", revision);
    expect(emu.simulateReplicaRestart(appId("orders-api"))).toBe(true);
    await emu.alerts.settle();
    expect(emu.alerts.published()).toEqual([]);
  });
});

function sample(): ArmEvent {
  return {
    topic: `/subscriptions/${SUB}`,
    subject: "",
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: "2026-11-22T12:00:00.000Z",
    id: randomUUID(),
    data: {},
    dataVersion: "2",
    metadataVersion: "1",
  };
}
