import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normaliseGuid, readArmEvent } from "../../../src/core/signals/arm-event.js";

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`test/fixtures/events/${name}`, "utf8")) as Record<string, unknown>;
const APP =
  "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api";

describe("readArmEvent", () => {
  it("points a failed container-app write (Event Grid schema) at that app, with who did it", () => {
    const signal = readArmEvent(fixture("arm-write-failure.eventgrid.json"));
    expect(signal).toMatchObject({
      outcome: "look",
      target: { kind: "app", appId: APP },
      eventId: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97",
      eventType: "Microsoft.Resources.ResourceWriteFailure",
      operationName: "Microsoft.App/containerApps/write",
      status: "Failed",
      correlationId: "5b7e2c1d-0a9f-4e83-b6d2-c1f0e9d8a7b6",
      callerPrincipalId: "9a8b7c6d-5e4f-3021-1203-948576abcdef",
    });
  });

  it("reads the CloudEvents 1.0 form of the same event the same way", () => {
    const grid = readArmEvent(fixture("arm-write-failure.eventgrid.json"));
    const cloud = readArmEvent(fixture("arm-write-failure.cloudevent.json"));
    expect(cloud).toEqual(grid);
  });

  it("takes the caller from the dash-less evidence when the claims lack the object id", () => {
    const event = fixture("arm-write-failure.eventgrid.json");
    const data = event.data as { claims: Record<string, unknown> };
    data.claims = {};
    expect(readArmEvent(event)).toMatchObject({ callerPrincipalId: "9a8b7c6d-5e4f-3021-1203-948576abcdef" });
  });

  it("maps a revision restart to its app", () => {
    const event = fixture("arm-write-failure.eventgrid.json");
    event.eventType = "Microsoft.Resources.ResourceActionSuccess";
    event.subject = `${APP}/revisions/orders-api--v42`;
    (event.data as Record<string, unknown>).resourceUri = `${APP}/revisions/orders-api--v42`;
    (event.data as Record<string, unknown>).operationName = "Microsoft.App/containerApps/revisions/restart/action";
    expect(readArmEvent(event)).toMatchObject({ outcome: "look", target: { kind: "app", appId: APP } });
  });

  describe("v2: jobs and environments (events.md)", () => {
    const JOB =
      "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-batch/providers/Microsoft.App/jobs/nightly-export";
    const ENVIRONMENT =
      "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-batch/providers/Microsoft.App/managedEnvironments/env-batch";

    it("points the start of an execution at its job: the image is pulled now", () => {
      expect(readArmEvent(fixture("job-start.eventgrid.json"))).toMatchObject({
        outcome: "look",
        target: { kind: "app", appId: JOB },
        eventType: "Microsoft.Resources.ResourceActionSuccess",
        operationName: "Microsoft.App/jobs/start/action",
        callerPrincipalId: "9a8b7c6d-5e4f-3021-1203-948576abcdef",
      });
    });

    it("points a job's write at that job, accepted or failed", () => {
      const event = fixture("job-write-success.eventgrid.json");
      expect(readArmEvent(event)).toMatchObject({ outcome: "look", target: { kind: "app", appId: JOB } });
      event.eventType = "Microsoft.Resources.ResourceWriteFailure";
      (event.data as Record<string, unknown>).status = "Failed";
      expect(readArmEvent(event)).toMatchObject({ outcome: "look", target: { kind: "app", appId: JOB } });
    });

    it("ignores a deleted job: nothing left to pull for", () => {
      expect(readArmEvent(fixture("job-delete-success.eventgrid.json"))).toEqual({
        outcome: "ignore",
        reason: "the job was deleted: nothing left to pull for",
        eventId: "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
      });
    });

    it("ignores a job operation whose subject is not a job (an execution)", () => {
      const event = fixture("job-start.eventgrid.json");
      event.subject = `${JOB}/executions/nightly-export-29f1k`;
      (event.data as Record<string, unknown>).resourceUri = event.subject;
      expect(readArmEvent(event)).toMatchObject({
        outcome: "ignore",
        reason: `subject ${JOB}/executions/nightly-export-29f1k is not a job`,
      });
    });

    it("points an environment's write at that environment; a failed one changed nothing", () => {
      const event = fixture("environment-write-success.eventgrid.json");
      expect(readArmEvent(event)).toMatchObject({
        outcome: "look",
        target: { kind: "environment", environmentId: ENVIRONMENT },
        operationName: "Microsoft.App/managedEnvironments/write",
      });
      (event.data as Record<string, unknown>).status = "Failed";
      expect(readArmEvent(event)).toMatchObject({ outcome: "ignore" });
    });
  });

  it("maps a role-assignment delete to the scope it was under", () => {
    expect(readArmEvent(fixture("role-assignment-delete.eventgrid.json"))).toMatchObject({
      outcome: "look",
      target: {
        kind: "scope",
        scope:
          "/subscriptions/3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/contosoprod",
      },
    });
  });

  it("matches operation names case-insensitively", () => {
    const event = fixture("arm-write-failure.eventgrid.json");
    (event.data as Record<string, unknown>).operationName = "MICROSOFT.APP/CONTAINERAPPS/WRITE";
    expect(readArmEvent(event)).toMatchObject({ outcome: "look", operationName: "Microsoft.App/containerApps/write" });
  });

  it("ignores operations it does not watch, saying why", () => {
    const event = fixture("arm-write-failure.eventgrid.json");
    (event.data as Record<string, unknown>).operationName = "Microsoft.Storage/storageAccounts/write";
    expect(readArmEvent(event)).toEqual({
      outcome: "ignore",
      reason: "operation Microsoft.Storage/storageAccounts/write is not one PullGuard watches",
      eventId: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97",
    });
  });

  it("ignores a failed role-assignment write: nothing changed", () => {
    const event = fixture("role-assignment-delete.eventgrid.json");
    (event.data as Record<string, unknown>).operationName = "Microsoft.Authorization/roleAssignments/write";
    (event.data as Record<string, unknown>).status = "Failed";
    expect(readArmEvent(event)).toMatchObject({ outcome: "ignore" });
  });

  it("rejects an event without data.operationName, naming the field", () => {
    const event = fixture("arm-write-failure.eventgrid.json");
    delete (event.data as Record<string, unknown>).operationName;
    const signal = readArmEvent(event);
    expect(signal.outcome).toBe("reject");
    expect(signal.outcome === "reject" && signal.reason).toContain("data.operationName");
  });

  it.each([
    ["a dot segment", `${APP}/../../../../providers/Microsoft.Authorization/roleAssignments/x`],
    ["an encoded slash", APP.replace("/orders-api", "%2Forders-api")],
    ["an empty segment", APP.replace("/resourceGroups/", "/resourceGroups//")],
    ["a subscription that is not a GUID", APP.replace("3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11", "subid")],
  ])("rejects a subject with %s", (_label, subject) => {
    const event = fixture("arm-write-failure.eventgrid.json");
    event.subject = subject;
    expect(readArmEvent(event).outcome).toBe("reject");
  });

  it("rejects values that are not events at all", () => {
    for (const input of [null, 42, "event", [], {}]) expect(readArmEvent(input).outcome).toBe("reject");
  });
});

describe("normaliseGuid", () => {
  it("restores dashes and lower-cases", () => {
    expect(normaliseGuid("9A8B7C6D5E4F30211203948576ABCDEF")).toBe("9a8b7c6d-5e4f-3021-1203-948576abcdef");
    expect(normaliseGuid("not-a-guid")).toBeNull();
  });
});
