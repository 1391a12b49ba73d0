/**
 * Two `pullguard fix` runs of the same app at the same time (really concurrent: both CLIs interleave their HTTPS
 * requests to one emulator) create exactly one role assignment: the assignment name is deterministic (name-based
 * UUID of scope + principal + role), so the second PUT lands on the same assignment or gets 409, never a twin.
 */
import { describe, expect, it } from "vitest";
import {
  assignmentIds,
  latestRevision,
  newAssignments,
  revisionState,
  runFixCommand,
  useEmulators,
  worldFile,
} from "./fix-helpers.js";

const running = useEmulators();

describe("fix: concurrent runs of the same app", () => {
  for (const code of ["pull-role-missing", "abac-mode-legacy-role-only", "system-identity-disabled"]) {
    it(`${code}: two concurrent fixes create exactly one role assignment, both end resolved`, async () => {
      const world = worldFile(code);
      const emulator = await running.start(world.world);
      const before = assignmentIds(emulator);
      emulator.log.clear();

      const [a, b] = await Promise.all([
        runFixCommand(emulator, world, ["--yes", "--json"]),
        runFixCommand(emulator, world, ["--yes", "--json"]),
      ]);

      // Both really ran against ARM at the same time: both had read the app before the first write went out.
      const arm = emulator.log.entries().filter((e) => e.plane === "arm");
      const firstWrite = arm.findIndex((e) => e.method !== "GET");
      const appReads = arm
        .slice(0, firstWrite)
        .filter((e) => e.method === "GET" && /\/containerApps\/[^/?]+(\?|$)/i.test(e.path));
      expect(firstWrite).toBeGreaterThan(0);
      expect(appReads.length).toBeGreaterThanOrEqual(2);

      const created = newAssignments(emulator, before);
      expect(created.map((r) => r.properties?.principalId)).toHaveLength(1);
      const grant = created[0];
      for (const run of [a, b]) {
        expect(run.stderr).toBe("");
        expect(run.exit).toBe(0);
        expect(run.doc?.verification.outcome).toBe("resolved");
        const grants = run.doc?.applied.filter((s) => s.kind === "assign-role") ?? [];
        expect(grants).toHaveLength(1);
        // Each run either made the grant or found it in place: never a failure, always the same name.
        expect(["done", "already-in-place"]).toContain(grants[0]?.result);
        expect(grants[0]?.name).toBe(grant?.name);
      }
      // The PUTs of the assignment all went to the one deterministic name.
      const puts = emulator.log
        .writes()
        .filter((w) => w.method === "PUT" && /\/roleAssignments\//i.test(w.path))
        .map((w) => w.path.replace(/\?.*$/, "").replace(/^.*\/roleAssignments\//i, ""));
      expect(new Set(puts)).toEqual(new Set([grant?.name]));
      expect(revisionState(latestRevision(emulator, world.world.expect.app))).toEqual({
        runningState: "Running",
        healthState: "Healthy",
      });
    });
  }
});
