/**
 * The audit trail of every change PullGuard applied (or tried to), in Azure Table Storage (table `pullguardaudit`).
 *
 * Partition: the SHA-256 of the lower-cased app ID (row and partition keys may not hold `/`), so one app's history is
 * one partition. Row: a time-ordered ID (`20261122T120000123Z-1a2b3c4d`), so a partition reads oldest first.
 * Each row holds the app, the step, the target, the state before and after (JSON, redacted), the finding code that
 * asked for it, the trigger (event ID, HTTP caller or CLI user), the time and the outcome.
 *
 * Write-ahead: before each write the row is stored with outcome `intended` (and the request), and once the write's
 * answer (or, after a lost reply, a re-read) tells, `settle` sets its outcome (`done`, `already-in-place`, `failed`,
 * `unknown`), `after`, `error` and `settledAt`. A row still `intended` is a write whose invocation ended before it
 * knew the outcome: the next apply of that app re-reads ARM and settles it (applyPlan's settleLeftovers).
 */
import { createHash, randomBytes } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import type { TableClient } from "@azure/data-tables";
import type { StorageSettings } from "../config.js";
import type { PlanStep } from "../core/plan-step.js";
import { redactDeep } from "../core/redact.js";
import { openTable, TABLES, tableCreator } from "./storage.js";

/** Who or what started the change (structurally the app layer's Trigger). */
export interface ChangeTrigger {
  source: string;
  eventId?: string | null;
  correlationId?: string | null;
  caller?: string | null;
  invocationId?: string | null;
}

/** How a step ended, as `fix --json` reports it (spec/cli.md). */
export type ChangeOutcome = "done" | "already-in-place" | "failed";

/**
 * An audit row's outcome: a step's outcome, `intended` while its write is on its way, or `unknown` when the reply
 * was lost and the re-read could not tell whether the write took effect (it is never sent twice).
 */
export type AuditOutcome = ChangeOutcome | "intended" | "unknown";

/** What `settle` sets on an `intended` row. */
export interface AuditSettlement {
  outcome: Exclude<AuditOutcome, "intended">;
  after: unknown;
  error?: string;
  time: Date;
}

export interface AuditEntry {
  appId: string;
  step: PlanStep;
  before: unknown;
  after: unknown;
  trigger: ChangeTrigger;
  time: Date;
  outcome: AuditOutcome;
  error?: string;
  /** The write that was sent (method and URL; the body is `after`). */
  request?: { method: string; url: string } | null;
}

export interface AuditRecord {
  id: string;
  appId: string;
  stepKind: string;
  target: string;
  reason: string;
  before: unknown;
  after: unknown;
  trigger: ChangeTrigger;
  time: string;
  outcome: AuditOutcome;
  error: string | null;
  step: PlanStep;
  request: { method: string; url: string } | null;
  /** When the outcome of an `intended` row was set (null: written once, or not settled yet). */
  settledAt: string | null;
}

export interface AuditLog {
  /** Stores one entry and returns its audit ID. */
  record(entry: AuditEntry): Promise<string>;
  /** Sets the outcome of the `intended` row `id` of `appId`. */
  settle(appId: string, id: string, settlement: AuditSettlement): Promise<void>;
  /** An app's entries, oldest first. */
  list(appId: string): Promise<AuditRecord[]>;
}

/** Table properties hold at most 64 KiB; keep each JSON field well below. */
const MAX_JSON = 30_000;

function json(value: unknown): string {
  const text = JSON.stringify(redactDeep(value ?? null));
  return text.length > MAX_JSON ? JSON.stringify({ truncated: true, head: text.slice(0, MAX_JSON - 100) }) : text;
}

/** The partition of an app: hex SHA-256 of its lower-cased ID. */
export function auditPartition(appId: string): string {
  return createHash("sha256").update(appId.toLowerCase(), "utf8").digest("hex");
}

