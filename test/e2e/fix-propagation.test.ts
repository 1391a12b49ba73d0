/**
 * Propagation: a new role assignment takes time to work (pull-path.md: up to ~10 minutes; the world's
 * `propagationDelaySeconds` says how long in the emulator). The outcome of `fix` follows the revision:
 * - when the grant works at once (delay 0), the restart right after it succeeds: `resolved`, although the re-diagnosis
 *   still shows the `role-assignment-propagating` warning for the fresh grant;
 * - when it does not yet, the restart fails again and the verification restarts once more after the window, waiting on
 *   the emulator's clock (moved forward, never real time): `resolved` within the deadline;
 * - when the deadline comes first: `pending`, exit 2, and no restart is made before the window.
 */
import { describe, expect, it } from "vitest";
import {
  describeWrites,
  latestRevision,
  revisionState,
  runFixCommand,
  useEmulators,
  worldFile,
  writeWorld,
} from "./fix-helpers.js";

const running = useEmulators();

const RUNNING = { runningState: "Running", healthState: "Healthy" };

describe("fix while a grant propagates", () => {
  it("delay 0: resolved at once, while the fresh grant still shows as propagating", async () => {
    const world = worldFile("pull-role-missing");
    expect(world.world.propagationDelaySeconds ?? 0).toBe(0);
    const emulator = await running.start(world.world);
    const started = emulator.clock.now().getTime();
    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.exit).toBe(0);
    expect(run.doc?.verification.outcome).toBe("resolved");
    expect(run.doc?.verification.remaining.map((f) => [f.code, f.severity])).toEqual([
      ["role-assignment-propagating", "warning"],
    ]);
    expect(revisionState(latestRevision(emulator, world.world.expect.app))).toEqual(RUNNING);
    // No waiting was needed.
    expect(emulator.clock.now().getTime() - started).toBeLessThan(60_000);
  });

  it("delay 600 s: the first restart fails, the verification restarts again after the window: resolved", async () => {
    const base = worldFile("pull-role-missing");
    const world = writeWorld("pull-role-missing-slow", { ...base.world, propagationDelaySeconds: 600 });
    const emulator = await running.start(world.world);
    const started = emulator.clock.now().getTime();
    emulator.log.clear();

    const run = await runFixCommand(emulator, world, ["--yes", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.exit).toBe(0);
    expect(run.doc?.verification.outcome).toBe("resolved");
    expect(revisionState(latestRevision(emulator, world.world.expect.app))).toEqual(RUNNING);
    const writes = describeWrites(emulator.log.writes());
    expect(writes).toEqual([
      expect.stringMatching(/^PUT .*\/roleAssignments\//),
      expect.stringMatching(/^POST .*\/restart -> 200$/),
      expect.stringMatching(/^POST .*\/restart -> 200$/),
    ]);
    // The second restart was made once the window had passed on the emulator's clock, and is in `applied`.
    const restarts = emulator.log.writes().filter((w) => w.method === "POST");
    expect(restarts).toHaveLength(2);
    expect(emulator.clock.now().getTime() - started).toBeGreaterThanOrEqual(600_000);
    expect(run.doc?.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
      ["restart-revision", "done"],
    ]);
    expect(run.doc?.auditIds).toHaveLength(3);
  });

  it("delay 600 s and a 1-minute deadline: pending, exit 2, no early second restart", async () => {
    const base = worldFile("pull-role-missing");
    const world = writeWorld("pull-role-missing-slow", { ...base.world, propagationDelaySeconds: 600 });
    const emulator = await running.start(world.world);
    emulator.log.clear();
    const run = await runFixCommand(emulator, world, ["--yes", "--json"], {
      env: { PULLGUARD_VERIFY_DEADLINE_MINUTES: "1" },
    });
    expect(run.exit).toBe(2);
    expect(run.doc?.verification.outcome).toBe("pending");
    expect(run.doc?.verification.remaining.map((f) => f.code)).toEqual(["role-assignment-propagating"]);
    expect(emulator.log.writes().filter((w) => w.method === "POST")).toHaveLength(1);
    expect(revisionState(latestRevision(emulator, world.world.expect.app))).not.toEqual(RUNNING);
  });

  it("role-assignment-propagating world, 1-minute deadline: pending, exit 2, the restart waits for 12:08", async () => {
    const world = worldFile("role-assignment-propagating");
    expect(world.world.propagationDelaySeconds).toBe(600);
    const emulator = await running.start(world.world);
    emulator.log.clear();
    const run = await runFixCommand(emulator, world, ["--yes", "--json"], {
      env: { PULLGUARD_VERIFY_DEADLINE_MINUTES: "1" },
    });
    expect(run.exit).toBe(2);
    expect(run.doc?.verification.outcome).toBe("pending");
    expect(emulator.log.writes()).toEqual([]);
    expect(run.doc?.skipped.map((s) => [s.kind, s.notBefore])).toEqual([
      ["restart-revision", "2026-11-22T12:08:00.000Z"],
    ]);
  });

  it("role-assignment-propagating world, --dry-run: shows the restart, waits for nothing, sends nothing", async () => {
    const world = worldFile("role-assignment-propagating");
    const emulator = await running.start(world.world);
    const started = emulator.clock.now().getTime();
    emulator.log.clear();
    const run = await runFixCommand(emulator, world, ["--dry-run", "--json"]);
    expect(emulator.log.writes()).toEqual([]);
    expect(run.doc?.requests.map((r) => [r.method, r.sent])).toEqual([["POST", false]]);
    expect(emulator.clock.now().getTime() - started).toBeLessThan(60_000);
    // Degraded (a warning), so the dry run itself exits 0 like `check` would.
    expect(run.exit).toBe(0);
  });
});
