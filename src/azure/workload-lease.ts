/**
 * The lease per workload in the function app's own storage (table `pullguardlease`, partition `app`, row = SHA-256 of
 * the app ID): one PullGuard actor per app across instances and CLI runs. Azure Table optimistic concurrency is the
 * primitive (no lock service of our own): Insert Entity fails with 409 when the row exists, and Update Entity with
 * `If-Match: <etag>` fails with 412 when another writer changed the row since it was read
 * (learn.microsoft.com/rest/api/storageservices/insert-entity, .../update-entity2; "Managing Concurrency in the Table
 * service": learn.microsoft.com/azure/storage/blobs/concurrency-manage#managing-concurrency-in-table-storage).
 * Release deletes the row with the ETag it wrote, so a holder whose lease lapsed and was taken over cannot delete the
 * new holder's row (Delete Entity answers 412).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { TokenCredential } from "@azure/core-auth";
import { RestError, type TableClient } from "@azure/data-tables";
import type { StorageSettings } from "../config.js";
import { DEFAULT_LEASE_MS, decideLease, type LeaseRow, leaseKeyOf } from "../core/workload-lease.js";
import { openTable, TABLES, tableCreator } from "./storage.js";

export type LeaseTake = { taken: true; release(): Promise<void> } | { taken: false; held: LeaseRow };

export interface WorkloadLease {
  /** Takes the app's lease, or answers who holds it. Never waits for it. */
  take(appId: string): Promise<LeaseTake>;
}

const PARTITION = "app";

/** This run's holder ID: host name, process ID and a random part (two runs in one process differ too). */
export function leaseHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export class LeaseContentionError extends Error {
  override name = "LeaseContentionError";
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

export interface TableLeaseOptions {
  now: () => Date;
  holder?: string;
  durationMs?: number;
  /** Read-decide-write rounds before giving up when other runs keep changing the row. */
  maxRounds?: number;
}

export function createTableWorkloadLease(table: TableClient, options: TableLeaseOptions): WorkloadLease {
  const durationMs = options.durationMs ?? DEFAULT_LEASE_MS;
  const maxRounds = options.maxRounds ?? 5;
  const ensureTable = tableCreator(table);
  const read = async (rowKey: string): Promise<(LeaseRow & { etag: string }) | null> => {
    try {
      const e = await table.getEntity<LeaseRow>(PARTITION, rowKey);
      return { holder: String(e.holder), takenAt: String(e.takenAt), expiresAt: String(e.expiresAt), etag: e.etag };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  };
  const releaser = (rowKey: string, etag: string) => async () => {
    try {
      await table.deleteEntity(PARTITION, rowKey, { etag });
    } catch (error) {
      // 404/412: the lease lapsed and was taken over (or already removed); the row is no longer ours to delete.
      // Anything else leaves the row to expire, which is what a crashed holder does too.
      void error;
    }
  };
  return {
    async take(appId) {
      await ensureTable();
      const holder = options.holder ?? leaseHolderId();
      const rowKey = leaseKeyOf(appId);
      for (let round = 0; round < maxRounds; round++) {
        const current = await read(rowKey);
        const decision = decideLease(current, holder, options.now(), durationMs);
        if (decision.action === "refuse") {
          const { holder: by, takenAt, expiresAt } = decision.held;
          return { taken: false, held: { holder: by, takenAt, expiresAt } };
        }
        const entity = { partitionKey: PARTITION, rowKey, ...decision.row };
        try {
          const written =
            decision.action === "insert" || !current
              ? await table.createEntity(entity)
              : await table.updateEntity(entity, "Replace", { etag: current.etag });
          if (!written.etag) throw new Error(`the lease write for ${appId} answered without an ETag`);
          return { taken: true, release: releaser(rowKey, written.etag) };
        } catch (error) {
          const status = statusOf(error);
          // 409: another run inserted the row first; 412: another run took over first. Read and decide again.
          if (status !== 409 && status !== 412) throw error;
        }
      }
      throw new LeaseContentionError(
        `the lease of ${appId} kept changing for ${maxRounds} rounds; nothing was sent, run the fix again`,
      );
    },
  };
}

/** The lease table of the configured storage (Azurite locally, the function app's storage account in Azure). */
export function openWorkloadLease(
  storage: StorageSettings,
  credential: TokenCredential,
  options: Omit<TableLeaseOptions, "holder">,
): WorkloadLease {
  return createTableWorkloadLease(openTable(storage, TABLES.leases, credential), options);
}
