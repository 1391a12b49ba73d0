/**
 * End to end through the timer trigger: a person's deployment fails and every Event Grid event is lost; the next
 * sweep finds the app, fixes it once, and the sweep after that writes nothing.
 */
import { describe, expect, it } from "vitest";
import {
  developer,
  invocation,
  ORDERS_API,
  readWorld,
  SUBSCRIPTION,
  timer,
  useFunctionHost,
  writesBy,
} from "../functions/harness.js";

const harness = useFunctionHost();

const sweep = () => harness.handlers.sweep(timer(), invocation("sweep").context);

describe("timer sweep against the emulator", () => {
  it("a failed deployment whose events were lost: the sweep fixes it once; the next sweep writes nothing", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const deployed = await developer(host, SUBSCRIPTION).deploy(
      ORDERS_API,
      "contosoprod.azurecr.io/orders/api:1.8.0",
      "contosoprod.azurecr.io",
    );
    expect(deployed).toBe(false);
    expect(host.latestRevision(ORDERS_API).provisioningState).toBe("Failed");
    // No subscriber: every event is lost.

    const first = await sweep();
    expect(first).toMatchObject({ apps: 1, broken: 1, handled: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(host.sink.received).toHaveLength(1);

    const writes = writesBy(host);
    const second = await sweep();
    expect(second).toMatchObject({ apps: 1, broken: 0, handled: [] });
    expect(writesBy(host)).toBe(writes);
  });

  it("two sweeps overlapping (a slow run and the next occurrence): one fix", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    await developer(host, SUBSCRIPTION).deploy(
      ORDERS_API,
      "contosoprod.azurecr.io/orders/api:1.8.0",
      "contosoprod.azurecr.io",
    );
    await Promise.all([sweep(), sweep()]);
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(
      host.emulator.log.writes().filter((w) => /\/restart/.test(w.path) && w.caller === host?.principal),
    ).toHaveLength(1);
    expect(host.latestRevision(ORDERS_API).healthState).toBe("Healthy");
  });
});
