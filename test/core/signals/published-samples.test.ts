/**
 * Azure's published sample payloads (test/fixtures/alerts/README.md, test/fixtures/events/README.md), each answered as
 * spec/events.md v2 says: only a fired log search alert that names a workload is looked at; every other alert is
 * ignored with its reason; Event Grid's own events are ignored from their type; a null field is absent.
 */
import { readdirSync, readFileSync } from "node:fs";
import { EventGridDeserializer, isSystemEvent, type KnownSystemEventTypes } from "@azure/eventgrid";
import { describe, expect, it } from "vitest";
import { EVENT_GRID_OWN_EVENT_TYPES, readArmEvent } from "../../../src/core/signals/arm-event.js";
import { MAX_ALERT_WORKLOADS, readPullFailureAlert } from "../../../src/core/signals/pull-failure-alert.js";

// biome-ignore lint/suspicious/noExplicitAny: published JSON, rewritten field by field below
type Json = Record<string, any>;
const read = (path: string): Json => JSON.parse(readFileSync(`test/fixtures/${path}`, "utf8")) as Json;

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const ENV = `/subscriptions/${SUB}/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop`;
const APP = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api`;

/** Each published alert and the reason it must be ignored with (`look` for none). */
const ALERTS: Array<[string, RegExp]> = [
  ["metric-static-resolved.json", /^a resolved alert only updates state/],
  [
    "test-action-activity-log.json",
    /^an activity log alert \(signalType Activity Log, monitoringService Activity Log - Administrative\)/,
  ],
  [
    "test-action-availability-test.json",
    /^an availability test alert .*conditionType WebtestLocationAvailabilityCriteria/,
  ],
  ["test-action-budget.json", /^a budget alert \(signalType \(none\), monitoringService CostAlerts\)/],
  ["test-action-cost-budget.json", /^a budget alert /],
  ["test-action-forecasted-budget.json", /^a budget alert /],
  ["test-action-log-v1-metric-measurement.json", /names no container app or managed environment/],
  ["test-action-log-v1-number-of-results.json", /names no container app or managed environment/],
  ["test-action-log-v2.json", /names no container app or managed environment/],
  [
    "test-action-metric-dynamic-threshold.json",
    /^a metric alert \(signalType Metric, monitoringService Platform, conditionType DynamicThresholdCriteria\)/,
  ],
  ["test-action-metric-static-threshold.json", /^a metric alert /],
  ["test-action-resource-health.json", /^a resource health alert /],
  ["test-action-service-health.json", /^a service health alert /],
  ["test-action-smart-detector.json", /^a smart detector alert \(signalType Log, monitoringService SmartDetector\)/],
];

describe("Azure's published alert samples (common alert schema)", () => {
  it("covers every stored sample", () => {
    const stored = readdirSync("test/fixtures/alerts").filter((f) => f.endsWith(".json"));
    expect(ALERTS.map(([file]) => file).sort()).toEqual(stored.sort());
  });

  it.each(ALERTS)("%s: ignored with its reason (202), never rejected", (file, reason) => {
    expect(readPullFailureAlert(read(`alerts/${file}`))).toEqual({
      outcome: "ignore",
      reason: expect.stringMatching(reason),
    });
  });

  it("reads the budget sample's null fields as absent, and a null where a list belongs is no schema error", () => {
    const budget = read("alerts/test-action-budget.json");
    expect(budget.data.essentials.alertTargetIDs).toBeNull();
    budget.data.essentials.monitorCondition = "Fired";
    budget.data.essentials.signalType = "Log";
    budget.data.alertContext = { conditionType: "LogQueryCriteria", condition: null };
    expect(readPullFailureAlert(budget)).toMatchObject({
      outcome: "ignore",
      reason: expect.stringMatching(/names no container app/),
    });
  });

  it("the Log Alerts V2 sample with a PullGuard rule's dimensions: looked at", () => {
    const v2 = read("alerts/test-action-log-v2.json");
    v2.data.alertContext.condition.allOf[0].dimensions = [
      { name: "_ResourceId", value: ENV },
      { name: "ContainerAppName_s", value: "orders-api" },
      { name: "RevisionName_s", value: "orders-api--v42" },
    ];
    const workload = {
      appId: null,
      environment: { id: ENV },
      appName: "orders-api",
      kind: null,
      revisionName: "orders-api--v42",
    };
    expect(readPullFailureAlert(v2)).toEqual({
      outcome: "look",
      alert: {
        alertId: v2.data.essentials.alertId,
        alertRule: "test-logAlertRule-v2",
        monitorCondition: "Fired",
        firedAt: "2025-04-15T18:08:03.626Z",
        ...workload,
        workloads: [workload],
        workloadsLeft: 0,
      },
    });
  });

  it("the Log Alerts V1 sample with ContainerAppSystemLogs_CL rows: each row's workload, the environment by name", () => {
    const v1 = read("alerts/test-action-log-v1-number-of-results.json");
    v1.data.alertContext.SearchResults.tables[0] = {
      name: "PrimaryResult",
      columns: [
        { name: "TimeGenerated", type: "datetime" },
        { name: "EnvironmentName_s", type: "string" },
        { name: "ContainerAppName_s", type: "string" },
        { name: "RevisionName_s", type: "string" },
      ],
      rows: [
        ["2025-04-15T18:04:40.852Z", "env-shop", "orders-api", "orders-api--v42"],
        ["2025-04-15T18:04:41.100Z", "env-shop", "orders-api", "orders-api--v42"],
        ["2025-04-15T18:04:42.000Z", "env-shop", "billing-api", null],
      ],
    };
    const reading = readPullFailureAlert(v1);
    expect(reading).toMatchObject({ outcome: "look", alert: { workloadsLeft: 0 } });
    expect(reading.outcome === "look" ? reading.alert.workloads : []).toEqual([
      {
        appId: null,
        environment: { name: "env-shop" },
        appName: "orders-api",
        kind: null,
        revisionName: "orders-api--v42",
      },
      { appId: null, environment: { name: "env-shop" }, appName: "billing-api", kind: null, revisionName: null },
    ]);
  });

  it(`bounds an alert that names many workloads to ${MAX_ALERT_WORKLOADS}, in payload order, counting the rest`, () => {
    const v1 = read("alerts/test-action-log-v1-number-of-results.json");
    const names = Array.from({ length: 12 }, (_, i) => `app-${String(i).padStart(2, "0")}`);
    v1.data.alertContext.SearchResults.tables[0] = {
      name: "PrimaryResult",
      columns: [
        { name: "_ResourceId", type: "string" },
        { name: "ContainerAppName_s", type: "string" },
      ],
      rows: names.map((n) => [ENV, n]),
    };
    const reading = readPullFailureAlert(v1);
    expect(reading).toMatchObject({ outcome: "look", alert: { workloadsLeft: 12 - MAX_ALERT_WORKLOADS } });
    expect(reading.outcome === "look" ? reading.alert.workloads.map((w) => w.appName) : []).toEqual(
      names.slice(0, MAX_ALERT_WORKLOADS),
    );
  });

  it("a resolved Log Alerts V2 alert for a PullGuard rule: ignored", () => {
    const v2 = read("alerts/test-action-log-v2.json");
    v2.data.essentials.monitorCondition = "Resolved";
    v2.data.alertContext.condition.allOf[0].dimensions = [
      { name: "_ResourceId", value: ENV },
      { name: "ContainerAppName_s", value: "orders-api" },
    ];
    expect(readPullFailureAlert(v2)).toMatchObject({ outcome: "ignore", reason: expect.stringMatching(/resolved/) });
  });

  it("a metric alert that names a container app is still ignored (a shared action group must not start a fix)", () => {
    const metric = read("alerts/test-action-metric-static-threshold.json");
    metric.data.essentials.alertTargetIDs = [APP];
    metric.data.essentials.configurationItems = ["orders-api"];
    expect(readPullFailureAlert(metric)).toMatchObject({
      outcome: "ignore",
      reason: expect.stringMatching(/^a metric alert/),
    });
  });
});

/** The published write-success sample with its placeholders filled in, as a watched container-app write. */
function appWrite(): Json {
  const event = read("events/docs-resource-write-success.eventgrid.json");
  const filled = JSON.parse(
    JSON.stringify(event)
      .replaceAll("{subscription-id}", SUB)
      .replaceAll("{resource-group}", "rg-shop")
      .replaceAll("Microsoft.Storage/storageAccounts/{storage-name}", "Microsoft.App/containerApps/orders-api")
      .replaceAll("Microsoft.Storage/storageAccounts/write", "Microsoft.App/containerApps/write")
      .replaceAll('"Microsoft.Storage"', '"Microsoft.App"'),
  ) as Json;
  return filled;
}

describe("Event Grid's published system events", () => {
  it.each([
    ["docs-subscription-validation.eventgrid.json", "Microsoft.EventGrid.SubscriptionValidationEvent"],
    ["docs-subscription-deleted.eventgrid.json", "Microsoft.EventGrid.SubscriptionDeletedEvent"],
  ] as const)("%s: Event Grid's own event, ignored from its type (not malformed)", (file, type) => {
    const event = read(`events/${file}`);
    expect(readArmEvent(event)).toEqual({
      outcome: "ignore",
      reason: `Event Grid's own ${type} is not an ARM event (the Functions host answers the validation handshake)`,
      eventId: "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
    });
  });

  it("names Event Grid's own event types as @azure/eventgrid does, and the samples are those typed system events", async () => {
    const known: KnownSystemEventTypes[] = [...EVENT_GRID_OWN_EVENT_TYPES];
    const deserializer = new EventGridDeserializer();
    const [validation] = await deserializer.deserializeEventGridEvents(
      read("events/docs-subscription-validation.eventgrid.json"),
    );
    const [deleted] = await deserializer.deserializeEventGridEvents(
      read("events/docs-subscription-deleted.eventgrid.json"),
    );
    const [write] = await deserializer.deserializeEventGridEvents(
      read("events/docs-resource-write-success.eventgrid.json"),
    );
    expect([
      validation && isSystemEvent("Microsoft.EventGrid.SubscriptionValidationEvent", validation),
      deleted && isSystemEvent("Microsoft.EventGrid.SubscriptionDeletedEvent", deleted),
      write && isSystemEvent("Microsoft.Resources.ResourceWriteSuccess", write),
    ]).toEqual([true, true, true]);
    expect(known).toEqual([
      "Microsoft.EventGrid.SubscriptionValidationEvent",
      "Microsoft.EventGrid.SubscriptionDeletedEvent",
    ]);
  });

  it.each([
    ["docs-resource-write-success.eventgrid.json", "Microsoft.Storage/storageAccounts/write"],
    ["docs-resource-delete-success.eventgrid.json", "Microsoft.Storage/storageAccounts/delete"],
    ["docs-resource-action-success.eventgrid.json", "Microsoft.EventHub/namespaces/AuthorizationRules/listKeys/action"],
  ])("%s: an ARM event for an operation PullGuard does not watch: ignored", (file, operation) => {
    expect(readArmEvent(read(`events/${file}`))).toMatchObject({
      outcome: "ignore",
      reason: `operation ${operation} is not one PullGuard watches`,
    });
  });

  it("the write-success sample on a container app: looked at, the app as target", () => {
    expect(readArmEvent(appWrite())).toMatchObject({
      outcome: "look",
      target: { kind: "app", appId: APP.replace("resourceGroups", "resourcegroups") },
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      operationName: "Microsoft.App/containerApps/write",
      status: "Succeeded",
    });
  });

  it("rejects the same event when subject and data.resourceUri name different resources", () => {
    const event = appWrite();
    event.data.resourceUri = event.subject.replace("orders-api", "billing-api");
    expect(readArmEvent(event)).toEqual({
      outcome: "reject",
      reason: expect.stringMatching(
        /^subject ".*orders-api" and data\.resourceUri ".*billing-api" name different resources/,
      ),
      eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
    });
  });

  it("reads null fields of an ARM event as absent (httpRequest, status)", () => {
    const event = appWrite();
    event.data.httpRequest = null;
    event.data.status = null;
    expect(readArmEvent(event)).toMatchObject({ outcome: "look", status: null });
  });
});
