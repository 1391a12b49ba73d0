/**
 * Chaos: many seeded random fault schedules (429 with Retry-After, 500, 503, connection resets, latency; on every
 * route the product uses, LRO polls and the registry data plane included) over the broken worlds whose fix is
 * automatic (or opt-in, switched on here). Each schedule plays what the function app would see:
 *
 *   1. an event under faults: fixApp (schedule mode) → the verification queue drained (transient failures retried
 *      like the queue does, at most 5 dequeues);
 *   2. faults cleared; the next sweeps (at most 3, 11 minutes apart on the emulator's clock) until the emulator's
 *      latest revision runs.
 *
 * Each schedule also gets (from its own seeded stream, so the faults above stay as they were) a reply lost after a
 * write was applied on some write routes (role-assignment PUT, app PATCH, registry PATCH, revision restart), and on some
 * seeds a long Retry-After (600 s) on a write or slow operations (the world's behaviour.operationSeconds), all on the
 * emulator's clock (no real waiting); then one more run settles what an earlier run left `unknown`.
 *
 * Asserted for every schedule: no write of any kind applied twice (restarts included); every applied write audited
 * with its true outcome and no row left `intended` or `unknown` after the next run; no invocation (a fix, a queue
 * message) past its deadline on the emulator's clock; nothing but a transient error ever escapes (which the platform retries); a result
 * that leaves the app broken says why; no result claims "resolved" while the emulator's revision is not running;
 * every write PullGuard sent belongs to a plan made from facts it read in that run (and passes the forbidden list);
 * every write the emulator served for PullGuard's identity went through applyPlan's transport; no role assignment is
 * duplicated or created twice; the app ends fixed, confirmed by the emulator's own pull decision.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { FixResult } from "../../src/app/fix-app.js";
import { INVOCATION_MS } from "../../src/app/runtime.js";
import { isTransient } from "../../src/azure/arm-transport.js";
import { diagnose } from "../../src/core/diagnose.js";
import { ACR_PULL_ROLE } from "../../src/core/forbidden.js";
import type { FaultRule } from "../../tools/emulator/faults.js";
import type { Emulator } from "../../tools/emulator/index.js";
import { exactlyOnceFailures } from "./chaos-checks.js";
import {
  completeWithoutFaults,
  describeRule,
  effectFaults,
  faultSchedule,
  KINDS,
  newFigures,
  type Route,
  Scenario,
  writeRoutesOf,
} from "./chaos-harness.js";
import {
  AUTO_FIXABLE,
  assignmentsIn,
  createdAssignments,
  duplicateAssignments,
  emulatorSaysPulls,
  OPT_IN_FIXABLE,
  productAccess,
  startWorld,
} from "./harness.js";

const WORLDS = [...AUTO_FIXABLE, ...OPT_IN_FIXABLE, "role-assignment-propagating"];
/**
 * The seeds every run plays, whatever the machine's speed: 27 schedules, each world at least twice. CI (CI=true) plays
 * exactly these, so a CI result names the same schedules every time. A local run adds seeds 28..SCHEDULES while under
 * TIME_CAP_MS; PULLGUARD_CHAOS_SEEDS=3,17 replays only the seeds named (each schedule is seeded: a failure says its seed).
 */
const FIXED_SEEDS = Array.from({ length: 27 }, (_, i) => i + 1);
const SCHEDULES = Number(process.env.PULLGUARD_CHAOS_SCHEDULES ?? 60);
/** Wall-clock cap for the local extra seeds only: no extra schedule starts after this. */
const TIME_CAP_MS = Number(process.env.PULLGUARD_CHAOS_MS ?? 12_000);
const ONLY_SEEDS = (process.env.PULLGUARD_CHAOS_SEEDS ?? "").split(",").filter(Boolean).map(Number);
const IN_CI = process.env.CI === "true";

/** The seeds to play: the ones named, else the fixed set, then (locally) extras while time allows. */
function* seedsToPlay(started: number): Generator<number> {
  if (ONLY_SEEDS.length > 0) {
    yield* ONLY_SEEDS;
    return;
  }
  yield* FIXED_SEEDS;
  if (IN_CI) return;
  for (let seed = FIXED_SEEDS.length + 1; seed <= SCHEDULES; seed++) {
    if (Date.now() - started > TIME_CAP_MS) return;
    yield seed;
  }
}

