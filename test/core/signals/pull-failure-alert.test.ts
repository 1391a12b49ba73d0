import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readPullFailureAlert } from "../../../src/core/signals/pull-failure-alert.js";

interface Alert {
  data: {
    essentials: Record<string, unknown>;
    alertContext: { condition: { allOf: Array<{ dimensions: Array<{ name: string; value: string }> }> } };
  };
}
const alert = (): Alert => JSON.parse(readFileSync("test/fixtures/events/pull-failure.alert.json", "utf8")) as Alert;
const ENV =
  "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourcegroups/rg-shop/providers/microsoft.app/managedenvironments/env-shop";

describe("readPullFailureAlert", () => {
  it("finds the environment and the app name in the alert's dimensions", () => {
    const workload = {
      appId: null,
      environment: { id: ENV },
      appName: "orders-api",
      kind: null,
      revisionName: "orders-api--v42",
    };
    expect(readPullFailureAlert(alert())).toEqual({
      outcome: "look",
      alert: {
        alertId:
          "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/providers/Microsoft.AlertsManagement/alerts/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        alertRule: "pullguard-image-pull-failures",
        monitorCondition: "Fired",
        firedAt: "2026-11-22T10:20:00.000Z",
        ...workload,
        workloads: [workload],
        workloadsLeft: 0,
      },
    });
  });

  it("accepts the environment from configurationItems when the rule splits by resource ID column", () => {
    const a = alert();
    const condition = a.data.alertContext.condition.allOf[0];
    if (!condition) throw new Error("fixture has no condition");
    condition.dimensions = condition.dimensions.filter((d) => d.name !== "_ResourceId");
    expect(readPullFailureAlert(a)).toMatchObject({ outcome: "look", alert: { environment: { id: ENV } } });
  });

  it("uses EnvironmentName_s when the custom-log table has no _ResourceId", () => {
    const a = alert();
    a.data.essentials.configurationItems = [];
    a.data.essentials.alertTargetIDs = [];
    a.data.alertContext.condition.allOf = [
      {
        dimensions: [
          { name: "EnvironmentName_s", value: "env-shop" },
          { name: "ContainerAppName_s", value: "orders-api" },
        ],
      },
    ];
    expect(readPullFailureAlert(a)).toMatchObject({ outcome: "look", alert: { environment: { name: "env-shop" } } });
  });

  it("ignores a Resolved alert: it only updates state (events.md v2)", () => {
    const a = alert();
    a.data.essentials.monitorCondition = "Resolved";
    expect(readPullFailureAlert(a)).toEqual({
      outcome: "ignore",
      reason: "a resolved alert only updates state: PullGuard acts on fired alerts",
    });
  });

  it("rejects an alert that does not name the app, saying how to split the rule", () => {
    const a = alert();
    a.data.alertContext.condition.allOf = [{ dimensions: [{ name: "_ResourceId", value: ENV }] }];
    expect(readPullFailureAlert(a)).toEqual({
      outcome: "reject",
      reason: expect.stringContaining("split the alert rule by ContainerAppName_s"),
    });
  });

  it("rejects another schema and path tricks in names", () => {
    expect(readPullFailureAlert({ schemaId: "Microsoft.Insights/activityLogs", data: {} }).outcome).toBe("reject");
    const a = alert();
    const dims = a.data.alertContext.condition.allOf[0]?.dimensions ?? [];
    for (const d of dims) if (d.name === "ContainerAppName_s") d.value = "../orders-api";
    expect(readPullFailureAlert(a).outcome).toBe("reject");
  });

  describe("v2: an alert naming a job (system logs record executions under the job's name, events.md v2)", () => {
    const jobAlert = () =>
      JSON.parse(readFileSync("test/fixtures/events/pull-failure-job.alert.json", "utf8")) as Alert;
    const ENV_BATCH =
      "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourcegroups/rg-batch/providers/microsoft.app/managedenvironments/env-batch";
    const JOB =
      "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-batch/providers/Microsoft.App/jobs/nightly-export";

    it("a JobName_s dimension names a job in the environment", () => {
      const workload = {
        appId: null,
        environment: { id: ENV_BATCH },
        appName: "nightly-export",
        kind: "job",
        revisionName: null,
      };
      expect(readPullFailureAlert(jobAlert())).toMatchObject({
        outcome: "look",
        alert: { ...workload, workloads: [workload], workloadsLeft: 0 },
      });
    });

    it("a JobName (the ContainerAppSystemLogs column) alone names a job too", () => {
      const a = jobAlert();
      a.data.alertContext.condition.allOf = [
        {
          dimensions: [
            { name: "_ResourceId", value: ENV_BATCH },
            { name: "JobName", value: "nightly-export" },
          ],
        },
      ];
      expect(readPullFailureAlert(a)).toMatchObject({
        outcome: "look",
        alert: { appName: "nightly-export", kind: "job", environment: { id: ENV_BATCH } },
      });
    });

    it("ContainerAppName alone may name an app or a job: the kind is left open", () => {
      const a = jobAlert();
      a.data.alertContext.condition.allOf = [
        {
          dimensions: [
            { name: "_ResourceId", value: ENV_BATCH },
            { name: "ContainerAppName", value: "nightly-export" },
          ],
        },
      ];
      expect(readPullFailureAlert(a)).toMatchObject({
        outcome: "look",
        alert: { appName: "nightly-export", kind: null },
      });
    });

    it("a job's resource ID where an app's would be names the job", () => {
      const a = jobAlert();
      a.data.essentials.configurationItems = [JOB];
      a.data.alertContext.condition.allOf = [];
      expect(readPullFailureAlert(a)).toMatchObject({ outcome: "look", alert: { appId: JOB, kind: "job" } });
    });

    it("rejects a JobName that is no job name", () => {
      const a = jobAlert();
      for (const d of a.data.alertContext.condition.allOf[0]?.dimensions ?? []) {
        if (d.name === "JobName_s") d.value = "../nightly-export";
      }
      expect(readPullFailureAlert(a)).toEqual({
        outcome: "reject",
        reason: 'dimension JobName_s "../nightly-export" is not a job name',
      });
    });
  });
});
