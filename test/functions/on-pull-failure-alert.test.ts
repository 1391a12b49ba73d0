/**
 * The HTTP trigger `onPullFailureAlert` (common alert schema posted by an action group), called with a real
 * `HttpRequest` and `InvocationContext`, against the emulator and Azurite.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_ALERT_WORKLOADS } from "../../src/core/signals/pull-failure-alert.js";
import {
  brokenOrdersWorld,
  httpRequest,
  invocation,
  ORDERS_API,
  readFixture,
  retarget,
  useFunctionHost,
} from "./harness.js";

interface Dimension {
  name: string;
  value: string;
}
interface AlertFixture {
  schemaId: string;
  data: {
    essentials: Record<string, unknown> & {
      monitorCondition: string;
      alertTargetIDs: string[];
      configurationItems: string[];
    };
    alertContext: { condition: { allOf: Array<{ dimensions: Dimension[] }> } };
  };
}

const URL = "http://localhost:7071/api/alerts/pull-failure?code=k";
const ENV_ID_LOWER =
  "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop";

const harness = useFunctionHost();

const alert = () => readFixture<AlertFixture>("events/pull-failure.alert.json");
const dimensionsOf = (a: AlertFixture) => a.data.alertContext.condition.allOf[0]?.dimensions ?? [];
const setDimensions = (a: AlertFixture, dimensions: Dimension[]) => {
  a.data.alertContext.condition.allOf = [{ ...a.data.alertContext.condition.allOf[0], dimensions }];
};
const setAppName = (a: AlertFixture, name: string) =>
  setDimensions(
    a,
    dimensionsOf(a).map((d) => (d.name === "ContainerAppName_s" ? { ...d, value: name } : d)),
  );

async function post(body: unknown, raw?: string) {
  const { context, logs } = invocation("onPullFailureAlert");
  const response = await harness.handlers.onPullFailureAlert(
    httpRequest({ method: "POST", url: URL, ...(raw !== undefined ? { rawBody: raw } : { body }) }),
    context,
  );
  return { response, logs };
}

describe("onPullFailureAlert: fired alerts", () => {
  it("the common-alert-schema alert (environment in _ResourceId, app by name): 202, AcrPull granted, revision healthy", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { response } = await post(alert());
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({
      outcome: "handled",
      apps: [{ appId: ORDERS_API, verdict: "broken", action: "fixed" }],
    });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(host.sink.received).toHaveLength(1);
  });

  const variants: Array<[string, (a: AlertFixture) => void]> = [
    [
      "environment only in configurationItems (rule split by resource ID column)",
      (a) => {
        setDimensions(
          a,
          dimensionsOf(a).filter((d) => d.name !== "_ResourceId"),
        );
      },
    ],
    [
      "environment only in alertTargetIDs",
      (a) => {
        setDimensions(
          a,
          dimensionsOf(a).filter((d) => d.name !== "_ResourceId"),
        );
        a.data.essentials.configurationItems = [];
        a.data.essentials.alertTargetIDs = [ENV_ID_LOWER];
      },
    ],
    [
      "ContainerAppSystemLogs_CL without _ResourceId: EnvironmentName_s and ContainerAppName_s",
      (a) => {
        setDimensions(a, [
          { name: "EnvironmentName_s", value: "env-shop" },
          { name: "ContainerAppName_s", value: "orders-api" },
        ]);
        a.data.essentials.configurationItems = [];
        a.data.essentials.alertTargetIDs = [];
      },
    ],
    [
      "the ContainerAppSystemLogs table's column names, IDs and names in another case",
      (a) => {
        setDimensions(a, [
          { name: "_ResourceId", value: ENV_ID_LOWER.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/") },
          { name: "ContainerAppName", value: "Orders-API" },
          { name: "RevisionName", value: "orders-api--v42" },
        ]);
      },
    ],
  ];
  for (const [name, change] of variants) {
    it(`finds the app with ${name}`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const body = alert();
      change(body);
      const { response } = await post(body);
      expect(response.status).toBe(202);
      expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ action: "fixed" }] });
      expect((response.jsonBody as { apps: Array<{ appId: string }> }).apps[0]?.appId.toLowerCase()).toBe(
        ORDERS_API.toLowerCase(),
      );
      expect(host.roleAssignmentsCreated()).toBe(1);
    });
  }
});

describe("onPullFailureAlert: alerts that only update state or name nothing PullGuard can act on", () => {
  it("a Resolved alert: 202, logged, nothing read or written", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const body = alert();
    body.data.essentials.monitorCondition = "Resolved";
    body.data.essentials.resolvedDateTime = "2026-11-22T10:30:00.000Z";
    const { response, logs } = await post(body);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/resolved/i) });
    expect(logs.some((l) => l.level === "information" && /resolved/.test(l.text))).toBe(true);
    expect(host.emulator.log.count()).toBe(0);
  });

  it("an app name that is not in the environment: 202 ignored with the reason, no write", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const body = alert();
    setAppName(body, "billing-api");
    const { response } = await post(body);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/billing-api/) });
    expect(host.writes()).toBe(0);
  });

  it("an environment in a subscription PullGuard does not watch: ignored, nothing read there", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const other = "11111111-2222-4333-8444-555555555555";
    const body = retarget(alert(), [["3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11", other]]);
    const { response } = await post(body);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "ignored" });
    expect(host.emulator.log.count((e) => e.path.includes(other))).toBe(0);
    expect(host.writes()).toBe(0);
  });
});

describe("onPullFailureAlert: bad input is a 400 with a reason, never a write", () => {
  const bad: Array<[string, unknown, string | undefined, RegExp]> = [
    ["a body that is not JSON", undefined, "{not json", /not valid JSON/],
    ["another schema", { ...alert(), schemaId: "AzureMonitorMetricAlert" }, undefined, /azureMonitorCommonAlertSchema/],
    [
      "no monitor condition",
      { ...alert(), data: { ...alert().data, essentials: { alertRule: "x" } } },
      undefined,
      /monitorCondition/,
    ],
    [
      "no app name anywhere",
      (() => {
        const a = alert();
        setDimensions(
          a,
          dimensionsOf(a).filter((d) => d.name === "_ResourceId"),
        );
        return a;
      })(),
      undefined,
      /ContainerAppName_s/,
    ],
    [
      "an app name that is not a name",
      (() => {
        const a = alert();
        setAppName(a, "../../etc");
        return a;
      })(),
      undefined,
      /not a container app or job name/,
    ],
  ];
  for (const [name, body, raw, message] of bad) {
    it(`${name}: 400`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { response, logs } = await post(body, raw);
      expect(response.status).toBe(400);
      expect((response.jsonBody as { error: string }).error).toMatch(message);
      expect(logs.some((l) => l.level === "warning" && /rejected an alert/.test(l.text))).toBe(true);
      expect(host.writes()).toBe(0);
    });
  }
});

describe("onPullFailureAlert: Azure's published sample payloads (spec/events.md v2)", () => {
  const samples = readdirSync("test/fixtures/alerts").filter((f) => f.endsWith(".json"));

  it("has the published samples of every signal type", () => {
    expect(samples.length).toBeGreaterThanOrEqual(14);
  });

  for (const file of samples) {
    it(`${file}: 202 ignored with the reason, logged, nothing read or written`, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { response, logs } = await post(readFixture(`alerts/${file}`));
      expect(response.status).toBe(202);
      expect(response.jsonBody).toEqual({ outcome: "ignored", reason: expect.any(String) });
      const reason = (response.jsonBody as { reason: string }).reason;
      expect(logs.some((l) => l.level === "information" && l.text.includes(reason))).toBe(true);
      expect(host.emulator.log.count()).toBe(0);
    });
  }

  it("the Log Alerts V2 test-action sample split by the rule's dimensions: 202, the app fixed", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const body = readFixture<AlertFixture>("alerts/test-action-log-v2.json");
    setDimensions(body, dimensionsOf(alert()));
    const { response } = await post(body);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
  });

  it(`a Log Alerts V1 sample whose rows name ${MAX_ALERT_WORKLOADS + 2} workloads: the first ${MAX_ALERT_WORKLOADS} looked at, the rest left to the sweep`, async () => {
    const host = await harness.open(brokenOrdersWorld());
    const body = readFixture<AlertFixture & { data: { alertContext: Record<string, unknown> } }>(
      "alerts/test-action-log-v1-number-of-results.json",
    );
    const names = ["orders-api", ...Array.from({ length: MAX_ALERT_WORKLOADS + 1 }, (_, i) => `gone-${i}`)];
    body.data.alertContext.SearchResults = {
      tables: [
        {
          name: "PrimaryResult",
          columns: [
            { name: "_ResourceId", type: "string" },
            { name: "ContainerAppName_s", type: "string" },
          ],
          rows: names.map((n) => [ENV_ID_LOWER, n]),
        },
      ],
    };
    const { response, logs } = await post(body);
    expect(response.status).toBe(202);
    expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(
      logs.filter((l) => l.level === "warning" && /names 7 workloads: looking at the first 5/.test(l.text)),
    ).toHaveLength(1);
    expect(host.roleAssignmentsCreated()).toBe(1);
  });
});

describe("onPullFailureAlert: transient failures", () => {
  it("throws when ARM keeps answering 503 (the action group retries); the retry fixes the app", async () => {
    const host = await harness.open(brokenOrdersWorld());
    host.emulator.faults.add({ kind: "503", method: "GET", path: /\/containerApps$/i, count: 4 });
    await expect(post(alert())).rejects.toThrow(/503|ServiceUnavailable|injected fault/i);
    expect(host.writes()).toBe(0);
    const { response } = await post(alert());
    expect(response.status).toBe(202);
    expect(host.roleAssignmentsCreated()).toBe(1);
  });
});
