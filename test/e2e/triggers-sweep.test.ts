/**
 * End to end through the timer trigger: a person's deployment fails and every Event Grid event is lost; the next
 * sweep finds the app, fixes it once, and the sweep after that writes nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningAzurite } from "../../devtools/azurite.js";
import {
  developer,
  type Host,
  invocation,
  loadHandlers,
  ORDERS_API,
  openHost,
  readWorld,
  SUBSCRIPTION,
  startStorage,
  timer,
  writesBy,
} from "../functions/harness.js";

type Handlers = Awaited<ReturnType<typeof loadHandlers>>;

let storage: RunningAzurite;
let handlers: Handlers;
let host: Host | undefined;

beforeAll(async () => {
  [storage, handlers] = await Promise.all([startStorage(), loadHandlers()]);
});
afterAll(async () => {
  await storage?.stop();
});
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const sweep = () => handlers.sweep(timer(), invocation("sweep").context);

describe("timer sweep against the emulator", () => {
  it("a failed deployment whose events were lost: the sweep fixes it once; the next sweep writes nothing", async () => {
    host = await openHost(readWorld("orders-api.world.json"), storage);
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
    host = await openHost(readWorld("orders-api.world.json"), storage);
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
