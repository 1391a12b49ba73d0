import { describe, expect, it } from "vitest";
import { createMemoryFingerprintStore, fingerprintKey, notificationFingerprint } from "../../src/notify/fingerprint.js";
import { brokenDiagnosis, fixedNotification, resolvedNotification, unresolvedNotification } from "./fixtures.js";

describe("notification fingerprint", () => {
  it("is stable: finding order, evidence, time and trigger do not change it", () => {
    const shuffled = {
      ...brokenDiagnosis,
      findings: [...brokenDiagnosis.findings].reverse().map((f) => ({ ...f, evidence: [] })),
      at: "2030-01-01T00:00:00Z",
      trigger: { source: "sweep" as const },
    };
    expect(notificationFingerprint(shuffled)).toBe(notificationFingerprint(brokenDiagnosis));
    expect(notificationFingerprint(brokenDiagnosis)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes with the app, the codes and the outcome", () => {
    const base = notificationFingerprint(brokenDiagnosis);
    const others = [
      { ...brokenDiagnosis, appId: `${brokenDiagnosis.appId}-2` },
      { ...brokenDiagnosis, findings: brokenDiagnosis.findings.slice(1) },
      { ...brokenDiagnosis, verdict: "degraded" as const },
      fixedNotification,
      resolvedNotification,
      unresolvedNotification,
    ].map(notificationFingerprint);
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it("treats resource IDs case-insensitively", () => {
    const upper = { ...brokenDiagnosis, appId: brokenDiagnosis.appId.toUpperCase() };
    expect(notificationFingerprint(upper)).toBe(notificationFingerprint(brokenDiagnosis));
    expect(fingerprintKey(upper)).toBe(fingerprintKey(brokenDiagnosis));
  });
});

describe("memory fingerprint store", () => {
  it("suppresses a repeat inside the cooldown, not a change, not after the cooldown", async () => {
    const store = createMemoryFingerprintStore();
    const t0 = new Date("2026-11-22T10:00:00Z");
    const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    expect(await store.claim("app", "a", 60 * 60_000, t0)).toBe(true);
    expect(await store.claim("app", "a", 60 * 60_000, later(59))).toBe(false);
    expect(await store.claim("app", "b", 60 * 60_000, later(59))).toBe(true);
    expect(await store.claim("app", "b", 60 * 60_000, later(120))).toBe(true);
    expect(await store.claim("other", "b", 60 * 60_000, later(120))).toBe(true);
  });
});
