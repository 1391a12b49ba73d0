/**
 * Table and queue clients for PullGuard's own state (audit, change budget, notification fingerprints, the app index,
 * scheduled verifications, the lease per workload), from the same settings the Functions host uses for AzureWebJobsStorage: a connection
 * string locally (Azurite), the identity-based service URIs in Azure.
 */
import type { TokenCredential } from "@azure/core-auth";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import type { StorageSettings } from "../config.js";

export const TABLES = {
  audit: "pullguardaudit",
  budget: "pullguardbudget",
  notifications: "pullguardnotify",
  appIndex: "pullguardindex",
  leases: "pullguardlease",
} as const;

export const VERIFY_QUEUE = "pullguard-verify";

/**
 * Creates the table on first use, once per client (createTable answers success when it exists); a creation that
 * failed is tried again by the next use instead of failing every later call.
 */
export function tableCreator(table: TableClient): () => Promise<void> {
  let ready: Promise<void> | null = null;
  return () => {
    ready ??= table.createTable().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };
}

function isLocal(connectionString: string): boolean {
  return /UseDevelopmentStorage=true|127\.0\.0\.1|localhost/i.test(connectionString);
}

export function openTable(storage: StorageSettings, table: string, credential: TokenCredential): TableClient {
  if (storage.connectionString) {
    return TableClient.fromConnectionString(storage.connectionString, table, {
      allowInsecureConnection: isLocal(storage.connectionString),
    });
  }
  if (!storage.tableServiceUri) {
    throw new Error(
      "no table storage configured: set AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__tableServiceUri",
    );
  }
  return new TableClient(storage.tableServiceUri, table, credential);
}

export function openQueue(storage: StorageSettings, queue: string, credential: TokenCredential): QueueClient {
  if (storage.connectionString) return new QueueClient(storage.connectionString, queue);
  if (!storage.queueServiceUri) {
    throw new Error(
      "no queue storage configured: set AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__queueServiceUri",
    );
  }
  return new QueueClient(`${storage.queueServiceUri.replace(/\/$/, "")}/${queue}`, credential);
}
