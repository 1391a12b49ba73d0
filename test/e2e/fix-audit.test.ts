/**
 * Every change `fix` applies is recorded in the audit table (`pullguardaudit`, Azure Table Storage served by a real
 * Azurite): app, step, target, before/after, reason (finding code), trigger (the CLI user), time (the emulator's
 * clock) and outcome. The rows are read back with the Tables SDK, not through the product's own reader.
 */
import { describe, expect, it } from "vitest";
import { auditPartition } from "../../src/azure/audit-log.js";
import {
  type AuditRow,
  auditRows,
  CLI_USER,
  pathOf,
  runFixCommand,
  storageEnv,
  useAzuriteAndEmulators,
  worldFile,
} from "./fix-helpers.js";

const azurite = useAzuriteAndEmulators();
const { running } = azurite;

const env = () => storageEnv(azurite.connectionString, { PULLGUARD_MAX_CHANGES_PER_HOUR: "1000" });

async function rowsAddedBy<T>(run: () => Promise<T>): Promise<{ result: T; rows: AuditRow[] }> {
  const before = new Set((await auditRows(azurite.connectionString)).map((r) => r.rowKey));
  const result = await run();
  const rows = (await auditRows(azurite.connectionString)).filter((r) => !before.has(r.rowKey));
  return { result, rows: rows.sort((a, b) => a.rowKey.localeCompare(b.rowKey)) };
}

describe("fix: the audit table", () => {
  for (const code of [
    "pull-role-missing",
    "system-identity-disabled",
    "identity-not-attached",
    "registry-not-configured",
    "abac-mode-legacy-role-only",
    "role-assignment-propagating",
  ]) {
    it(`${code}: one row per applied change, with app, step, before/after, reason, trigger, time, outcome`, async () => {
      const world = worldFile(code);
      const appId = world.world.expect.app;
      const emulator = await running.start(world.world);
      const startedAt = emulator.clock.now().getTime();
      emulator.log.clear();

      const { result: run, rows } = await rowsAddedBy(() =>
        runFixCommand(emulator, world, ["--yes", "--json"], { env: env() }),
      );
      expect(run.stderr).toBe("");
      expect(run.exit).toBe(0);
      const doc = run.doc;
      if (!doc) throw new Error(run.stdout);
      const writes = emulator.log.writes();
      expect(writes.length).toBeGreaterThan(0);

      // Exactly the rows this run announced, and one per applied step.
      expect(rows.map((r) => r.rowKey).sort()).toEqual([...doc.auditIds].sort());
      expect(doc.applied.length).toBeGreaterThan(0);
      expect(rows).toHaveLength(doc.applied.length);
      for (const step of doc.applied) {
        const row = rows.find((r) => r.rowKey === step.auditId);
        if (!row) throw new Error(`no audit row for ${step.kind} (${String(step.auditId)})`);
        expect(row.partitionKey).toBe(auditPartition(appId));
        expect(row.app).toBe(appId);
        expect(row.stepKind).toBe(step.kind);
        expect(row.target).toBe(step.target);
        expect(row.reason).toBe(step.reason);
        expect(row.outcome).toBe(step.result);
        expect(row.error).toBe("");
        expect(JSON.parse(row.trigger)).toMatchObject({ source: "cli", caller: CLI_USER });
        expect(row.triggerSource).toBe("cli");
        expect(row.caller).toBe(CLI_USER);
        const time = Date.parse(row.time);
        expect(time).toBeGreaterThanOrEqual(startedAt);
        expect(time).toBeLessThanOrEqual(emulator.clock.now().getTime());
        expect(JSON.parse(row.step)).toMatchObject({ kind: step.kind, target: step.target, reason: step.reason });
        expect(() => JSON.parse(row.before)).not.toThrow();
        expect(JSON.parse(row.after)).not.toBeNull();
      }

      // Every write the emulator received is the request of a `done` row (method and URL).
      const done = rows.filter((r) => r.outcome === "done");
      expect(done).toHaveLength(writes.length);
      expect(
        done.map((r) => {
          const request = JSON.parse(r.request) as { method: string; url: string };
          return `${request.method} ${pathOf(request.url)}`;
        }),
      ).toEqual(writes.map((w) => `${w.method} ${w.path.replace(/\?.*$/, "").toLowerCase()}`));

      // Before and after say what changed.
      for (const row of done) {
        const before = JSON.parse(row.before) as Record<string, unknown> | null;
        const after = JSON.parse(row.after) as Record<string, unknown>;
        switch (row.stepKind) {
          case "assign-role":
            expect(before).toBeNull();
            expect(after).toMatchObject({ properties: { principalType: "ServicePrincipal" } });
            break;
          case "enable-system-identity":
            expect(before).toMatchObject({ type: "None" });
            expect(after).toMatchObject({ type: "SystemAssigned" });
            expect(String(after.principalId)).toMatch(/^[0-9a-f-]{36}$/i);
            break;
          case "attach-user-identity":
            expect(before).toMatchObject({ userAssignedIdentities: [] });
            expect((after.userAssignedIdentities as string[]).length).toBe(1);
            break;
          case "add-registry-entry":
            expect(before).toEqual([]);
            expect(after).toEqual([{ server: "fabrikamacr.azurecr.io", identity: "system" }]);
            break;
          case "restart-revision":
            expect(before).toMatchObject({ name: doc.verification.revision });
            expect(before?.runningState).not.toBe("Running");
            expect(after).toEqual({ restarted: doc.verification.revision });
            break;
          default:
            throw new Error(`unexpected step ${row.stepKind} in the audit`);
        }
      }
    });
  }

  it("a run that changes nothing adds no audit row", async () => {
    const world = worldFile("pull-role-missing");
    const emulator = await running.start(world.world);
    await runFixCommand(emulator, world, ["--yes", "--json"], { env: env() });
    const { result, rows } = await rowsAddedBy(() =>
      runFixCommand(emulator, world, ["--yes", "--json"], { env: env() }),
    );
    expect(result.exit).toBe(0);
    expect(result.doc?.auditIds).toEqual([]);
    expect(rows).toEqual([]);
  });
});
