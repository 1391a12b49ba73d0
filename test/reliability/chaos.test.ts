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
import { createRestartFollowUp, type FixResult, fixApp } from "../../src/app/fix-app.js";
import { INVOCATION_MS } from "../../src/app/runtime.js";
import { finishVerification } from "../../src/app/verify.js";
import { TransientApplyError } from "../../src/azure/apply-plan.js";
import { isTransient } from "../../src/azure/arm-transport.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import { diagnose } from "../../src/core/diagnose.js";
import type { PullFacts } from "../../src/core/facts.js";
import { ACR_PULL_ROLE, assertAllowed, GRANTABLE_ROLES } from "../../src/core/forbidden.js";
import { followUpRestart, planFixes } from "../../src/core/plan.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { type PolicySettings, policyFromSettings } from "../../src/core/policy.js";
import { roleAssignmentName, roleGuidOf } from "../../src/core/role-assignment-name.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import type { FaultRule } from "../../tools/emulator/faults.js";
import type { Emulator } from "../../tools/emulator/index.js";
import { DEFAULT_OPERATOR } from "../../tools/emulator/index.js";
import {
  AUTO_FIXABLE,
  assignmentsIn,
  createdAssignments,
  duplicateAssignments,
  emulatorSaysPulls,
  emulatorSleep,
  OPT_IN_CODES,
  OPT_IN_FIXABLE,
  type ProductAccess,
  productAccess,
  type SentRequest,
  seeded,
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

const ROUTES: Array<{ name: string; rule: Pick<FaultRule, "plane" | "method" | "path"> }> = [
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
const KINDS: FaultRule["kind"][] = ["429", "500", "503", "reset", "latency"];

function schedule(seed: number): FaultRule[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const rules: FaultRule[] = [];
  const n = 1 + Math.floor(random() * 4);
  for (let i = 0; i < n; i++) {
    const kind = pick(KINDS);
    const route = pick(ROUTES);
    // A few rules outlast the SDK's 3 retries on their route; most are a fraction, some stop after a few hits.
    const persistent = random() < 0.25;
    rules.push({
      kind,
      ...route.rule,
      fraction: persistent ? 1 : 0.2 + random() * 0.6,
      ...(persistent
        ? { count: 4 + Math.floor(random() * 8) }
        : random() < 0.5
          ? {}
          : { count: 1 + Math.floor(random() * 6) }),
      ...(kind === "429" ? { retryAfterSeconds: 0 } : {}),
      ...(kind === "latency" ? { latencyMs: 2 + Math.floor(random() * 15), jitterMs: 2 } : {}),
    });
  }
  return rules;
}

const WRITE_ROUTES = ROUTES.filter((r) => r.rule.method !== undefined && r.rule.method !== "GET");
const THROTTLED_ROUTES = WRITE_ROUTES.filter((r) => r.rule.method !== "POST");

/** A seed's effect faults: a lost reply on some write routes (each 60%); on some seeds a 600 s Retry-After or slow operations. */
function effectFaults(seed: number): { rules: FaultRule[]; operationSeconds: number } {
  const random = seeded(seed * 7919 + 13);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const rules: FaultRule[] = WRITE_ROUTES.filter(() => random() < 0.6).map((route) => ({
    kind: "lost-reply" as const,
    ...route.rule,
    count: 1,
  }));
  if (random() < 0.35) {
    rules.push({
      kind: "429",
      ...pick(THROTTLED_ROUTES).rule,
      retryAfterSeconds: 600,
      count: 1 + Math.floor(random() * 4),
    });
  }
  const operationSeconds = random() < 0.3 ? pick([90, 400]) : 0;
  return { rules, operationSeconds };
}

const describeRule = (r: FaultRule): string =>
  `${r.kind} ${r.method ?? "*"} ${r.plane ?? ""}${r.path ? ` ${r.path.source}` : ""} x${r.fraction?.toFixed(2) ?? 1}${r.count ? ` ≤${r.count}` : ""}`;

interface Queued {
  message: VerificationMessage;
  visibleAt: number;
  dequeues: number;
}

interface RunRecord {
  label: string;
  result: FixResult | null;
  thrown: unknown;
  facts: PullFacts[];
  writes: SentRequest[];
  finals: string[];
  crashes: string[];
}

interface Figures {
  schedules: number;
  faultsInjected: Record<string, number>;
  runs: number;
  transientRethrows: number;
  halfDone: number;
  completedBySweep: number;
  writes: number;
  duplicates: number;
  slowOperations: number;
  unknownSeen: number;
  unknownResolved: number;
  pendingAtDeadline: number;
  longestInvocationMs: number;
  lostByRoute: Record<string, number>;
}

const figures: Figures = {
  schedules: 0,
  faultsInjected: {},
  runs: 0,
  transientRethrows: 0,
  halfDone: 0,
  completedBySweep: 0,
  writes: 0,
  duplicates: 0,
  slowOperations: 0,
  unknownSeen: 0,
  unknownResolved: 0,
  pendingAtDeadline: 0,
  longestInvocationMs: 0,
  lostByRoute: {},
};

const lower = (s: string): string => s.toLowerCase();
const pathOf = (url: string): string => lower(new URL(url).pathname.replace(/\/{2,}/g, "/"));

const isExpectedEscape = (error: unknown): boolean =>
  error instanceof TransientApplyError || isTransient(error) || isTransient((error as { cause?: unknown })?.cause);

class Scenario {
  readonly access: ProductAccess;
  readonly audit = createMemoryAuditLog();
  readonly budget = createMemoryChangeBudget(1000);
  readonly queue: Queued[] = [];
  readonly settings: PolicySettings;
  readonly runs: RunRecord[] = [];
  /** Audit rows seen `unknown` after a run. */
  readonly unknownRows = new Set<string>();

  constructor(
    readonly emulator: Emulator,
    readonly appId: string,
  ) {
    this.access = productAccess(emulator);
    const subscriptions = emulator.state.tenants.flatMap((t) => t.subscriptions);
    this.settings = {
      mode: "fix",
      optInFixes: OPT_IN_CODES,
      disabledFixes: [],
      allowedScopes: subscriptions.map((s) => `/subscriptions/${s}`),
      maxChangesPerHour: 1000,
    };
  }

  private applyEnv() {
    return {
      arm: this.access.arm,
      now: () => this.emulator.clock.now(),
      sleep: emulatorSleep(this.emulator),
      budget: this.budget,
      audit: this.audit,
      allowedScopes: this.settings.allowedScopes,
      invocationMs: INVOCATION_MS,
    };
  }

  /** One invocation, timed on the emulator's clock: past INVOCATION_MS is a crash. */
  async timed<T>(record: RunRecord, what: string, work: () => Promise<T>): Promise<T> {
    const start = this.emulator.clock.now().getTime();
    try {
      return await work();
    } finally {
      const took = this.emulator.clock.now().getTime() - start;
      figures.longestInvocationMs = Math.max(figures.longestInvocationMs, took);
      if (took > INVOCATION_MS)
        record.crashes.push(`${what} took ${took} ms on the emulator's clock (> ${INVOCATION_MS})`);
    }
  }

  /** The latest revision, as the emulator holds it (read-only). */
  revisionRuns(): boolean {
    const app = this.emulator.getResource(this.appId);
    const name = String(app?.properties?.latestRevisionName ?? "");
    const revision = this.emulator.getResource(`${this.appId}/revisions/${name}`);
    const p = revision?.properties ?? {};
    return String(p.runningState ?? "").startsWith("Running") && p.healthState === "Healthy";
  }

  async run(label: string): Promise<RunRecord> {
    figures.runs++;
    const record: RunRecord = { label, result: null, thrown: null, facts: [], writes: [], finals: [], crashes: [] };
    const from = this.access.arm.sent.length;
    const readFacts = async (id: string) => {
      const read = await this.access.readFacts(id);
      record.facts.push(read.facts);
      return read;
    };
    const now = () => this.emulator.clock.now();
    const trigger = { source: "event", eventId: `${label}-event` };
    try {
      record.result = await this.timed(record, "fixApp", () =>
        fixApp(this.appId, {
          readFacts,
          diagnose,
          settings: this.settings,
          apply: this.applyEnv(),
          trigger,
          dryRun: false,
          confirm: async () => true,
          verification: {
            mode: "schedule",
            delaySeconds: 5,
            deadlineMinutes: 30,
            scheduler: {
              schedule: async (message, delaySeconds) => {
                this.queue.push({ message, visibleAt: now().getTime() + delaySeconds * 1000, dequeues: 0 });
                return `m${this.queue.length}`;
              },
            },
          },
        }),
      );
      if (record.result.skipped.some((s) => s.why.startsWith("deadline:"))) figures.pendingAtDeadline++;
    } catch (error) {
      record.thrown = error;
      if (isExpectedEscape(error)) figures.transientRethrows++;
      else record.crashes.push(`fixApp threw ${(error as Error)?.stack ?? String(error)}`);
    }
    // The queue trigger: one message at a time when it becomes visible; a transient failure is retried (5 dequeues).
    for (let guard = 0; this.queue.length > 0 && guard < 30; guard++) {
      this.queue.sort((a, b) => a.visibleAt - b.visibleAt);
      const item = this.queue.shift() as Queued;
      const wait = item.visibleAt - now().getTime();
      if (wait > 0) this.emulator.clock.advance(wait);
      item.dequeues++;
      try {
        const finished = await this.timed(record, "a verification message", () =>
          finishVerification(item.message, {
            readFacts,
            diagnose,
            now,
            baseDelaySeconds: 5,
            scheduler: {
              schedule: async (message, delaySeconds) => {
                this.queue.push({ message, visibleAt: now().getTime() + delaySeconds * 1000, dequeues: 0 });
                return `m${this.queue.length}`;
              },
            },
            followUp: createRestartFollowUp({
              appId: this.appId,
              settings: this.settings,
              apply: this.applyEnv(),
              trigger,
            }),
          }),
        );
        if (finished.status === "rejected") record.crashes.push(`verification message rejected: ${finished.reason}`);
        if (finished.status === "final") {
          record.finals.push(finished.verification.outcome);
          if (finished.verification.outcome === "resolved" && !this.revisionRuns()) {
            record.crashes.push("a verification said resolved while the emulator's revision is not running");
          }
        }
      } catch (error) {
        if (!isExpectedEscape(error)) record.crashes.push(`verification threw ${(error as Error)?.stack ?? error}`);
        else if (item.dequeues < 5) this.queue.push({ ...item, visibleAt: now().getTime() });
      }
    }
    record.writes = this.access.arm.sent.slice(from).filter((r) => r.method !== "GET");
    for (const row of this.audit.entries) if (row.outcome === "unknown") this.unknownRows.add(row.id);
    if (process.env.PULLGUARD_CHAOS_SEEDS) {
      const r = record.result;
      console.log(
        label,
        JSON.stringify({
          thrown: record.thrown ? String(record.thrown) : null,
          findings: r?.before.findings.map((f) => f.code),
          plan: r?.before.plan.map((s) => `${s.kind}:${s.decision}`),
          applied: r?.applied.map((s) => `${s.kind}:${s.result}:${s.error ?? ""}`),
          skipped: r?.skipped.map((s) => `${s.kind}:${s.why}`),
          verification: r?.verification.outcome,
          finals: record.finals,
          writes: record.writes.map((w) => `${w.method} ${pathOf(w.url).split("/").slice(-2).join("/")} ${w.status}`),
          runs: this.revisionRuns(),
        }),
      );
    }
    figures.writes += record.writes.filter((w) => typeof w.status === "number" && w.status < 300).length;
    this.runs.push(record);
    return record;
  }

  /** The plans (and follow-up restarts) the product could have made from each set of facts it read in a run. */
  plansOf(record: RunRecord): PlanStep[] {
    const steps: PlanStep[] = [];
    for (const facts of record.facts) {
      const { findings } = diagnose(facts);
      const policy = policyFromSettings(this.settings, facts.app.tags);
      steps.push(...planFixes(facts, findings, policy).filter((s) => s.decision === "apply"));
      const follow = followUpRestart(facts, findings, policy);
      if (follow) steps.push(follow);
    }
    return steps;
  }
}

/** Whether a PATCH body carries exactly the part of the resource the step changes, and nothing else. */
function bodyFits(step: PlanStep, body: unknown): boolean {
  const b = (body ?? {}) as { identity?: unknown; properties?: Record<string, unknown> };
  const top = Object.keys(b).sort().join(",");
  const props = Object.keys(b.properties ?? {})
    .sort()
    .join(",");
  const config = Object.keys((b.properties?.configuration ?? {}) as object).join(",");
  switch (step.kind) {
    case "enable-system-identity":
    case "attach-user-identity":
      return top === "identity";
    case "set-registry-identity":
    case "add-registry-entry":
      return top === "properties" && props === "configuration" && config === "registries";
    case "resubmit-template":
      return top === "properties" && props === "template";
    case "enable-arm-audience-tokens":
      return top === "properties" && props === "policies";
    case "allow-registry-ips":
      return top === "properties" && props === "networkRuleSet";
    default:
      return false;
  }
}

/** The step of `plan` this write carries out, resolved (the principal of a new system identity filled in). */
function stepFor(write: SentRequest, plan: PlanStep[]): PlanStep | null {
  const path = pathOf(write.url);
  for (const step of plan) {
    switch (step.kind) {
      case "assign-role": {
        if (write.method !== "PUT") break;
        const body = (write.body ?? {}) as { properties?: Record<string, unknown> };
        const principal = lower(String(body.properties?.principalId ?? ""));
        const role = roleGuidOf(String(body.properties?.roleDefinitionId ?? ""));
        const name = step.principalFrom ? roleAssignmentName(step.scope, principal, role) : step.name;
        const expected = lower(`${step.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
        if (path !== expected || role !== roleGuidOf(step.roleDefinitionId)) break;
        if (!step.principalFrom && principal !== lower(step.principalId)) break;
        return { ...step, principalId: principal, name };
      }
      case "restart-revision":
        if (write.method === "POST" && path === lower(`${step.target}/restart`)) return step;
        break;
      default:
        if (write.method === "PATCH" && path === lower(step.target) && bodyFits(step, write.body)) return step;
    }
  }
  return null;
}

/**
 * Writes applied twice, and applied writes audited with a wrong outcome. Every write PullGuard sends reaches the
 * emulator once (no pipeline retry for writes), so its sends and the emulator's log of its writes pair in order; a
 * write is applied when the emulator answered 2xx, or applied it and lost the reply.
 */
function effectFailures(scenario: Scenario, emulator: Emulator, where: string): string[] {
  const failures: string[] = [];
  const caller = lower(emulator.state.caller?.principalId ?? DEFAULT_OPERATOR);
  const served = emulator.log.writes().filter((e) => !e.caller || lower(e.caller) === caller);
  const sent = scenario.access.arm.sent.filter((r) => r.method !== "GET");
  if (served.length !== sent.length) {
    return [`${where}: PullGuard sent ${sent.length} writes and the emulator served ${served.length}`];
  }
  const ok = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
  const applied = new Map<string, number>();
  const appliedUrls = new Set<string>();
  sent.forEach((write, i) => {
    const entry = served[i];
    if (!entry || !(ok(entry.status) || ok(entry.appliedStatus))) return;
    const key = `${write.method} ${pathOf(write.url)} ${JSON.stringify(write.body ?? null)}`;
    applied.set(key, (applied.get(key) ?? 0) + 1);
    appliedUrls.add(`${write.method} ${pathOf(write.url)}`);
  });
  const twice = [...applied.entries()].filter(([, n]) => n > 1).map(([k]) => k.slice(0, 160));
  figures.duplicates += twice.length;
  if (twice.length > 0) failures.push(`${where}: applied twice: ${twice.join("; ")}`);
  const rows = scenario.audit.entries.filter((e) => e.request);
  for (const url of appliedUrls) {
    const mine = rows.filter((e) => `${e.request?.method} ${pathOf(e.request?.url ?? "")}` === url);
    if (!mine.some((e) => e.outcome === "done" || e.outcome === "already-in-place")) {
      failures.push(
        `${where}: ${url} was applied; its audit rows say ${mine.map((e) => e.outcome).join(", ") || "nothing"}`,
      );
    }
  }
  for (const row of rows) {
    const url = `${row.request?.method} ${pathOf(row.request?.url ?? "")}`;
    if (row.outcome === "intended" || row.outcome === "unknown") {
      failures.push(`${where}: the ${row.stepKind} row ${row.id} is still ${row.outcome} after the next run`);
    }
    if (row.outcome === "done" && !appliedUrls.has(url)) {
      failures.push(`${where}: the ${row.stepKind} row ${row.id} says done and ARM never applied ${url}`);
    }
  }
  for (const entry of served) {
    if (entry.appliedStatus === undefined) continue;
    const route = WRITE_ROUTES.find(
      (r) => r.rule.method === entry.method && r.rule.path?.test(entry.path.split("?")[0] ?? ""),
    );
    const name = route?.name ?? entry.method;
    figures.lostByRoute[name] = (figures.lostByRoute[name] ?? 0) + 1;
  }
  for (const id of scenario.unknownRows) {
    figures.unknownSeen++;
    const row = scenario.audit.entries.find((e) => e.id === id);
    if (row && row.outcome !== "unknown") figures.unknownResolved++;
  }
  return failures;
}

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
      const effects = effectFaults(seed);
      const rules = [...schedule(seed), ...effects.rules];
      const scenario = new Scenario(emulator, world.expect.app);
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
        if (!scenario.revisionRuns() && first.result && !first.thrown) {
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

        // The next sweeps, without faults, complete whatever is left.
        let sweeps = 0;
        while (!scenario.revisionRuns() && sweeps < 3) {
          emulator.clock.advance(11 * 60_000);
          sweeps++;
          await scenario.run(`sweep${sweeps}`);
        }
        if (sweeps > 0 && scenario.revisionRuns()) figures.completedBySweep++;
        // The next run after an outcome was left unknown (at the deadline, after a lost reply) settles it.
        if (scenario.audit.entries.some((e) => e.outcome === "unknown" || e.outcome === "intended")) {
          emulator.clock.advance(11 * 60_000);
          await scenario.run("next");
        }

        for (const record of scenario.runs) {
          for (const crash of record.crashes) failures.push(`${where} ${record.label}: ${crash}`);
          const plan = scenario.plansOf(record);
          for (const write of record.writes) {
            const step = stepFor(write, plan);
            if (!step) {
              failures.push(`${where} ${record.label}: ${write.method} ${pathOf(write.url)} is in no plan`);
              continue;
            }
            try {
              assertAllowed(step, { method: write.method, url: write.url, body: write.body, before: write.before });
            } catch (error) {
              failures.push(`${where} ${record.label}: ${(error as Error).message}`);
            }
            if (step.kind === "assign-role" && !GRANTABLE_ROLES.has(roleGuidOf(step.roleDefinitionId))) {
              failures.push(`${where}: granted ${step.roleDefinitionId}`);
            }
          }
        }
        // Every write the emulator served for PullGuard went through applyPlan's transport.
        const caller = lower(emulator.state.caller?.principalId ?? DEFAULT_OPERATOR);
        const sentPaths = new Set(scenario.access.arm.sent.map((s) => `${s.method} ${pathOf(s.url)}`));
        const audited = new Set(
          scenario.audit.entries.flatMap((e) => (e.request ? [`${e.request.method} ${pathOf(e.request.url)}`] : [])),
        );
        for (const entry of emulator.log.writes()) {
          if (entry.caller && lower(entry.caller) !== caller) continue;
          const key = `${entry.method} ${lower((entry.path.split("?")[0] ?? "").replace(/\/{2,}/g, "/"))}`;
          if (!sentPaths.has(key)) failures.push(`${where}: the emulator served ${key}, which applyPlan never sent`);
          if (entry.status >= 200 && entry.status < 300 && !audited.has(key)) {
            failures.push(`${where}: ARM accepted ${key} and no audit row records it`);
          }
          if (entry.method === "DELETE") failures.push(`${where}: DELETE ${entry.path}`);
        }
        failures.push(...effectFailures(scenario, emulator, where));
        const duplicates = duplicateAssignments(emulator);
        const createdTwice = [...createdAssignments(emulator).entries()].filter(([, n]) => n > 1);
        figures.duplicates += duplicates.length + createdTwice.length;
        if (duplicates.length > 0) failures.push(`${where}: duplicate role assignments ${duplicates.join(", ")}`);
        if (createdTwice.length > 0)
          failures.push(`${where}: created twice ${createdTwice.map(([k]) => k).join(", ")}`);

        if (!scenario.revisionRuns()) failures.push(`${where}: still broken after ${sweeps} clean sweep(s)`);
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
    const scenario = new Scenario(emulator, world.expect.app);
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
    expect(scenario.revisionRuns()).toBe(false);

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
    const scenario = new Scenario(emulator, world.expect.app);
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
    expect(scenario.revisionRuns()).toBe(true);
    expect(emulatorSaysPulls(emulator, world.expect.app)).toBe(true);
  });

  it("an operation longer than the invocation (behaviour.operationSeconds 400) stops at the deadline: pending, then settled by a re-read", async () => {
    const { emulator, world } = await startWorld("registry-not-configured", 10);
    stops.push(() => emulator.stop());
    const scenario = new Scenario(emulator, world.expect.app);
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
    expect(scenario.revisionRuns()).toBe(true);
  });

  it("a restart whose reply is lost is sent once and audited done; a grant whose reply is lost is audited done", async () => {
    const { emulator, world } = await startWorld("pull-role-missing", 11);
    stops.push(() => emulator.stop());
    const scenario = new Scenario(emulator, world.expect.app);
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
    expect(scenario.revisionRuns()).toBe(true);
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
