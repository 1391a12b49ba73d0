/**
 * Acceptance of issue 5: for every auto-fixable finding code with a broken world, `pullguard fix --world <file>
 * <app> --yes --json` (the real CLI, real SDK clients against the emulator over HTTPS) leaves the emulator's revision
 * Running/Healthy, exits 0 with `verification.outcome` resolved, and grants only least privilege (registry scope,
 * ServicePrincipal, the role the world's `expect` names). A second fix then makes no write request at all.
 *
 * About `role-assignment-propagating`: after a fresh grant the diagnosis keeps showing that warning for 10 minutes
 * (the product's window); the outcome follows the revision, so a Running/Healthy revision is `resolved` even while
 * the warning remains. The worlds of the grant codes have no propagation delay (world.md default 0), so the restart
 * right after the grant succeeds. The `role-assignment-propagating` world has a 600 s delay and a grant made at
 * 11:58: its only fix is the restart once the window has passed (12:08), which the CLI waits for on the emulator's
 * clock (moved forward, not waited for); then the revision runs and the outcome is `resolved`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { FINDING_CODES_WITH_AUTO_FIXES } from "../../src/core/fix-defaults.js";
import { ACR_PULL_ROLE } from "../../src/core/forbidden.js";
import type { ArmResource } from "../../tools/emulator/state.js";
import { cliDeps } from "../../tools/entry/pullguard.js";
import { asDeployedPullGuard } from "./deployed-pullguard.js";
import {
  app,
  assignmentIds,
  captureIo,
  describeWrites,
  latestRevision,
  newAssignments,
  revisionState,
  roleGuid,
  runFixCommand,
  sendsSecrets,
  untouchables,
  useEmulators,
  WORLDS_DIR,
  type WorldFile,
  worldFile,
} from "./fix-helpers.js";

const running = useEmulators();

/** A role assignment as the checks compare it. */
function describeGrant(a: ArmResource): Record<string, unknown> {
  return {
    role: roleGuid(a.properties?.roleDefinitionId),
    scope: String(a.properties?.scope).toLowerCase(),
    principal: String(a.properties?.principalId).toLowerCase(),
    principalType: a.properties?.principalType,
  };
}

/** The grants a fix of `code` must create in its world. */
function grantsExpected(
  code: string,
  want: { fixRole?: string; fixScope?: string; fixPrincipal?: string },
  appPrincipal: string,
): Array<Record<string, unknown>> {
  if (want.fixRole) {
    const grant = { role: want.fixRole, scope: want.fixScope, principal: want.fixPrincipal };
    return [{ ...lowerAll(grant), principalType: "ServicePrincipal" }];
  }
  if (code !== "system-identity-disabled") return [];
  return [
    {
      role: ACR_PULL_ROLE,
      scope: expect.stringMatching(/\/providers\/microsoft\.containerregistry\/registries\/[^/]+$/),
      principal: appPrincipal,
      principalType: "ServicePrincipal",
    },
  ];
}

function lowerAll(values: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v?.toLowerCase()]));
}

/** The propagating world's grant was made at 11:58 with a 600 s delay: no restart before 12:08. */
function restartNotBefore(code: string): number {
  return code === "role-assignment-propagating" ? Date.parse("2026-11-22T12:08:00Z") : 0;
}

const codes = FINDING_CODES_WITH_AUTO_FIXES.filter((code) => existsSync(join(WORLDS_DIR, `${code}.json`)));

/**
 * Who runs the fix: the world's operator (world.md: may do everything), and PullGuard exactly as infra/ deploys it
 * (its role set and the condition on its Role Based Access Control Administrator, enforced by the emulator; tag
 * checks on, so the diagnosis is as complete as the operator's).
 */
const CALLERS = {
  operator: (world: WorldFile["world"]) => world,
  "deployed PullGuard": (world: WorldFile["world"]) =>
    asDeployedPullGuard(world as WorldFile["world"] & { resources: unknown[] }, { grantRegistryDataRead: true }),
};
const RUNS = Object.entries(CALLERS).flatMap(([who, as]) => codes.map((code) => ({ who, as, code })));

