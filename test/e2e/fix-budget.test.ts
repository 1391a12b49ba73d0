/**
 * The change budget (PULLGUARD_MAX_CHANGES_PER_HOUR) is counted in Table Storage (`pullguardbudget`, a real Azurite),
 * so it holds across runs and instances: two `fix` runs of two different apps' worlds, sharing one table, together
 * make no more changes than the budget allows in the hour. The second run stops before writing and says why.
 */
import { describe, expect, it } from "vitest";
import {
  auditRows,
  budgetRows,
  describeWrites,
  runFixCommand,
  storageEnv,
  useAzuriteAndEmulators,
  worldFile,
} from "./fix-helpers.js";

const azurite = useAzuriteAndEmulators({ perTest: true });
const { running } = azurite;

describe("fix: the change budget across runs", () => {
  it("a budget of 3: the first run makes 2 changes, the second only 1 and stops; the count is in the table", async () => {
    const env = storageEnv(azurite.connectionString, { PULLGUARD_MAX_CHANGES_PER_HOUR: "3" });

    const firstWorld = worldFile("pull-role-missing");
    const first = await running.start(firstWorld.world);
    const one = await runFixCommand(first, firstWorld, ["--yes", "--json"], { env });
    expect(one.exit).toBe(0);
    expect(first.log.writes()).toHaveLength(2);
    expect(await budgetRows(azurite.connectionString)).toEqual([
      { partitionKey: "hour", rowKey: "2026-11-22T12", count: 2 },
    ]);

    // Another run (another process would do the same: the only shared state is the table).
    const secondWorld = worldFile("system-identity-disabled");
    const second = await running.start(secondWorld.world);
    second.log.clear();
    const two = await runFixCommand(second, secondWorld, ["--yes", "--json"], { env });
    expect(two.exit).toBe(2);
    expect(describeWrites(second.log.writes())).toEqual([
      expect.stringMatching(/^PATCH \/subscriptions\/.*\/containerApps\/checkout-web -> 20[02]$/),
    ]);
    const doc = two.doc;
    if (!doc) throw new Error(two.stdout);
    expect(doc.applied.map((s) => [s.kind, s.result])).toEqual([["enable-system-identity", "done"]]);
    expect(doc.skipped.map((s) => [s.kind, s.why])).toEqual([
      ["assign-role", "change budget exhausted"],
      ["restart-revision", "change budget exhausted"],
    ]);
    // The grant it could not make is shown as an unsent request.
    expect(doc.requests.filter((r) => !r.sent).map((r) => [r.method, r.note])).toEqual([
      ["PUT", "change budget exhausted"],
    ]);
    expect(doc.verification.outcome).not.toBe("resolved");
    expect(await budgetRows(azurite.connectionString)).toEqual([
      { partitionKey: "hour", rowKey: "2026-11-22T12", count: 3 },
    ]);

    // A third run in the same hour sends nothing at all.
    second.log.clear();
    const three = await runFixCommand(second, secondWorld, ["--yes", "--json"], { env });
    expect(three.exit).toBe(2);
    expect(second.log.writes()).toEqual([]);
    expect(three.doc?.skipped.map((s) => s.why)).toEqual(["change budget exhausted", "change budget exhausted"]);

    // Every change that was made is audited; nothing that was held back is.
    const rows = await auditRows(azurite.connectionString);
    expect(rows.map((r) => [r.stepKind, r.outcome]).sort()).toEqual(
      [
        ["assign-role", "done"],
        ["restart-revision", "done"],
        ["enable-system-identity", "done"],
      ].sort(),
    );
  });

  it("the next hour has a fresh budget", async () => {
    const env = storageEnv(azurite.connectionString, { PULLGUARD_MAX_CHANGES_PER_HOUR: "1" });
    const world = worldFile("system-identity-disabled");
    const emulator = await running.start(world.world);
    const held = await runFixCommand(emulator, world, ["--yes", "--json"], { env });
    expect(held.exit).toBe(2);
    expect(held.doc?.applied.map((s) => s.kind)).toEqual(["enable-system-identity"]);
    expect(describeWrites(emulator.log.writes())).toEqual([expect.stringMatching(/^PATCH /)]);

    // The verification waited (on the emulator clock) until its deadline; an hour later the budget is fresh.
    emulator.clock.advance(60 * 60 * 1000);
    emulator.log.clear();
    const later = await runFixCommand(emulator, world, ["--yes", "--json"], { env });
    expect(later.exit).toBe(2);
    expect(later.doc?.applied.map((s) => [s.kind, s.result])).toEqual([["assign-role", "done"]]);
    expect(later.doc?.skipped.map((s) => [s.kind, s.why])).toEqual([["restart-revision", "change budget exhausted"]]);
    expect(describeWrites(emulator.log.writes())).toEqual([expect.stringMatching(/^PUT .*\/roleAssignments\//)]);
    const rows = await budgetRows(azurite.connectionString);
    expect(rows.map((r) => r.count)).toEqual([1, 1]);
    expect(rows.map((r) => r.rowKey)).toEqual(["2026-11-22T12", "2026-11-22T13"]);
  });
});
