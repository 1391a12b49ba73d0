/**
 * Dedupe across instances: two (and more) fingerprint stores, each with its own TableClient, share one Azurite started
 * from its npm package. Racing claims of one state have exactly one winner; the cooldown ends the suppression.
 */
import { TableClient } from "@azure/data-tables";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTableFingerprintStore } from "../../src/azure/notification-fingerprints.js";
import { TABLES } from "../../src/azure/storage.js";
import type { FingerprintStore } from "../../src/notify/fingerprint.js";
import { sendNotifications } from "../../src/notify/sender.js";
import { createLogger } from "../../src/shared/logger.js";
import { type RunningAzurite, startAzurite } from "../../tools/dev/azurite.js";
import { type HttpSink, startSink } from "../../tools/dev/http-sink.js";
import { brokenDiagnosis, fixedNotification } from "./fixtures.js";

let azurite: RunningAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

/** A fresh store as a separate function-app instance would have it: its own client, same storage account. */
function instance(table: string = TABLES.notifications): FingerprintStore {
  const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  return createTableFingerprintStore(client);
}

const HOUR = 60 * 60_000;
const t0 = new Date("2026-11-22T10:00:00Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

describe("Table Storage fingerprint store on Azurite", () => {
  it("lets exactly one of two instances win a concurrent claim, then honours the cooldown", async () => {
    const [a, b] = [instance(), instance()];
    const key = "/subscriptions/x/resourcegroups/rg-shop/providers/microsoft.app/containerapps/orders-api";

    const race = await Promise.all([a.claim(key, "f1", HOUR, t0), b.claim(key, "f1", HOUR, t0)]);
    expect(race.filter(Boolean)).toHaveLength(1);

    expect(await a.claim(key, "f1", HOUR, later(HOUR - 1))).toBe(false);
    expect(await b.claim(key, "f1", HOUR, later(HOUR - 1))).toBe(false);
    expect(await b.claim(key, "f1", HOUR, later(HOUR + 1))).toBe(true);
    expect(await a.claim(key, "f1", HOUR, later(HOUR + 2))).toBe(false);
  });

  it("lets a state change through inside the cooldown, once", async () => {
    const [a, b] = [instance(), instance()];
    const key = "app-state-change";
    expect(await a.claim(key, "broken", HOUR, t0)).toBe(true);
    const race = await Promise.all([a.claim(key, "fixed", HOUR, later(1)), b.claim(key, "fixed", HOUR, later(1))]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await b.claim(key, "broken", HOUR, later(2))).toBe(true);
  });

  it("has one winner per app when many instances race on many apps", async () => {
    const stores = [instance(), instance(), instance(), instance()];
    const keys = Array.from({ length: 8 }, (_, i) => `app-${i}`);
    const results = await Promise.all(
      keys.map(
        async (key) => (await Promise.all(stores.map((s) => s.claim(key, "f", HOUR, t0)))).filter(Boolean).length,
      ),
    );
    expect(results).toEqual(keys.map(() => 1));
  });

  it("creates its table on first use", async () => {
    const store = instance("pullguardnotifyfresh");
    expect(await store.claim("k", "f", HOUR, t0)).toBe(true);
    expect(await instance("pullguardnotifyfresh").claim("k", "f", HOUR, t0)).toBe(false);
  });

  describe("through the sender", () => {
    let sink: HttpSink;
    afterEach(async () => {
      await sink?.close();
    });

    it("delivers one message when two instances notify the same state at once", async () => {
      sink = await startSink([{ status: 202 }]);
      const channels = [{ kind: "teams" as const, url: sink.url("/teams") }];
      const deps = (store: FingerprintStore) => ({
        store,
        now: () => new Date(),
        sleep: async () => undefined,
        log: createLogger(() => undefined),
      });
      const input = { ...brokenDiagnosis, appId: `${brokenDiagnosis.appId}-sender-race` };
      const reports = await Promise.all([
        sendNotifications(input, channels, deps(instance())),
        sendNotifications(input, channels, deps(instance())),
      ]);
      expect(reports.map((r) => r.suppressed).sort()).toEqual([false, true]);
      expect(sink.received).toHaveLength(1);

      const followUp = { ...fixedNotification, appId: input.appId };
      expect((await sendNotifications(followUp, channels, deps(instance()))).suppressed).toBe(false);
      expect(sink.received).toHaveLength(2);
    });
  });
});
