/**
 * End to end through the Event Grid trigger: a person's write against the emulator raises ARM events; the emulator's
 * event bus delivers them (and the events PullGuard's own writes raise) to the real `onResourceEvent` handler, as an
 * Event Grid subscription would: at least once, in any order. The world ends fixed, with one fix.
 */
import { describe, expect, it } from "vitest";
import type { DeliveryKnobs } from "../../tools/emulator/events.js";
import {
  asCloudEvent,
  CONTOSOPROD,
  developer,
  type Handlers,
  type Host,
  invocation,
  ORDERS_API,
  openHost,
  readWorld,
  SUBSCRIPTION,
  useFunctionHost,
  writesBy,
} from "../functions/harness.js";

type Outcome = Awaited<ReturnType<Handlers["onResourceEvent"]>>;

const PRIVATE_IMAGE = "contosoprod.azurecr.io/orders/api:1.8.0";
const CHECKOUT_WEB =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web";
const FABRIKAM_ACR_PULL =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg-platform/providers/Microsoft.ContainerRegistry/registries/fabrikamacr/providers/Microsoft.Authorization/roleAssignments/3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

const harness = useFunctionHost();

/** Subscribes the real handler to the emulator's events, as Event Grid would deliver them. */
function subscribeHandler(h: Host, options: { knobs?: DeliveryKnobs; cloudEvents?: boolean } = {}) {
  const outcomes: Array<{ operation: string; outcome: Outcome }> = [];
  const failures: unknown[] = [];
  if (options.knobs) h.emulator.events.setKnobs(options.knobs);
  h.emulator.events.subscribe(async (event) => {
    const { context } = invocation("onResourceEvent");
    try {
      const delivered = options.cloudEvents ? asCloudEvent(event) : event;
      outcomes.push({
        operation: String(event.data.operationName),
        outcome: await harness.handlers.onResourceEvent(delivered as never, context),
      });
    } catch (error) {
      failures.push(error);
    }
  });
  return { outcomes, failures };
}

const fixedApps = (outcomes: Array<{ outcome: Outcome }>) =>
  outcomes.flatMap((o) => (o.outcome.outcome === "handled" ? o.outcome.apps.filter((a) => a.action === "fixed") : []));

/** PullGuard's writes, as "METHOD path status" (the assignment's name is deterministic, so runs compare). */
const ownWrites = (h: Host) =>
  h.emulator.log
    .writes()
    .filter((w) => w.caller === h.principal)
    .map(
      (w) =>
        `${w.method} ${(w.path.split("?")[0] ?? "").replace(/\/revisions\/[^/]+/, "/revisions/<latest>")} ${w.status}`,
    );

async function deployAndSettle(h: Host): Promise<boolean> {
  const deployed = await developer(h, SUBSCRIPTION).deploy(ORDERS_API, PRIVATE_IMAGE, "contosoprod.azurecr.io");
  await h.emulator.events.settle();
  return deployed;
}

describe("Event Grid → onResourceEvent → fix, against the emulator", () => {
  it("a failed deployment (ResourceWriteFailure): AcrPull granted once, revision healthy; PullGuard's own events start nothing", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const { outcomes, failures } = subscribeHandler(host);
    expect(await deployAndSettle(host)).toBe(false);

    expect(failures).toEqual([]);
    expect(fixedApps(outcomes)).toHaveLength(1);
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    // The role assignment write and the restart came back as events caused by PullGuard: ignored.
    const own = outcomes.filter((o) => o.outcome.outcome === "ignored" && /own identity/.test(o.outcome.reason));
    expect(own.map((o) => o.operation)).toEqual(
      expect.arrayContaining([
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.App/containerApps/revisions/restart/action",
      ]),
    );
    const assignment = host.emulator.state.resources.get(
      [...host.emulator.state.resources.keys()].find(
        (k) =>
          k.startsWith(CONTOSOPROD.toLowerCase()) &&
          k.includes("roleassignments") &&
          !k.endsWith("3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"),
      ) ?? "",
    );
    expect(assignment?.properties).toMatchObject({ principalId: "c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f" });
  });

  it("every event delivered again (at least once): no extra write", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    subscribeHandler(host);
    await deployAndSettle(host);
    const writes = writesBy(host);
    expect(writes).toBeGreaterThan(0);

    for (const event of host.emulator.events.published()) {
      await harness.handlers.onResourceEvent(event as never, invocation("onResourceEvent").context);
    }
    expect(writesBy(host)).toBe(writes);
    expect(host.roleAssignmentsCreated()).toBe(1);
  });

  it("duplicated deliveries arriving together: still one role assignment and no more writes than one delivery", async () => {
    const single = await openHost(readWorld("orders-api.world.json"), harness.storage);
    subscribeHandler(single);
    await deployAndSettle(single);
    const writesOnce = ownWrites(single);
    await single.close();

    const host = await harness.open(readWorld("orders-api.world.json"));
    const { outcomes, failures } = subscribeHandler(host, { knobs: { duplicate: 1 } });
    await deployAndSettle(host);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(ownWrites(host)).toEqual(writesOnce);
    expect(host.latestRevision(ORDERS_API).healthState).toBe("Healthy");
  });

  it("reordered, delayed and duplicated delivery (seeded): one fix, revision healthy", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"), { emulator: { seed: 7 } });
    const { outcomes, failures } = subscribeHandler(host, { knobs: { reorder: true, delayMs: 120, duplicate: 0.5 } });
    await deployAndSettle(host);
    expect(failures).toEqual([]);
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(fixedApps(outcomes).length).toBeGreaterThanOrEqual(1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
  });

  it("CloudEvents 1.0 delivery works the same way", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const { outcomes, failures } = subscribeHandler(host, { cloudEvents: true });
    await deployAndSettle(host);
    expect(failures).toEqual([]);
    expect(fixedApps(outcomes)).toHaveLength(1);
    expect(host.latestRevision(ORDERS_API).healthState).toBe("Healthy");
  });

  it("before it fails: someone deletes the app's AcrPull; PullGuard grants it back and the next replica start pulls", async () => {
    const host = await harness.open(readWorld("pull-role-missing.fixed.json"));
    const { outcomes, failures } = subscribeHandler(host);
    await developer(host, "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a").deleteRoleAssignment(FABRIKAM_ACR_PULL);
    await host.emulator.events.settle();

    expect(failures).toEqual([]);
    const deleted = outcomes.find((o) => o.operation === "Microsoft.Authorization/roleAssignments/delete");
    expect(deleted?.outcome).toMatchObject({ outcome: "handled", apps: [{ appId: CHECKOUT_WEB, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
    expect(host.emulator.simulateReplicaRestart(CHECKOUT_WEB)).toBe(true);
    expect(host.latestRevision(CHECKOUT_WEB)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
  });
});
