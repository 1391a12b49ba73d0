import { describe, expect, it } from "vitest";
import { readCheckBody, readCheckRoute } from "../../../src/core/signals/check-request.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const APP = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api`;
const JOB = `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.App/jobs/nightly-export`;

describe("readCheckRoute", () => {
  it("builds the app ID from the route", () => {
    expect(readCheckRoute({ subscriptionId: SUB.toUpperCase(), resourceGroup: "rg-shop", name: "orders-api" })).toEqual(
      {
        outcome: "ok",
        appId: APP,
        kind: "app",
        subscriptionId: SUB,
        fix: false,
      },
    );
  });

  it("v2: builds a job's ID from the jobs route", () => {
    expect(readCheckRoute({ subscriptionId: SUB, resourceGroup: "rg-batch", name: "nightly-export" }, "job")).toEqual({
      outcome: "ok",
      appId: JOB,
      kind: "job",
      subscriptionId: SUB,
      fix: false,
    });
    expect(readCheckRoute({ subscriptionId: SUB, resourceGroup: "rg-batch", name: "Nightly_Export" }, "job")).toEqual({
      outcome: "invalid",
      message: expect.stringMatching(/^job name "Nightly_Export" is not valid; expected 1-32 lower-case letters/),
    });
    expect(readCheckRoute({ subscriptionId: SUB }, "job")).toMatchObject({
      message: "expected the path /api/jobs/{subscriptionId}/{resourceGroup}/{jobName}",
    });
  });

  it.each([
    [{ subscriptionId: "subid", resourceGroup: "rg-shop", name: "orders-api" }, "is not a GUID"],
    [{ subscriptionId: SUB, resourceGroup: "rg..", name: "orders-api" }, "not ending in '.'"],
    [{ subscriptionId: SUB, resourceGroup: "rg-shop", name: "Orders_API" }, "lower-case letters"],
    [
      { subscriptionId: SUB, resourceGroup: "rg-shop" },
      "/api/apps/{subscriptionId}/{resourceGroup}/{containerAppName}",
    ],
  ])("rejects %j with a message saying what is expected", (params, expected) => {
    const reading = readCheckRoute(params);
    expect(reading.outcome).toBe("invalid");
    expect(reading.outcome === "invalid" && reading.message).toContain(expected);
  });
});

describe("readCheckBody", () => {
  it("accepts a resource ID and the fix flag", () => {
    expect(readCheckBody({ resourceId: APP, fix: true })).toMatchObject({ outcome: "ok", appId: APP, fix: true });
  });

  it("v2: accepts a job's ID and says it is a job", () => {
    expect(readCheckBody({ resourceId: JOB.replace(SUB, SUB.toUpperCase()) })).toEqual({
      outcome: "ok",
      appId: JOB,
      kind: "job",
      subscriptionId: SUB,
      fix: false,
    });
  });

  it.each([
    [{ resourceId: APP, fix: "yes" }, "fix"],
    [{ resourceId: APP, extra: 1 }, "extra"],
    [{ resourceId: `${APP}/../../../registries/contosoprod` }, "is not a container app or job ID"],
    [{ resourceId: APP.replace("containerApps/", "containerApps%2F") }, "is not a container app or job ID"],
    [
      { resourceId: APP.replace("Microsoft.App/containerApps", "Microsoft.ContainerRegistry/registries") },
      "is not a container app or job ID",
    ],
    [{ resourceId: `${JOB}/executions/nightly-export-29f1k` }, "or .../providers/Microsoft.App/jobs/{name}"],
    [[], "(body)"],
    [null, "expected a JSON body"],
  ])("rejects %j", (body, expected) => {
    const reading = readCheckBody(body);
    expect(reading.outcome).toBe("invalid");
    expect(reading.outcome === "invalid" && reading.message).toContain(expected);
  });
});
