/** The audit log, the change budget and the verification queue against Azurite (real Table and Queue services). */
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditPartition, createTableAuditLog } from "../../src/azure/audit-log.js";
import { budgetWindow, createTableChangeBudget } from "../../src/azure/change-budget.js";
import { createQueueVerificationScheduler } from "../../src/azure/verification-queue.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { parseVerificationMessage, type VerificationMessage } from "../../src/core/verification-message.js";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const table = (name: string) =>
  TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
const APP =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg/providers/Microsoft.App/containerApps/web";
const step: PlanStep = {
  kind: "enable-system-identity",
  target: APP,
  reason: "system-identity-disabled",
  decision: "apply",
};

describe("audit log (Table Storage)", () => {
  it("records every field and lists an app's entries oldest first", async () => {
    const audit = createTableAuditLog(table("auditprobe"));
    const trigger = { source: "cli", caller: "alice@contoso.com" };
    const first = await audit.record({
      appId: APP,
      step,
      before: { type: "None" },
      after: { type: "SystemAssigned", principalId: "p" },
      trigger,
      time: new Date("2026-11-22T12:00:00.000Z"),
      outcome: "done",
      request: { method: "PATCH", url: `https://arm${APP}?api-version=2025-07-01` },
    });
    const second = await audit.record({
      appId: APP.toUpperCase(),
      step,
      before: null,
      after: "token Bearer abc.def.ghi",
      trigger,
      time: new Date("2026-11-22T12:00:01.000Z"),
      outcome: "failed",
      error: "boom",
    });
    expect(first < second).toBe(true);
    const rows = await audit.list(APP);
    expect(rows.map((r) => r.id)).toEqual([first, second]);
    expect(rows[0]).toMatchObject({
      appId: APP,
      stepKind: "enable-system-identity",
      target: APP,
      reason: "system-identity-disabled",
      before: { type: "None" },
      after: { type: "SystemAssigned", principalId: "p" },
      trigger,
      time: "2026-11-22T12:00:00.000Z",
      outcome: "done",
      error: null,
      request: { method: "PATCH" },
    });
    expect(rows[1]).toMatchObject({ outcome: "failed", error: "boom", after: "token Bearer [redacted]" });
    const raw = await table("auditprobe").getEntity(auditPartition(APP), first);
    expect(raw.partitionKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("write-ahead: an intended row is settled in place, keeping every field it had", async () => {
    const audit = createTableAuditLog(table("auditsettle"));
    const trigger = { source: "cli", caller: "alice@contoso.com" };
    const id = await audit.record({
      appId: APP,
      step,
      before: { type: "None" },
      after: { identity: { type: "SystemAssigned" } },
      trigger,
      time: new Date("2026-11-22T12:00:00.000Z"),
      outcome: "intended",
      request: { method: "PATCH", url: `https://arm${APP}?api-version=2025-07-01` },
    });
    expect((await audit.list(APP)).map((r) => [r.outcome, r.settledAt])).toEqual([["intended", null]]);
    await audit.settle(APP, id, {
      outcome: "unknown",
      after: null,
      error: "outcome unknown: no answer",
      time: new Date("2026-11-22T12:00:02.000Z"),
    });
    const rows = await audit.list(APP);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      stepKind: "enable-system-identity",
      before: { type: "None" },
      after: null,
      trigger,
      time: "2026-11-22T12:00:00.000Z",
      outcome: "unknown",
      error: "outcome unknown: no answer",
      request: { method: "PATCH" },
      settledAt: "2026-11-22T12:00:02.000Z",
    });
  });
});

describe("change budget (Table Storage)", () => {
  it("never exceeds the cap, even with concurrent instances", async () => {
    const budgets = Array.from({ length: 4 }, () => createTableChangeBudget(table("budgetprobe"), 5));
    const now = new Date("2026-11-22T12:30:00Z");
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => budgets[i % 4]?.tryConsume(now)));
    expect(results.filter(Boolean).length).toBe(5);
    expect(await budgets[0]?.remaining(now)).toBe(0);
    const row = await table("budgetprobe").getEntity<{ count: number }>("hour", budgetWindow(now));
    expect(row.count).toBe(5);
  });

  it("starts again in the next hour, and a cap of 0 allows nothing", async () => {
    const budget = createTableChangeBudget(table("budgetprobe2"), 1);
    expect(await budget.tryConsume(new Date("2026-11-22T12:59:59Z"))).toBe(true);
    expect(await budget.tryConsume(new Date("2026-11-22T12:59:59Z"))).toBe(false);
    expect(await budget.tryConsume(new Date("2026-11-22T13:00:00Z"))).toBe(true);
    expect(await createTableChangeBudget(table("budgetprobe2"), 0).tryConsume(new Date())).toBe(false);
  });

  it("a refund gives back a unit of the hour it was charged in, concurrently too, never below 0", async () => {
    const budgets = Array.from({ length: 3 }, () => createTableChangeBudget(table("budgetprobe3"), 4));
    const charged = new Date("2026-11-22T12:59:59Z");
    for (const budget of budgets) expect(await budget.tryConsume(charged)).toBe(true);
    await Promise.all(budgets.map((b) => b.refund(charged)));
    expect(await budgets[0]?.remaining(charged)).toBe(4);
    await budgets[0]?.refund(charged);
    const row = await table("budgetprobe3").getEntity<{ count: number }>("hour", budgetWindow(charged));
    expect(row.count).toBe(0);
  });
});

/** Polls the queue until a message is visible or `timeoutMs` has passed; undefined when none came. */
async function firstVisibleMessage(queue: QueueClient, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [item] = (await queue.receiveMessages()).receivedMessageItems;
    if (item || Date.now() > deadline) return item;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("verification queue", () => {
  it("sends base64 JSON that stays invisible for the delay", async () => {
    const queue = new QueueClient(azurite.connectionString, "verifyprobe");
    const scheduler = createQueueVerificationScheduler(queue);
    const message: VerificationMessage = {
      appId: APP,
      revision: "web--r1",
      attempt: 1,
      deadline: "2026-11-22T12:30:00.000Z",
      trigger: { source: "event", eventId: "e-1" },
      auditIds: ["a1"],
      restartsDone: [],
    };
    await scheduler.schedule(message, 2);
    expect((await queue.receiveMessages()).receivedMessageItems).toHaveLength(0);
    // Azurite keeps the message invisible for 2 s of real time: poll until it shows up (bounded), do not sleep.
    const item = await firstVisibleMessage(queue, 15_000);
    expect(item).toBeDefined();
    const decoded = JSON.parse(Buffer.from(item?.messageText ?? "", "base64").toString("utf8")) as unknown;
    expect(decoded).toEqual(message);
    expect(parseVerificationMessage(item?.messageText)).toEqual({ ok: true, message });
  });
});
