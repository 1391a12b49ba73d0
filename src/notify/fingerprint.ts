/**
 * No noise: one message per app per state change. The state is the fingerprint of (app, finding codes, outcome); a
 * message whose fingerprint equals the app's last one inside the cooldown is suppressed. The last fingerprint lives
 * in a FingerprintStore shared by every instance (Azure Table Storage: src/azure/notification-fingerprints.ts).
 */
import { createHash } from "node:crypto";
import { findingCodes, type NotificationInput } from "./message.js";

export interface FingerprintStore {
  /**
   * Records `fingerprint` as the latest state of `key` and returns true when the caller should send: no earlier
   * record, a different fingerprint, or the same one older than `cooldownMs`. Returns false for a repeat inside the
   * cooldown. Atomic across instances: of concurrent claims of the same state, exactly one returns true.
   */
  claim(key: string, fingerprint: string, cooldownMs: number, now: Date): Promise<boolean>;
}

/** The outcome part of the state: the kind, plus the verdict for a diagnosis (broken and degraded differ). */
export function notificationOutcome(input: NotificationInput): string {
  return input.kind === "diagnosis" ? `diagnosis:${input.verdict}` : input.kind;
}

/** The dedupe key: one per app (resource IDs compare case-insensitively). */
export function fingerprintKey(input: NotificationInput): string {
  return input.appId.toLowerCase();
}

/** A stable hash of (app, sorted finding codes, outcome): 64 hex digits. */
export function notificationFingerprint(input: NotificationInput): string {
  const state = JSON.stringify([fingerprintKey(input), findingCodes(input), notificationOutcome(input)]);
  return createHash("sha256").update(state, "utf8").digest("hex");
}

/** A store for one process (the CLI and tests). Not shared across instances. */
export function createMemoryFingerprintStore(): FingerprintStore {
  const latest = new Map<string, { fingerprint: string; claimedAt: number }>();
  return {
    claim: async (key, fingerprint, cooldownMs, now) => {
      const previous = latest.get(key);
      if (previous && previous.fingerprint === fingerprint && now.getTime() - previous.claimedAt < cooldownMs) {
        return false;
      }
      latest.set(key, { fingerprint, claimedAt: now.getTime() });
      return true;
    },
  };
}
