/**
 * Writes whose reply is lost (issue 16), against the emulator through the real SDK pipeline (retry policies on):
 * the audit row is written before each write (`intended`) and settled after; a lost reply is settled by re-reading
 * ARM, never by sending again; a restart (a POST action) reaches ARM once whatever happens to its reply; a role
 * assignment PUT answered 200 (it already existed) is `already-in-place`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ApplyDeps, applyPlan, TransientApplyError } from "../../src/azure/apply-plan.js";
import type { ArmTransport } from "../../src/azure/arm-transport.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import { diagnose } from "../../src/core/diagnose.js";
import { planFixes } from "../../src/core/plan.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { policyFromSettings } from "../../src/core/policy.js";
import type { FaultRule } from "../../tools/emulator/faults.js";
import { type Emulator, startEmulator } from "../../tools/emulator/index.js";
import { emulatorSleep, productAccess, readWorld } from "../reliability/harness.js";

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.stop()));
});

const RESTART = /\/revisions\/[^/]+\/restart$/i;
const ASSIGNMENT = /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i;

/** The pull-role-missing world, its plan (grant, then restart) and applyPlan's dependencies over the emulator. */
async function setUp(faults: FaultRule[] = []) {
  const world = readWorld("pull-role-missing");
  const emulator = await startEmulator(world);
  started.push(emulator);
  const access = productAccess(emulator);
  const appId = world.expect.app;
  const { facts } = await access.readFacts(appId);
  const subscriptions = emulator.state.tenants.flatMap((t) => t.subscriptions).map((s) => `/subscriptions/${s}`);
  const policy = policyFromSettings({
    mode: "fix",
    optInFixes: [],
    disabledFixes: [],
    allowedScopes: subscriptions,
    maxChangesPerHour: 20,
  });
  const plan = planFixes(facts, diagnose(facts).findings, policy);
  expect(plan.map((s) => s.kind)).toEqual(["assign-role", "restart-revision"]);
  for (const fault of faults) emulator.faults.add(fault);
  emulator.log.clear();
  const audit = createMemoryAuditLog();
  const deps = (arm: ArmTransport = access.arm): ApplyDeps => ({
    arm,
    now: () => emulator.clock.now(),
    sleep: emulatorSleep(emulator),
    budget: createMemoryChangeBudget(20),
    audit,
    trigger: { source: "cli", caller: "alice" },
    dryRun: false,
  });
  return { emulator, appId, plan, audit, deps, access };
}

const writesTo = (emulator: Emulator, path: RegExp) =>
  emulator.log.writes().filter((w) => path.test(w.path.split("?")[0] ?? ""));

describe("applyPlan: write-ahead audit", () => {
  it("records the intent before each write and settles it after", async () => {
    const { plan, audit, deps, access } = await setUp();
    const atSend: string[][] = [];
    const spy: ArmTransport = {
      endpoint: access.arm.endpoint,
      send: (request) => {
        if (request.method !== "GET") atSend.push(audit.entries.map((e) => `${e.stepKind}:${e.outcome}`));
        return access.arm.send(request);
      },
    };
    const result = await applyPlan(plan, plan[0]?.target ?? "", deps(spy));
    expect(atSend).toEqual([["assign-role:intended"], ["assign-role:done", "restart-revision:intended"]]);
    expect(audit.entries.map((e) => [e.stepKind, e.outcome, e.settledAt !== null])).toEqual([
      ["assign-role", "done", true],
      ["restart-revision", "done", true],
    ]);
    expect(result.auditIds).toEqual(audit.entries.map((e) => e.id));
  });
});