const ROUTES: Route[] = [
  { name: "every ARM request", rule: { plane: "arm" } },
  { name: "ARM reads", rule: { plane: "arm", method: "GET" } },
  { name: "app GET", rule: { plane: "arm", method: "GET", path: /\/containerApps\/[^/]+$/i } },
  { name: "revisions and replicas", rule: { plane: "arm", method: "GET", path: /\/revisions(\/|$)/i } },
  { name: "role assignment lists", rule: { plane: "arm", method: "GET", path: /\/roleAssignments$/i } },
  { name: "role definitions", rule: { plane: "arm", method: "GET", path: /\/roleDefinitions\//i } },
  { name: "registry reads", rule: { plane: "arm", method: "GET", path: /\/registries(\/[^/]+)?$/i } },
  { name: "role assignment PUT", rule: { plane: "arm", method: "PUT", path: /\/roleAssignments\//i } },
  { name: "app PATCH", rule: { plane: "arm", method: "PATCH", path: /\/containerApps\/[^/]+$/i } },
  { name: "registry PATCH", rule: { plane: "arm", method: "PATCH", path: /\/registries\/[^/]+$/i } },
  { name: "revision restart", rule: { plane: "arm", method: "POST", path: /\/restart$/i } },
  { name: "LRO polls", rule: { plane: "arm", method: "GET", path: /OperationStatuses\//i } },
  { name: "registry data plane", rule: { plane: "data" } },
];
const WRITE_ROUTES = writeRoutesOf(ROUTES);
const schedule = (seed: number): FaultRule[] => faultSchedule(seed, ROUTES);
const figures = newFigures();
const appScenario = (emulator: Emulator, appId: string): Scenario =>
  new Scenario(emulator, appId, figures, { writeRoutes: WRITE_ROUTES });

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
});

describe("chaos: seeded fault schedules over the broken worlds", () => {
  it(`runs the ${FIXED_SEEDS.length} fixed schedules${IN_CI ? "" : ` (and locally up to ${SCHEDULES})`}; every app ends fixed, nothing crashes, no duplicate, no write outside a plan`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const played: number[] = [];
    for (const seed of seedsToPlay(started)) {
      played.push(seed);
      const worldName = WORLDS[(seed - 1) % WORLDS.length] as string;
      const { emulator, world } = await startWorld(worldName, seed);
      const effects = effectFaults(seed, WRITE_ROUTES);
      const rules = [...schedule(seed), ...effects.rules];
      const scenario = appScenario(emulator, world.expect.app);
      const where = `seed ${seed} (${worldName}; ${rules.map(describeRule).join("; ")})`;
      try {
        for (const rule of rules) emulator.faults.add(rule);
        emulator.state.behaviour.operationSeconds = effects.operationSeconds;
        if (effects.operationSeconds > 0) figures.slowOperations++;
        const first = await scenario.run("event");
        emulator.state.behaviour.operationSeconds = 0;
        for (const [kind, n] of Object.entries(emulator.faults.injected())) {
          figures.faultsInjected[kind] = (figures.faultsInjected[kind] ?? 0) + n;
        }
        emulator.faults.clear();

        // The result says why when the app is still broken (a transient rethrow is retried by the platform).
        if (!scenario.healthy() && first.result && !first.thrown) {
          const r = first.result;
          const why = [
            ...r.applied.filter((s) => s.result === "failed").map((s) => s.error ?? ""),
            ...r.skipped.map((s) => s.why),
            ...(r.verification.outcome === "resolved" ? [] : [`verification ${r.verification.outcome}`]),
            ...first.finals.filter((f) => f !== "resolved"),
          ].filter((s) => s.length > 0);
          if (why.length === 0) failures.push(`${where}: still broken and the result says nothing about why`);
          if (r.verification.outcome === "resolved" && !r.verification.scheduled) {
            failures.push(`${where}: result says resolved while the emulator's revision is not running`);
          }
          if (r.applied.some((s) => s.result === "done") && r.applied.some((s) => s.result === "failed")) {
            figures.halfDone++;
          }
        }

        // The next sweeps, without faults, complete whatever is left; an unknown outcome is settled by the next run.
        const sweeps = await completeWithoutFaults(scenario, emulator, figures);

        failures.push(...exactlyOnceFailures(scenario, emulator, where));

        if (!scenario.healthy()) failures.push(`${where}: still broken after ${sweeps} clean sweep(s)`);
        emulator.clock.advance(15 * 60_000);
        if (!emulatorSaysPulls(emulator, world.expect.app)) {
          failures.push(`${where}: the emulator's own pull decision says the app still cannot pull`);
        }
      } finally {
        figures.schedules++;
        await emulator.stop();
      }
    }
    console.log(
      `chaos figures: schedules run ${figures.schedules} (seeds ${played[0]}..${played.at(-1)}${IN_CI ? ", CI: the fixed set" : ""}), runs ${figures.runs}, faults injected ${JSON.stringify(figures.faultsInjected)}, ` +
        `transient rethrows ${figures.transientRethrows}, half-done fixes ${figures.halfDone}, completed by a later sweep ${figures.completedBySweep}, ` +
        `writes made ${figures.writes}, duplicates found ${figures.duplicates}, slow-operation schedules ${figures.slowOperations}, ` +
        `replies lost after the write was applied ${JSON.stringify(figures.lostByRoute)}, left pending at the deadline ${figures.pendingAtDeadline}, unknown outcomes ${figures.unknownSeen} (resolved ${figures.unknownResolved}), ` +
        `longest invocation ${figures.longestInvocationMs} ms (deadline ${INVOCATION_MS}), failures ${failures.length}, ${Date.now() - started} ms`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    const mustPlay = ONLY_SEEDS.length > 0 ? ONLY_SEEDS : FIXED_SEEDS;
    expect(played.slice(0, mustPlay.length)).toEqual(mustPlay);
    if (ONLY_SEEDS.length > 0) return;
    // The schedules must really have hurt: faults of every kind were injected, and some runs were left half-done.
    for (const kind of [...KINDS, "lost-reply"]) {
      expect(figures.faultsInjected[kind] ?? 0, `${kind} faults injected`).toBeGreaterThan(0);
    }
    expect(figures.duplicates).toBe(0);
    for (const route of ["role assignment PUT", "app PATCH", "revision restart"]) {
      expect(figures.lostByRoute[route] ?? 0, `replies lost on ${route}`).toBeGreaterThan(0);
    }
    expect(figures.pendingAtDeadline, "runs the deadline left pending").toBeGreaterThan(0);
    expect(figures.unknownResolved).toBe(figures.unknownSeen);
    expect(figures.completedBySweep).toBeGreaterThan(0);
  });
});

describe("chaos: the cases the random schedules must cover, pinned", () => {
  it("a half-done fix (identity enabled, grant failed) says why, and the next run completes it with one assignment", async () => {
    const { emulator, world } = await startWorld("system-identity-disabled", 7);
    stops.push(() => emulator.stop());
    const scenario = appScenario(emulator, world.expect.app);
    // More failures than the SDK's 3 retries: the grant fails for good in this run.
    emulator.faults.add({ kind: "500", plane: "arm", method: "PUT", path: /\/roleAssignments\//i, count: 4 });
    const first = await scenario.run("event");
    emulator.faults.clear();
    const r = first.result as FixResult;
    expect(r.applied.map((s) => [s.kind, s.result])).toEqual([
      ["enable-system-identity", "done"],
      ["assign-role", "failed"],
    ]);
    expect(r.applied[1]?.error).toMatch(/500.*transient: run fix again/s);
    expect(r.skipped.map((s) => [s.kind, s.why])).toEqual([
      ["restart-revision", expect.stringMatching(/depends on assign-role, which failed/)],
    ]);
    const principal = String(emulator.getResource(world.expect.app)?.identity?.principalId ?? "");
    expect(principal).toMatch(/^[0-9a-f-]{36}$/);
    expect(scenario.healthy()).toBe(false);

    const next = await scenario.run("sweep");
    expect(next.result?.before.findings.map((f) => f.code)).toEqual(["pull-role-missing"]);
    expect(next.result?.applied.map((s) => [s.kind, s.result])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    expect(next.finals).toContain("resolved");
    const grants = assignmentsIn(emulator).filter((a) => a.principalId === principal.toLowerCase());
    expect(grants.map((g) => g.role)).toEqual([ACR_PULL_ROLE]);
    expect(duplicateAssignments(emulator)).toEqual([]);
    expect([...createdAssignments(emulator).values()]).toEqual([1]);
    expect(emulatorSaysPulls(emulator, world.expect.app)).toBe(true);
  });

  it("a write whose operation polls all failed is settled by a re-read: audited done, and the revision restarted", async () => {
    const { emulator, world } = await startWorld("registry-not-configured", 8);
    stops.push(() => emulator.stop());
    const scenario = appScenario(emulator, world.expect.app);
    emulator.faults.add({
      kind: "429",
      plane: "arm",
      method: "GET",
      path: /OperationStatuses\//i,
      count: 4,
      retryAfterSeconds: 0,
    });
    const first = await scenario.run("event");
    emulator.faults.clear();
    expect(first.thrown).toBeNull();
    // ARM applied the PATCH (the registry entry is there) although PullGuard never saw the operation end: the re-read
    // shows it, so the row says done (issue 16: every applied change audited with its true outcome).
    const entries = emulator.getResource(world.expect.app)?.properties?.configuration as { registries?: unknown[] };
    expect(entries.registries).toHaveLength(1);
    expect(scenario.audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["add-registry-entry", "done"],
      ["restart-revision", "done"],
    ]);
    expect(scenario.audit.entries[0]?.error).toContain("the re-read shows the change in place");
    expect(scenario.healthy()).toBe(true);
    expect(emulatorSaysPulls(emulator, world.expect.app)).toBe(true);
  });

  it("an operation longer than the invocation (behaviour.operationSeconds 400) stops at the deadline: pending, then settled by a re-read", async () => {
    const { emulator, world } = await startWorld("registry-not-configured", 10);
    stops.push(() => emulator.stop());
    const scenario = appScenario(emulator, world.expect.app);
    emulator.state.behaviour.operationSeconds = 400;
    const first = await scenario.run("event");
    expect(first.crashes).toEqual([]);
    const r = first.result as FixResult;
    expect(r.skipped.map((s) => [s.kind, s.why.split(":")[0]])).toEqual([
      ["add-registry-entry", "deadline"],
      ["restart-revision", "deadline"],
    ]);
    expect(r.verification.outcome).toBe("pending");
    expect(r.verification.scheduled).toBeDefined();
    expect(figures.longestInvocationMs).toBeLessThanOrEqual(INVOCATION_MS);
    // The PATCH went out once; its row was `unknown` at the deadline, and the next apply of the app (the queued
    // verification's restart) settled it from a re-read.
    const patches = scenario.access.arm.sent.filter((w) => w.method === "PATCH");
    expect(patches).toHaveLength(1);
    emulator.state.behaviour.operationSeconds = 0;
    emulator.clock.advance(11 * 60_000);
    await scenario.run("next");
    const row = scenario.audit.entries.find((e) => e.stepKind === "add-registry-entry");
    expect([row?.outcome, row?.error]).toEqual(["done", expect.stringContaining("its outcome was unknown")]);
    expect(scenario.access.arm.sent.filter((w) => w.method === "PATCH")).toHaveLength(1);
    expect(scenario.healthy()).toBe(true);
  });

  it("a restart whose reply is lost is sent once and audited done; a grant whose reply is lost is audited done", async () => {
    const { emulator, world } = await startWorld("pull-role-missing", 11);
    stops.push(() => emulator.stop());
    const scenario = appScenario(emulator, world.expect.app);
    emulator.faults.add({ kind: "lost-reply", plane: "arm", method: "PUT", path: /\/roleAssignments\//i, count: 1 });
    emulator.faults.add({ kind: "lost-reply", plane: "arm", method: "POST", path: /\/restart$/i, count: 1 });
    const first = await scenario.run("event");
    expect(first.crashes).toEqual([]);
    expect(first.writes.map((w) => [w.method, w.status])).toEqual([
      ["PUT", "error"],
      ["POST", "error"],
    ]);
    expect(scenario.audit.entries.map((e) => [e.stepKind, e.outcome])).toEqual([
      ["assign-role", "done"],
      ["restart-revision", "done"],
    ]);
    // Each went out once and was applied (the emulator answered 201 and 200, then lost the reply).
    expect(emulator.log.writes().map((e) => [e.method, e.appliedStatus])).toEqual([
      ["PUT", 201],
      ["POST", 200],
    ]);
    expect(duplicateAssignments(emulator)).toEqual([]);
    expect(scenario.healthy()).toBe(true);
  });

  it("a failing read through the CommonJS-only authorization SDK becomes check-incomplete, not a crash", async () => {
    const { emulator, world } = await startWorld("pull-role-missing", 9);
    stops.push(() => emulator.stop());
    const access = productAccess(emulator);
    emulator.faults.add({ kind: "500", plane: "arm", method: "GET", path: /\/roleAssignments$|\/roleDefinitions\//i });
    const { facts } = await access.readFacts(world.expect.app);
    const codes = diagnose(facts).findings.map((f) => f.code);
    expect(codes).toContain("check-incomplete");
    const error = await access.clients
      .authorization(world.expect.app.split("/")[2] ?? "")
      .roleDefinitions.getById(`/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isTransient(error)).toBe(true);
  });
});
