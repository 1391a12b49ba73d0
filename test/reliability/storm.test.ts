/**
 * Storms: Event Grid delivers at least once and in any order, and PullGuard's own writes come back as events.
 *
 * - A seeded storm of duplicated and reordered deployment-failure events (both schemas) for six broken apps goes
 *   through the real `onResourceEvent` handler, several invocations at a time, with the events PullGuard's own
 *   writes raise delivered back through the emulator's bus (duplicated and reordered too): each app is fixed once
 *   (one role assignment created, one "fixed" notification), every event PullGuard caused is ignored as its own, and
 *   every app ends running.
 * - Even without PULLGUARD_SELF_PRINCIPAL_ID, re-delivering PullGuard's own events makes no write (the fix is
 *   idempotent, not only filtered).
 * - Many concurrent handlers (same event and distinct events, one process and separate composed instances) for one
 *   app agree: one role assignment, one creating PUT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignalOutcome } from "../../src/app/outcomes.js";
import { composeFlow } from "../../src/app/runtime.js";
import { loadSettings } from "../../src/config.js";
import { silentLogger } from "../../src/shared/logger.js";
import type { RunningAzurite } from "../../tools/dev/azurite.js";
import { startAzurite } from "../../tools/dev/azurite.js";
import { type ArmEvent, armEvent } from "../../tools/emulator/events.js";
import { assignmentsIn, createdAssignments, duplicateAssignments, readWorld, seeded } from "./harness.js";
import { type Handlers, type Host, invocation, loadHandlers, openHost, type Sink, startSink } from "./host.js";

const SUBSCRIPTION = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const DEVELOPER = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
const N_APPS = 6;
const SEED = Number(process.env.PULLGUARD_STORM_SEED ?? 4242);
const COPIES = 4;
const CONCURRENCY = 4;

const appId = (i: number) =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/shop-${i}`;

/** pull-role-missing's estate with six apps: four whose system identity lacks AcrPull, two with no identity at all. */
function stormWorld(): Record<string, unknown> {
  const base = readWorld("pull-role-missing");
  const resources = base.resources as Array<Record<string, unknown>>;
  const template = resources.find((r) => r.type === "Microsoft.App/containerApps") as Record<string, unknown>;
  const identity = template.identity as Record<string, string>;
  const apps = Array.from({ length: N_APPS }, (_, i) => ({
    ...structuredClone(template),
    id: appId(i),
    name: `shop-${i}`,
    identity:
      i % 3 === 2
        ? { type: "None" }
        : { ...identity, principalId: `f0e1d2c3-b4a5-4968-8778-${String(i).padStart(12, "0")}` },
  }));
  const { expect: _expect, ...rest } = base;
  return { ...rest, resources: [...resources.filter((r) => r !== template), ...apps] };
}

/** A person's deployment that failed to pull (what ARM raises), for one app. */
function deploymentFailure(i: number): ArmEvent {
  return armEvent({
    eventType: "ResourceWriteFailure",
    subject: appId(i),
    operationName: "Microsoft.App/containerApps/write",
    status: "Failed",
    method: "PATCH",
    url: `https://management.azure.com${appId(i)}?api-version=2025-07-01`,
    caller: DEVELOPER,
    tenantId: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
    time: new Date("2026-11-22T12:00:00Z"),
    evidence: null,
  });
}

function asCloudEvent(e: ArmEvent): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: e.id,
    source: e.topic,
    type: e.eventType,
    time: e.eventTime,
    subject: e.subject,
    data: e.data,
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Runs `work` over `items` with at most `limit` in flight (the host runs several invocations at once). */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

interface Delivery {
  event: unknown;
  own: boolean;
  outcome?: SignalOutcome;
  error?: unknown;
}

let azurite: RunningAzurite;
let handlers: Handlers;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  [azurite, handlers] = await Promise.all([startAzurite(), loadHandlers()]);
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await azurite?.stop();
});

async function deliver(delivery: Delivery): Promise<void> {
  try {
    delivery.outcome = await handlers.onResourceEvent(delivery.event as never, invocation("onResourceEvent"));
  } catch (error) {
    delivery.error = error;
  }
}

