/**
 * The queue trigger `verifyFix`, called as the host calls it (the decoded message and an InvocationContext), against
 * the emulator and Azurite. A valid message finishes or re-schedules the verification; a malformed one is logged and
 * dropped (never thrown: the queue would retry it to the poison queue); a transient failure is thrown.
 */
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import {
  brokenOrdersWorld,
  cardText,
  type Host,
  invocation,
  ORDERS_API,
  readWorld,
  useFunctionHost,
} from "./harness.js";

const CHECKOUT_WEB =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg-checkout/providers/Microsoft.App/containerApps/checkout-web";

const harness = useFunctionHost();

function message(appId: string, overrides: Record<string, unknown> = {}) {
  return {
    appId,
    revision: null,
    attempt: 1,
    deadline: new Date(Date.now() + 30 * 60_000).toISOString(),
    trigger: { source: "event", eventId: "0d6f5a1e-7b2c-4e9a-8f31-5c4d2b1a0e97", correlationId: null, caller: null },
    auditIds: ["audit-1"],
    restartsDone: [],
    ...overrides,
  };
}

async function verify(input: unknown) {
  const { context, logs } = invocation("verifyFix");
  const outcome = await harness.handlers.verifyFix(input, context);
  return { outcome, logs };
}

async function auditRows(): Promise<Array<{ app: string; stepKind: string }>> {
  const table = TableClient.fromConnectionString(harness.storage.connectionString, "pullguardaudit", {
    allowInsecureConnection: true,
  });
  const rows: Array<{ app: string; stepKind: string }> = [];
  for await (const row of table.listEntities<{ app: string; stepKind: string }>()) {
    rows.push({ app: row.app, stepKind: row.stepKind });
  }
  return rows;
}

const queued = async (h: Host) => (await h.queue.getProperties()).approximateMessagesCount ?? 0;

describe("verifyFix: valid messages", () => {
  it("a fixed app: verified resolved, one follow-up notification, nothing written", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    const { outcome } = await verify(message(ORDERS_API));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "verified: resolved" }] });
    expect(host.writes()).toBe(0);
    expect(host.sink.received).toHaveLength(1);
    expect(cardText(host.sink.received[0] ?? {})).toMatch(/resolved|healthy|running/i);
    expect(await queued(host)).toBe(0);
  });

  const encodings: Array<[string, (m: unknown) => unknown]> = [
    ["plain JSON text", (m) => JSON.stringify(m)],
    ["base64 text (the queue's own encoding)", (m) => Buffer.from(JSON.stringify(m)).toString("base64")],
  ];
  for (const [name, encode] of encodings) {
    it(`accepts the message as ${name}`, async () => {
      await harness.open(readWorld("orders-api.world.json"));
      const { outcome } = await verify(encode(message(ORDERS_API)));
      expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: "verified: resolved" }] });
    });
  }

  it("the fix did not work (AcrPull still missing): final, unresolved, one follow-up notification, no write", async () => {
    const host = await harness.open(brokenOrdersWorld());
    const { outcome } = await verify(message(ORDERS_API));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: "verified: unresolved", writes: 0 }] });
    expect(host.writes()).toBe(0);
    expect(host.sink.received).toHaveLength(1);
    expect(await queued(host)).toBe(0);
  });

  it("a grant still propagating before the deadline: re-scheduled on the queue, no notification yet", async () => {
    const host = await harness.open(readWorld("role-assignment-propagating.json"));
    const { outcome } = await verify(message(CHECKOUT_WEB));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: "verification-rescheduled" }] });
    expect(host.sink.received).toHaveLength(0);
    expect(await queued(host)).toBe(1);
    expect(host.latestRevision(CHECKOUT_WEB).healthState).toBe("Unhealthy");
  });

  it("a grant still propagating at the deadline: final, one follow-up notification, nothing re-scheduled", async () => {
    const host = await harness.open(readWorld("role-assignment-propagating.json"));
    const { outcome } = await verify(message(CHECKOUT_WEB, { deadline: new Date(Date.now() - 1000).toISOString() }));
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: expect.stringMatching(/^verified: /) }] });
    expect(host.sink.received).toHaveLength(1);
    expect(await queued(host)).toBe(0);
    expect(host.writes()).toBe(0);
  });

  for (const [name, encode] of [["an object", (m: unknown) => m], ...encodings] as const) {
    it(`a grant that has propagated: the follow-up restarts the failed revision once (message as ${name})`, async () => {
      const host = await harness.open(readWorld("role-assignment-propagating.json"));
      host.emulator.clock.advance(10 * 60_000);
      const first = await verify(encode(message(CHECKOUT_WEB)));
      expect(first.outcome).toMatchObject({ outcome: "handled", apps: [{ action: "verification-rescheduled" }] });
      const restarts = host.emulator.log.writes().filter((w) => /\/restart/i.test(w.path));
      expect(restarts).toHaveLength(1);
      expect(restarts[0]?.path).toContain("/containerApps/checkout-web/revisions/");
      expect(host.latestRevision(CHECKOUT_WEB)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
      // The restart is audited under the app, whatever form the message came in.
      const audit = await auditRows();
      expect(audit.map((r) => [r.app, r.stepKind])).toEqual([[CHECKOUT_WEB, "restart-revision"]]);

      // The next look finds it resolved and writes nothing more.
      const writes = host.writes();
      const second = await verify(message(CHECKOUT_WEB, { attempt: 2 }));
      expect(second.outcome).toMatchObject({ apps: [{ action: "verified: resolved" }] });
      expect(host.writes()).toBe(writes);
    });
  }
});

describe("verifyFix: malformed messages are logged and dropped, not thrown", () => {
  const malformed: Array<[string, unknown]> = [
    ["text that is not JSON", "not json at all"],
    ["no appId", { ...message(ORDERS_API), appId: undefined }],
    ["an appId that is not a container app", message(ORDERS_API.replace("containerApps", "jobs"))],
    ["attempt 0", message(ORDERS_API, { attempt: 0 })],
    ["a deadline that is not a time", message(ORDERS_API, { deadline: "tomorrow" })],
    ["null", null],
    ["a number", 42],
  ];
  for (const [name, input] of malformed) {
    it(name, async () => {
      const host = await harness.open(brokenOrdersWorld());
      const { outcome, logs } = await verify(input);
      expect(outcome.outcome).toBe("rejected");
      expect(logs.some((l) => l.level === "warning" && /dropped a verification message/.test(l.text))).toBe(true);
      expect(host.emulator.log.count()).toBe(0);
      expect(host.sink.received).toHaveLength(0);
      expect(await queued(host)).toBe(0);
    });
  }
});

describe("verifyFix: transient failures", () => {
  it("throws on 503 so the queue delivers the message again", async () => {
    const host = await harness.open(readWorld("orders-api.world.json"));
    host.emulator.faults.add({ kind: "503", method: "GET", path: /\/containerApps\/orders-api$/i });
    await expect(verify(message(ORDERS_API))).rejects.toThrow(/503|ServiceUnavailable|injected/i);
    expect(host.sink.received).toHaveLength(0);
  });
});
