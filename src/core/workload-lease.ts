/**
 * The lease per workload (one actor per app across every PullGuard instance and CLI run): what a run may do with the
 * lease row it read. Pure: the caller reads the row, asks here, then writes conditionally (insert-if-absent, or
 * replace-if-ETag-matches), so two runs that decide "take" at the same time cannot both win the write.
 *
 *   decideLease(null, me, now)                          → { action: "insert" }
 *   decideLease({ holder: "b", expiresAt: past }, me)   → { action: "take-over", previous: ... }
 *   decideLease({ holder: "b", expiresAt: future }, me) → { action: "refuse", held: ... }
 */
import { createHash } from "node:crypto";

/** A lease outlives any one invocation (the Functions timeout, the CLI's verification wait) before another may take it. */
export const DEFAULT_LEASE_MS = 15 * 60_000;

export interface LeaseRow {
  /** Who holds it: host name, process ID and a random part (one run). */
  holder: string;
  /** When the holder took it (ISO). */
  takenAt: string;
  /** When it lapses if the holder never releases it (ISO): a crashed holder is taken over after this. */
  expiresAt: string;
}

export type LeaseDecision =
  | { action: "insert"; row: LeaseRow }
  | { action: "take-over"; row: LeaseRow; previous: LeaseRow }
  | { action: "refuse"; held: LeaseRow };

/** The row key of an app's lease: a SHA-256 of the lower-cased ID (ARM IDs hold `/`, which Table keys forbid). */
export function leaseKeyOf(appId: string): string {
  return createHash("sha256").update(appId.toLowerCase(), "utf8").digest("hex");
}

/** True once the lease has lapsed at `now` (an unreadable expiry counts as lapsed: nobody can prove they hold it). */
export function leaseExpired(row: LeaseRow, now: Date): boolean {
  const expires = Date.parse(row.expiresAt);
  return Number.isNaN(expires) || expires <= now.getTime();
}

export function decideLease(current: LeaseRow | null, holder: string, now: Date, durationMs: number): LeaseDecision {
  const row: LeaseRow = {
    holder,
    takenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + durationMs).toISOString(),
  };
  if (!current) return { action: "insert", row };
  if (leaseExpired(current, now)) return { action: "take-over", row, previous: current };
  return { action: "refuse", held: current };
}

/** The one line a run that could not take the lease reports. */
export function leaseHeldMessage(held: LeaseRow): string {
  return `another PullGuard run holds this app's lease (${held.holder}, since ${held.takenAt}, until ${held.expiresAt}): it is fixing the app, nothing was sent by this run`;
}
