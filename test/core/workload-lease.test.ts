import { describe, expect, it } from "vitest";
import { decideLease, leaseExpired, leaseHeldMessage, leaseKeyOf } from "../../src/core/workload-lease.js";

const NOW = new Date("2026-11-22T12:00:00Z");
const APP =
  "/subscriptions/6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a/resourceGroups/rg/providers/Microsoft.App/containerApps/web";
const held = (expiresAt: string) => ({ holder: "host-b:42:0a0b0c0d", takenAt: "2026-11-22T11:55:00Z", expiresAt });

describe("lease per workload: the decision", () => {
  it("inserts when no row exists, with an expiry the given duration ahead", () => {
    expect(decideLease(null, "me", NOW, 15 * 60_000)).toEqual({
      action: "insert",
      row: { holder: "me", takenAt: "2026-11-22T12:00:00.000Z", expiresAt: "2026-11-22T12:15:00.000Z" },
    });
  });

  it("refuses while another holder's lease runs, naming it", () => {
    const current = held("2026-11-22T12:00:01Z");
    expect(decideLease(current, "me", NOW, 60_000)).toEqual({ action: "refuse", held: current });
  });

  it("takes over a lapsed lease (a crashed holder), the expiry instant included", () => {
    const current = held("2026-11-22T12:00:00Z");
    const decision = decideLease(current, "me", NOW, 60_000);
    expect(decision.action).toBe("take-over");
    expect(decision).toMatchObject({ previous: current, row: { holder: "me" } });
  });

  it("counts an unreadable expiry as lapsed", () => {
    expect(leaseExpired(held("soon"), NOW)).toBe(true);
    expect(leaseExpired(held("2026-11-22T12:00:00.001Z"), NOW)).toBe(false);
  });

  it("keys the row by a hash of the lower-cased app ID (no `/` in a Table key)", () => {
    expect(leaseKeyOf(APP)).toMatch(/^[0-9a-f]{64}$/);
    expect(leaseKeyOf(APP.toUpperCase())).toBe(leaseKeyOf(APP));
    expect(leaseKeyOf(`${APP}2`)).not.toBe(leaseKeyOf(APP));
  });

  it("says who holds it and since when", () => {
    expect(leaseHeldMessage(held("2026-11-22T12:10:00Z"))).toBe(
      "another PullGuard run holds this app's lease (host-b:42:0a0b0c0d, since 2026-11-22T11:55:00Z, until 2026-11-22T12:10:00Z): it is fixing the app, nothing was sent by this run",
    );
  });
});
