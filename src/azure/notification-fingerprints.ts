/**
 * The notification dedupe store in Azure Table Storage (table `pullguardnotify`): one row per app holding the last
 * notified fingerprint and when it was claimed. Claims are optimistic-concurrency writes (insert fails with 409 when
 * the row appeared meanwhile; replace is conditional on the ETag read and fails with 412 when another instance wrote
 * first), so instances racing on the same state agree on exactly one winner.
 */

import { createHash } from "node:crypto";
import { RestError, type TableClient } from "@azure/data-tables";
import type { FingerprintStore } from "../notify/fingerprint.js";
import { tableCreator } from "./storage.js";

const PARTITION = "app";

interface FingerprintRow {
  partitionKey: string;
  rowKey: string;
  /** The dedupe key (the app ID, lower-cased), kept for people reading the table. */
  key: string;
  fingerprint: string;
  /** ISO 8601. */
  claimedAt: string;
}

/** Row keys may not contain / \ # ? and resource IDs do: the row key is the key's SHA-256. */
function rowKeyOf(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

export interface TableFingerprintStoreOptions {
  /** How many read-decide-write rounds a claim tries when other instances keep winning. */
  maxRounds?: number;
}

export function createTableFingerprintStore(
  table: TableClient,
  options: TableFingerprintStoreOptions = {},
): FingerprintStore {
  const maxRounds = options.maxRounds ?? 5;
  const ensureTable = tableCreator(table);

  const read = async (rowKey: string): Promise<(FingerprintRow & { etag: string }) | null> => {
    try {
      return await table.getEntity<FingerprintRow>(PARTITION, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  };

  return {
    async claim(key, fingerprint, cooldownMs, now) {
      await ensureTable();
      const rowKey = rowKeyOf(key);
      const row: FingerprintRow = { partitionKey: PARTITION, rowKey, key, fingerprint, claimedAt: now.toISOString() };
      for (let round = 0; round < maxRounds; round++) {
        const existing = await read(rowKey);
        if (existing && existing.fingerprint === fingerprint) {
          const claimedAt = Date.parse(existing.claimedAt);
          if (!Number.isNaN(claimedAt) && now.getTime() - claimedAt < cooldownMs) return false;
        }
        try {
          if (existing) await table.updateEntity(row, "Replace", { etag: existing.etag });
          else await table.createEntity(row);
          return true;
        } catch (error) {
          const status = statusOf(error);
          // 409: another instance inserted first; 412: another instance replaced first. Read again and decide.
          if (status !== 409 && status !== 412) throw error;
        }
      }
      // Other instances won every round: they hold the latest state, so this one stays quiet.
      return false;
    },
  };
}