/** A time-ordered, unique row key. */
export function auditRowKey(time: Date): string {
  return `${time.toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
}

interface AuditRow {
  partitionKey: string;
  rowKey: string;
  app: string;
  stepKind: string;
  target: string;
  reason: string;
  before: string;
  after: string;
  trigger: string;
  triggerSource: string;
  eventId: string;
  caller: string;
  time: string;
  outcome: string;
  error: string;
  step: string;
  request: string;
  /** Added with the write-ahead audit: absent on older rows. */
  settledAt?: string;
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.rowKey,
    appId: row.app,
    stepKind: row.stepKind,
    target: row.target,
    reason: row.reason,
    before: JSON.parse(row.before) as unknown,
    after: JSON.parse(row.after) as unknown,
    trigger: JSON.parse(row.trigger) as ChangeTrigger,
    time: row.time,
    outcome: row.outcome as AuditOutcome,
    error: row.error === "" ? null : row.error,
    step: JSON.parse(row.step) as PlanStep,
    request: JSON.parse(row.request) as { method: string; url: string } | null,
    settledAt: row.settledAt ? row.settledAt : null,
  };
}

export function createTableAuditLog(table: TableClient): AuditLog {
  const ensureTable = tableCreator(table);
  return {
    async record(entry) {
      await ensureTable();
      const rowKey = auditRowKey(entry.time);
      const row: AuditRow = {
        partitionKey: auditPartition(entry.appId),
        rowKey,
        app: entry.appId,
        stepKind: entry.step.kind,
        target: entry.step.target,
        reason: entry.step.reason,
        before: json(entry.before),
        after: json(entry.after),
        trigger: json(entry.trigger),
        triggerSource: entry.trigger.source,
        eventId: entry.trigger.eventId ?? "",
        caller: entry.trigger.caller ?? "",
        time: entry.time.toISOString(),
        outcome: entry.outcome,
        error: entry.error ?? "",
        step: json(entry.step),
        request: json(entry.request ?? null),
      };
      await table.createEntity(row);
      return rowKey;
    },
    async settle(appId, id, settlement) {
      await ensureTable();
      await table.updateEntity(
        {
          partitionKey: auditPartition(appId),
          rowKey: id,
          outcome: settlement.outcome,
          after: json(settlement.after),
          error: settlement.error ?? "",
          settledAt: settlement.time.toISOString(),
        },
        "Merge",
      );
    },
    async list(appId) {
      await ensureTable();
      const out: AuditRecord[] = [];
      const partition = auditPartition(appId);
      const rows = table.listEntities<AuditRow>({
        queryOptions: { filter: `PartitionKey eq '${partition}'` },
      });
      for await (const row of rows) out.push(toRecord(row));
      return out.sort((a, b) => a.id.localeCompare(b.id));
    },
  };
}

/** The audit log in the `pullguardaudit` table of the configured storage (Azurite locally). */
export function openAuditLog(storage: StorageSettings, credential: TokenCredential): AuditLog {
  return createTableAuditLog(openTable(storage, TABLES.audit, credential));
}

/** An in-process audit log (for a CLI run without storage, and unit tests). */
export function createMemoryAuditLog(): AuditLog & { entries: AuditRecord[] } {
  const entries: AuditRecord[] = [];
  return {
    entries,
    async record(entry) {
      const id = auditRowKey(entry.time);
      entries.push({
        id,
        appId: entry.appId,
        stepKind: entry.step.kind,
        target: entry.step.target,
        reason: entry.step.reason,
        before: redactDeep(entry.before ?? null),
        after: redactDeep(entry.after ?? null),
        trigger: entry.trigger,
        time: entry.time.toISOString(),
        outcome: entry.outcome,
        error: entry.error ?? null,
        step: entry.step,
        request: entry.request ?? null,
        settledAt: null,
      });
      return id;
    },
    async settle(appId, id, settlement) {
      const row = entries.find((e) => e.id === id && e.appId.toLowerCase() === appId.toLowerCase());
      if (!row) throw new Error(`audit row ${id} of ${appId} not found; settle only rows that record() returned`);
      row.outcome = settlement.outcome;
      row.after = redactDeep(settlement.after ?? null);
      row.error = settlement.error ?? null;
      row.settledAt = settlement.time.toISOString();
    },
    async list(appId) {
      return entries.filter((e) => e.appId.toLowerCase() === appId.toLowerCase());
    },
  };
}
