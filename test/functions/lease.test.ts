/**
 * The function app under the lease per workload, through the real composition (composeFlow with the host's settings)
 * against the emulator and Azurite: an event for an app whose lease another instance holds is answered `skipped`
 * naming the holder, with no write and no notification; once that lease has expired (a crashed holder), the next
 * event takes it over, fixes the app and releases it.
 */
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { composeFlow } from "../../src/app/runtime.js";
import { loadSettings } from "../../src/config.js";
import { leaseKeyOf } from "../../src/core/workload-lease.js";
import { createLogger } from "../../src/shared/logger.js";
import { brokenOrdersWorld, byDeveloper, ORDERS_API, readFixture, useFunctionHost } from "./harness.js";

const harness = useFunctionHost();
const MINUTE = 60_000;

describe("function app: the lease per workload", () => {
  it("another instance's lease: skipped naming it, nothing written; expired: taken over, fixed, released", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const leases = TableClient.fromConnectionString(harness.storage.connectionString, "pullguardlease", {
      allowInsecureConnection: true,
    });
    await leases.createTable();
    const takenAt = new Date(Date.now() - MINUTE).toISOString();
    const row = { partitionKey: "app", rowKey: leaseKeyOf(ORDERS_API), holder: "instance-b:7:0a0b0c0d", takenAt };
    await leases.createEntity({ ...row, expiresAt: new Date(Date.now() + 10 * MINUTE).toISOString() });
    const event = byDeveloper(
      readFixture<{ id: string; data: { correlationId: string } }>("events/arm-write-failure.eventgrid.json"),
    );
    const log = createLogger(() => undefined);

    const first = await composeFlow(loadSettings(process.env));
    const refused = await first.handleArmEvent(event, { source: "event", eventId: event.id }, log);
    expect(refused).toEqual({
      outcome: "handled",
      apps: [
        {
          appId: ORDERS_API,
          verdict: "broken",
          action: `skipped: another PullGuard run holds this app's lease (instance-b:7:0a0b0c0d since ${takenAt})`,
          writes: 0,
        },
      ],
    });
    expect(host.writes()).toBe(0);
    expect(host.sink.received).toEqual([]);

    // The holder crashed: its lease has expired. The next event takes it over, fixes, and releases it.
    await leases.updateEntity({ ...row, expiresAt: new Date(Date.now() - 1).toISOString() }, "Replace");
    const second = await composeFlow(loadSettings(process.env));
    const fixed = await second.handleArmEvent(event, { source: "event", eventId: `${event.id}-2` }, log);
    expect(fixed).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
    expect(host.roleAssignmentsCreated()).toBe(1);
    const left: unknown[] = [];
    for await (const entity of leases.listEntities()) left.push(entity);
    expect(left).toEqual([]);
  });
});