const writesBy = (host: Host) =>
  host.emulator.log.writes().filter((e) => (e.caller ?? "").toLowerCase() === host.principal.toLowerCase());

describe("storm: duplicated, reordered and self-caused events through onResourceEvent", () => {
  let host: Host;
  let sink: Sink;
  const deliveries: Delivery[] = [];

  beforeAll(async () => {
    sink = await startSink();
    host = await openHost(stormWorld(), {
      seed: SEED,
      azurite,
      extra: { PULLGUARD_NOTIFY_TEAMS_URL: `${sink.url}/teams` },
    });
    stops.push(
      () => sink.close(),
      () => host.close(),
    );
    // The events PullGuard's own writes raise come back through the bus: duplicated, held and reordered.
    host.emulator.events.setKnobs({ duplicate: 0.5, reorder: true, delayMs: 20 });
    host.emulator.events.subscribe(async (event) => {
      const d: Delivery = { event, own: true };
      deliveries.push(d);
      await deliver(d);
    });
    const random = seeded(SEED);
    const storm: Delivery[] = [];
    for (let i = 0; i < N_APPS; i++) {
      const event = deploymentFailure(i);
      for (let c = 0; c < COPIES; c++) {
        storm.push({ event: c % 2 === 0 ? event : asCloudEvent(event), own: false });
      }
    }
    const order = shuffle(storm, random);
    deliveries.push(...order);
    await pool(order, CONCURRENCY, (d) => deliver(d));
    await host.emulator.events.settle();
  });

  it("handles every delivery without an error; each app is fixed once and ends running", () => {
    const errors = deliveries.filter((d) => d.error);
    expect(errors.map((d) => String(d.error))).toEqual([]);
    const created = createdAssignments(host.emulator);
    const fixedOutcomes = new Map<string, number>();
    for (const d of deliveries) {
      if (d.outcome?.outcome !== "handled") continue;
      for (const a of d.outcome.apps) {
        if (a.action === "fixed")
          fixedOutcomes.set(a.appId.toLowerCase(), (fixedOutcomes.get(a.appId.toLowerCase()) ?? 0) + 1);
      }
    }
    const fixedCards = sink.received.filter((m) => /fixed|granted|enabled/i.test(m.body));
    const own = deliveries.filter((d) => d.own);
    console.log(
      `storm figures: events handled ${deliveries.length} (${deliveries.length - own.length} storm deliveries of ${N_APPS} apps x ${COPIES}, ${own.length} raised by PullGuard's own writes), ` +
        `writes made ${writesBy(host).length}, role assignments created ${[...created.values()].reduce((a, b) => a + b, 0)}, ` +
        `"fixed" outcomes ${[...fixedOutcomes.values()].reduce((a, b) => a + b, 0)}, notifications ${sink.received.length}, ` +
        `duplicates found ${duplicateAssignments(host.emulator).length}`,
    );
    expect(duplicateAssignments(host.emulator)).toEqual([]);
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    expect(created.size).toBe(N_APPS);
    for (let i = 0; i < N_APPS; i++) {
      const app = host.emulator.getResource(appId(i));
      const principal = String(app?.identity?.principalId ?? "").toLowerCase();
      expect(
        assignmentsIn(host.emulator).filter((a) => a.principalId === principal),
        `shop-${i}`,
      ).toHaveLength(1);
      const revision = host.emulator.getResource(
        `${appId(i)}/revisions/${String(app?.properties?.latestRevisionName)}`,
      );
      expect(revision?.properties?.runningState, `shop-${i} runs`).toBe("Running");
    }
    // One fix per app: one "fixed" outcome, one notification, and exactly the plan's writes once (grant + restart;
    // enable + grant + restart for the two apps without an identity).
    for (let i = 0; i < N_APPS; i++) {
      expect(fixedOutcomes.get(appId(i).toLowerCase()), `shop-${i} fixed once`).toBe(1);
      expect(
        sink.received.filter((m) => m.body.includes(`shop-${i}`)),
        `shop-${i} notified once`,
      ).toHaveLength(1);
    }
    expect(fixedCards).toHaveLength(N_APPS);
    expect(writesBy(host)).toHaveLength(4 * 2 + 2 * 3);
  });

  it("ignores every event PullGuard's own writes raised, as its own", () => {
    const own = deliveries.filter((d) => d.own);
    expect(own.length).toBeGreaterThanOrEqual(N_APPS * 2);
    for (const d of own) {
      const caller = String(
        ((d.event as ArmEvent).data.claims as Record<string, unknown>)[
          "http://schemas.microsoft.com/identity/claims/objectidentifier"
        ],
      );
      expect(caller.toLowerCase()).toBe(host.principal.toLowerCase());
      expect(d.outcome).toEqual({ outcome: "ignored", reason: expect.stringMatching(/PullGuard's own identity/) });
    }
  });

  it("even with the self filter off, PullGuard's own events re-delivered make no write (the fixes are idempotent)", async () => {
    const own = deliveries.filter((d) => d.own).map((d) => d.event);
    const before = writesBy(host).length;
    const saved = process.env.PULLGUARD_SELF_PRINCIPAL_ID;
    delete process.env.PULLGUARD_SELF_PRINCIPAL_ID;
    try {
      const again: Delivery[] = shuffle(own, seeded(SEED + 1)).map((event) => ({ event, own: true }));
      await pool(again, CONCURRENCY, (d) => deliver(d));
      expect(again.filter((d) => d.error).map((d) => String(d.error))).toEqual([]);
      const handled = again.filter((d) => d.outcome?.outcome === "handled");
      expect(handled.length).toBeGreaterThan(0);
      for (const d of handled) {
        if (d.outcome?.outcome !== "handled") continue;
        for (const a of d.outcome.apps) expect(a.writes, `${a.appId}: ${a.action}`).toBe(0);
      }
      console.log(
        `storm figures: ${again.length} own events re-delivered without the self filter, ${handled.length} looked at, writes made 0`,
      );
    } finally {
      process.env.PULLGUARD_SELF_PRINCIPAL_ID = saved;
    }
    await host.emulator.events.settle();
    expect(writesBy(host).length).toBe(before);
  });
});

describe("storm: concurrent handlers for the same app agree", () => {
  it("12 handlers at once (one instance and three separately composed instances): one role assignment", async () => {
    const world = stormWorld();
    const host = await openHost(world, { seed: SEED + 2, azurite });
    stops.push(() => host.close());
    const target = 2; // no identity yet: enable, then grant to the new principal, then restart
    const sameEvent = deploymentFailure(target);
    const deliveriesOne: Delivery[] = Array.from({ length: 6 }, (_, k) => ({
      event: k < 3 ? sameEvent : deploymentFailure(target),
      own: false,
    }));
    const settings = loadSettings(process.env);
    const instances = await Promise.all([0, 1, 2].map(() => composeFlow(settings)));
    const results = await Promise.allSettled([
      ...deliveriesOne.map((d) => deliver(d)),
      ...instances.flatMap((flow) =>
        [0, 1].map(() =>
          flow.handleArmEvent(deploymentFailure(target), { source: "event", invocationId: "instance" }, silentLogger),
        ),
      ),
    ]);
    const errors = [
      ...results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)),
      ...deliveriesOne.filter((d) => d.error).map((d) => String(d.error)),
    ];
    expect(errors).toEqual([]);
    const app = host.emulator.getResource(appId(target));
    const principal = String(app?.identity?.principalId ?? "").toLowerCase();
    const grants = assignmentsIn(host.emulator).filter((a) => a.principalId === principal);
    const created = createdAssignments(host.emulator);
    const enables = host.emulator.log
      .writes()
      .filter(
        (e) => e.method === "PATCH" && /containerApps\/shop-2$/i.test(e.path.split("?")[0] ?? "") && e.status < 300,
      );
    console.log(
      `storm figures: concurrent handlers 12, identity enables accepted ${enables.length}, role assignments for the app ${grants.length}, ` +
        `creating PUTs ${[...created.values()].reduce((a, b) => a + b, 0)}, duplicates found ${duplicateAssignments(host.emulator).length}`,
    );
    expect(grants).toHaveLength(1);
    expect([...created.values()]).toEqual([1]);
    expect(duplicateAssignments(host.emulator)).toEqual([]);
  });
});