describe("fix: every auto-fixable code, from a broken world to a running revision", () => {
  it("has a broken world for every auto-fixable code", () => {
    expect(codes).toEqual([...FINDING_CODES_WITH_AUTO_FIXES]);
  });

  for (const { who, as, code } of RUNS) {
    it(`${code} (as ${who}): fixed in one run, Running/Healthy, resolved, exit 0; a second run writes nothing`, async () => {
      const world = worldFile(code);
      const { expect: want } = world.world;
      const emulator = await running.start(as(world.world));
      const before = assignmentIds(emulator);
      const guarded = JSON.stringify(untouchables(emulator, want.app));
      expect(revisionState(latestRevision(emulator, want.app))).not.toEqual({
        runningState: "Running",
        healthState: "Healthy",
      });

      const first = await runFixCommand(emulator, world, ["--yes", "--json"]);
      expect(first.stderr).toBe("");
      expect(first.exit).toBe(0);
      const doc = first.doc;
      if (!doc) throw new Error(`fix --json printed no JSON: ${first.stdout}`);
      expect(doc.appId).toBe(want.app);
      expect(doc.before.findings.map((f) => f.code)).toContain(code);
      expect(doc.applied.filter((s) => s.result === "failed")).toEqual([]);
      expect(doc.verification.outcome).toBe("resolved");
      expect(doc.verification.state).toMatchObject({ runningState: "Running", healthState: "Healthy" });
      // No error is left; a fresh grant may still show its propagation warning (the outcome follows the revision).
      for (const f of doc.verification.remaining) expect(f.code).toBe("role-assignment-propagating");

      const revision = latestRevision(emulator, want.app);
      expect(revisionState(revision)).toEqual({ runningState: "Running", healthState: "Healthy" });
      expect(doc.verification.revision).toBe(revision.name);

      // Least privilege: every new assignment is at registry scope, for a service principal, of one pull role.
      const created = newAssignments(emulator, before);
      const grants = doc.applied.filter((s) => s.kind === "assign-role" && s.result === "done");
      expect(created).toHaveLength(grants.length);
      for (const a of created) {
        expect(String(a.properties?.scope)).toMatch(/\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i);
        expect(a.properties?.principalType).toBe("ServicePrincipal");
      }
      // The grants made, whatever the code: the one the world names; for a disabled system identity, one pull grant
      // to the principal the enable step created (never a placeholder); none otherwise (the propagating world's
      // existing grant only needed time). Each carries the deterministic name the plan announced.
      const principal = String(app(emulator, want.app).identity?.principalId ?? "").toLowerCase();
      expect(created.map(describeGrant)).toEqual(grantsExpected(code, want, principal));
      expect(created.map((a) => a.name)).toEqual(grants.map((s) => s.name));
      expect(doc.applied.map((s) => s.kind)).toContain("restart-revision");
      // The propagating world's restart waited for its window (12:08) on the emulator clock: moved, not waited for.
      expect(emulator.clock.now().getTime()).toBeGreaterThanOrEqual(restartNotBefore(code));

      // Nothing a person configured was loosened or removed; no write carried the app's secrets.
      expect(JSON.stringify(untouchables(emulator, want.app))).toBe(guarded);
      expect(doc.requests.filter((r) => sendsSecrets(r.body))).toEqual([]);

      // A second fix finds nothing to do and sends no write at all.
      emulator.log.clear();
      const second = await runFixCommand(emulator, world, ["--yes", "--json"]);
      expect(second.exit).toBe(0);
      expect(describeWrites(emulator.log.writes())).toEqual([]);
      expect(emulator.log.count()).toBeGreaterThan(0);
      expect(second.doc?.applied.filter((s) => s.result === "done")).toEqual([]);
      expect(second.doc?.verification.outcome).toBe("resolved");
      expect(newAssignments(emulator, before)).toHaveLength(created.length);
    });
  }
});

describe("fix through the unmodified composition root (entry/pullguard.ts starts the emulator for --world)", () => {
  for (const code of codes) {
    it(`${code}: npx pullguard fix --world <file> <app> --yes --json exits 0, resolved, Running/Healthy`, async () => {
      const world = worldFile(code);
      const io = captureIo();
      const exit = await runCli(
        ["fix", "--world", world.file, world.world.expect.app, "--yes", "--json"],
        cliDeps(io, { USER: "e2e" }),
      );
      expect(io.err()).toBe("");
      expect(exit).toBe(0);
      const doc = JSON.parse(io.out()) as {
        applied: Array<{ result: string; principalType?: string; scope?: string; kind: string }>;
        verification: { outcome: string; state: Record<string, string> };
      };
      expect(doc.verification.outcome).toBe("resolved");
      expect(doc.verification.state).toMatchObject({ runningState: "Running", healthState: "Healthy" });
      expect(doc.applied.length).toBeGreaterThan(0);
      expect(doc.applied.every((s) => s.result === "done")).toBe(true);
      for (const grant of doc.applied.filter((s) => s.kind === "assign-role")) {
        expect(grant.principalType).toBe("ServicePrincipal");
        expect(grant.scope).toMatch(/\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/);
      }
    });
  }
});