describe("applyPlan: lost replies", () => {
  it("a restart whose reply is lost after it was applied: sent once, re-read, audited done", async () => {
    const { emulator, appId, plan, audit, deps } = await setUp([
      { kind: "lost-reply", plane: "arm", method: "POST", path: RESTART, count: 1 },
    ]);
    const result = await applyPlan(plan, appId, deps());
    expect(writesTo(emulator, RESTART)).toHaveLength(1);
    expect(emulator.faults.injected()).toEqual({ "lost-reply": 1 });
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(result.applied[1]?.error).toContain("the reply was lost; the re-read shows the change in place");
    expect(audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
  });

  it("a restart whose connection resets before it is applied: sent once, outcome unknown, never re-sent", async () => {
    const { emulator, appId, plan, audit, deps } = await setUp([
      { kind: "reset", plane: "arm", method: "POST", path: RESTART },
    ]);
    const result = await applyPlan(plan, appId, deps());
    // The SDK's retry policy would have sent it 4 times (3 retries); the restart goes through no retry.
    expect(writesTo(emulator, RESTART)).toHaveLength(1);
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "failed"],
    ]);
    expect(result.applied[1]?.error).toMatch(/^outcome unknown: .*never sends it twice/);
    expect(audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "unknown"],
    ]);
  });

  it("a role-assignment PUT whose reply is lost after it was applied: one assignment, audited done, then the restart", async () => {
    const { emulator, appId, plan, audit, deps } = await setUp([
      { kind: "lost-reply", plane: "arm", method: "PUT", path: ASSIGNMENT, count: 1 },
    ]);
    const result = await applyPlan(plan, appId, deps());
    expect(emulator.faults.injected()).toEqual({ "lost-reply": 1 });
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    const grant = plan[0] as PlanStep & { name: string };
    const made = emulator.log
      .writes()
      .filter((w) => w.method === "PUT" && (w.path.split("?")[0] ?? "").endsWith(grant.name));
    // Sent once: the re-read, not a second PUT, shows that it took effect.
    expect(made).toHaveLength(1);
    expect(writesTo(emulator, RESTART)).toHaveLength(1);
  });

  it("a role-assignment PUT reset before it is applied (every attempt): not applied, audited failed, retried whole", async () => {
    const { emulator, appId, plan, audit, deps } = await setUp([
      { kind: "reset", plane: "arm", method: "PUT", path: ASSIGNMENT },
    ]);
    await expect(applyPlan(plan, appId, deps())).rejects.toBeInstanceOf(TransientApplyError);
    expect(writesTo(emulator, RESTART)).toHaveLength(0);
    expect(audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([["assign-role", "failed"]]);
    expect(audit.entries[0]?.error).toMatch(/^not applied: /);
  });
});

describe("applyPlan: rows an ended invocation left intended", () => {
  it("the next run settles them from a re-read once they are older than the function timeout, and only then", async () => {
    const { emulator, appId, plan, audit, deps, access } = await setUp();
    const grant = plan[0];
    if (grant?.kind !== "assign-role" || grant.principalId === null) throw new Error("expected a grant first");
    // The ended invocation: its intent recorded, its PUT applied by ARM, nothing after.
    const path = `${grant.scope}/providers/Microsoft.Authorization/roleAssignments/${grant.name}`;
    const put = {
      method: "PUT" as const,
      url: `${access.arm.endpoint}${path}?api-version=2022-04-01`,
      body: {
        properties: {
          roleDefinitionId: grant.roleDefinitionId,
          principalId: grant.principalId,
          principalType: "ServicePrincipal",
        },
      },
    };
    const left = await audit.record({
      appId,
      step: grant,
      before: null,
      after: put.body,
      trigger: { source: "event", eventId: "e-1" },
      time: emulator.clock.now(),
      outcome: "intended",
      request: put,
    });
    expect((await access.arm.send(put)).status).toBe(201);

    // Nine minutes later that invocation may still be running: its row is left to it.
    emulator.clock.advance(9 * 60 * 1000);
    await applyPlan([], appId, deps());
    await applyPlan(plan.slice(0, 1), appId, { ...deps(), dryRun: true });
    expect(audit.entries.map((e) => e.outcome)).toEqual(["intended"]);

    emulator.clock.advance(2 * 60 * 1000);
    const result = await applyPlan(plan, appId, deps());
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "already-in-place"],
      ["restart-revision", "done"],
    ]);
    expect(audit.entries.map((e) => [e.id === left, e.stepKind, e.outcome])).toEqual([
      [true, "assign-role", "done"],
      [false, "assign-role", "already-in-place"],
      [false, "restart-revision", "done"],
    ]);
    expect(audit.entries[0]?.error).toContain(
      "ended before its outcome was known; the re-read shows the change in place",
    );
  });
});

describe("applyPlan: already in place", () => {
  it("a role-assignment PUT answered 200 (a concurrent run made it first) is already-in-place", async () => {
    const { emulator, appId, plan, audit, deps, access } = await setUp();
    // Another run's identical PUT lands between this run's read and its own PUT.
    const racing: ArmTransport = {
      endpoint: access.arm.endpoint,
      async send(request) {
        if (request.method === "PUT" && ASSIGNMENT.test(new URL(request.url).pathname)) {
          expect((await access.arm.send(request)).status).toBe(201);
        }
        return access.arm.send(request);
      },
    };
    const result = await applyPlan(plan, appId, deps(racing));
    expect(result.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "already-in-place"],
      ["restart-revision", "done"],
    ]);
    expect(audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["assign-role", "already-in-place"],
      ["restart-revision", "done"],
    ]);
    expect(writesTo(emulator, ASSIGNMENT).map((w) => w.status)).toEqual([201, 200]);
  });
});
