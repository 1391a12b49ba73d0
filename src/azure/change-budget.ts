/**
 * The change budget: at most `maxChangesPerHour` writes per clock hour across every PullGuard instance, counted in
 * Azure Table Storage (table `pullguardbudget`, one row per hour window, e.g. row `2026-11-22T12`).
 *
 * Each consumption is an optimistic-concurrency write: insert (409 when another instance created the row first) or
 * replace conditional on the ETag read (412 when another instance counted first); on either conflict the instance
 * reads again and decides again, so concurrent instances never count past the cap.
 *
 * Charged once per real change: a unit is taken before the write is sent (so two instances racing for the last unit
 * can never both send: charging after the outcome would let both through) and given back (`refund`, the same
 * ETag-conditional round) when ARM shows the write changed nothing (`already-in-place`). A refund only lowers the
 * count, so the cap still holds across instances.
 */
import type { TokenCredential } from "@azure/core-auth";
import { RestError, type TableClient } from "@azure/data-tables";
import type { StorageSettings } from "../config.js";
import { openTable, TABLES, tableCreator } from "./storage.js";

export interface ChangeBudget {
  /** Takes one change from the current hour's budget; false when it is exhausted. */
  tryConsume(now: Date): Promise<boolean>;
  /** Changes left in the current hour. */
  remaining(now: Date): Promise<number>;
  /** Gives back a unit taken at `chargedAt` (its hour window) for a write that changed nothing. */
  refund(chargedAt: Date): Promise<void>;
}

const PARTITION = "hour";

/** The hour window a time falls in (UTC), e.g. "2026-11-22T12". */
export function budgetWindow(now: Date): string {
  return now.toISOString().slice(0, 13);
}

interface BudgetRow {
  partitionKey: string;
  rowKey: string;
  count: number;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

export interface TableChangeBudgetOptions {
  /** Read-decide-write rounds before giving up when other instances keep winning. */
  maxRounds?: number;
}

export class BudgetContentionError extends Error {
  override name = "BudgetContentionError";
}

export function createTableChangeBudget(
  table: TableClient,
  maxChangesPerHour: number,
  options: TableChangeBudgetOptions = {},
): ChangeBudget {
  const maxRounds = options.maxRounds ?? 50;
  const ensureTable = tableCreator(table);
  const read = async (rowKey: string): Promise<(BudgetRow & { etag: string }) | null> => {
    try {
      return await table.getEntity<BudgetRow>(PARTITION, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  };
  return {
    async tryConsume(now) {
      if (maxChangesPerHour <= 0) return false;
      await ensureTable();
      const rowKey = budgetWindow(now);
      for (let round = 0; round < maxRounds; round++) {
        const row = await read(rowKey);
        const count = row ? Number(row.count) : 0;
        if (count >= maxChangesPerHour) return false;
        try {
          if (row) {
            await table.updateEntity({ partitionKey: PARTITION, rowKey, count: count + 1 }, "Replace", {
              etag: row.etag,
            });
          } else {
            await table.createEntity({ partitionKey: PARTITION, rowKey, count: 1 });
          }
          return true;
        } catch (error) {
          const status = statusOf(error);
          // 409: another instance created the row first; 412: another instance counted first. Decide again.
          if (status !== 409 && status !== 412) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * (round + 1))));
        }
      }
      throw new BudgetContentionError(
        `the change budget row ${rowKey} stayed contended for ${maxRounds} rounds; no change was made, try again`,
      );
    },
    async refund(chargedAt) {
      await ensureTable();
      const rowKey = budgetWindow(chargedAt);
      for (let round = 0; round < maxRounds; round++) {
        const row = await read(rowKey);
        const count = row ? Number(row.count) : 0;
        if (!row || count <= 0) return;
        try {
          await table.updateEntity({ partitionKey: PARTITION, rowKey, count: count - 1 }, "Replace", {
            etag: row.etag,
          });
          return;
        } catch (error) {
          // 412: another instance counted first. Read and decide again.
          if (statusOf(error) !== 412) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20 * (round + 1))));
        }
      }
      throw new BudgetContentionError(
        `the change budget row ${rowKey} stayed contended for ${maxRounds} rounds; a unit was not given back (the hour's budget is one lower)`,
      );
    },
    async remaining(now) {
      await ensureTable();
      const row = await read(budgetWindow(now));
      return Math.max(0, maxChangesPerHour - (row ? Number(row.count) : 0));
    },
  };
}

/** The budget in the `pullguardbudget` table of the configured storage (Azurite locally). */
export function openChangeBudget(
  storage: StorageSettings,
  credential: TokenCredential,
  maxChangesPerHour: number,
): ChangeBudget {
  return createTableChangeBudget(openTable(storage, TABLES.budget, credential), maxChangesPerHour);
}

/** A budget for one process (a CLI run without storage, unit tests). */
export function createMemoryChangeBudget(maxChangesPerHour: number): ChangeBudget {
  const counts = new Map<string, number>();
  return {
    async tryConsume(now) {
      const key = budgetWindow(now);
      const count = counts.get(key) ?? 0;
      if (count >= maxChangesPerHour) return false;
      counts.set(key, count + 1);
      return true;
    },
    async refund(chargedAt) {
      const key = budgetWindow(chargedAt);
      const count = counts.get(key) ?? 0;
      if (count > 0) counts.set(key, count - 1);
    },
    async remaining(now) {
      return Math.max(0, maxChangesPerHour - (counts.get(budgetWindow(now)) ?? 0));
    },
  };
}
