/**
 * The timer trigger `sweep`, called as the host calls it (a Timer and an InvocationContext), against the emulator and
 * Azurite: it lists the watched apps cheaply and handles the ones that look broken.
 */
import { describe, expect, it } from "vitest";
import { brokenOrdersWorld, invocation, ORDERS_API, readWorld, timer, useFunctionHost } from "./harness.js";

const harness = useFunctionHost();

async function sweep(pastDue = false) {
  const { context, logs } = invocation("sweep");
  const outcome = await harness.handlers.sweep({ ...timer(), isPastDue: pastDue }, context);
  return { outcome, logs };
}

describe("sweep", () => {
  it("finds the app whose deployment failed, fixes it, and the next sweep has nothing to do", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const first = await sweep();
    expect(first.outcome).toMatchObject({
      apps: 1,
      broken: 1,
      handled: [{ appId: ORDERS_API, verdict: "broken", action: "fixed" }],
    });
    expect(first.outcome.armRequests).toBe(host.emulator.log.count((e) => e.plane === "arm"));
    expect(first.logs.some((l) => l.level === "information" && /sweep checked 1 apps, 1 broken/.test(l.text))).toBe(
      true,
    );
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });

    const writes = host.writes();
    const second = await sweep(true);
    expect(second.outcome).toMatchObject({ apps: 1, broken: 0, handled: [] });
    expect(host.writes()).toBe(writes);
  });

  it("a healthy subscription: one cheap list, no write, no notification", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const { outcome } = await sweep();
    expect(outcome).toMatchObject({ apps: 1, broken: 0, handled: [] });
    expect(outcome.armRequests).toBeLessThanOrEqual(2);
    expect(host.writes()).toBe(0);
    expect(host.sink.received).toHaveLength(0);
  });

  it("PULLGUARD_MODE=off: looks, writes nothing", async () => {
    const host = await harness.open(brokenOrdersWorld(), { env: { PULLGUARD_MODE: "off" } });
    const { outcome } = await sweep();
    expect(outcome.handled).toEqual([expect.objectContaining({ action: expect.stringMatching(/^skipped/) })]);
    expect(host.writes()).toBe(0);
  });

  it("throws when listing the apps keeps failing (503): the next occurrence tries again", async () => {
    const host = await harness.open(brokenOrdersWorld());
    host.emulator.faults.add({ kind: "503", method: "GET", path: /\/containerApps$/i, count: 4 });
    await expect(sweep()).rejects.toThrow(/503|ServiceUnavailable|injected/i);
    expect(host.writes()).toBe(0);
  });
});
