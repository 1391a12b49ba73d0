/**
 * The chaos suites' machinery (chaos.test.ts for apps, chaos-jobs.test.ts for jobs): seeded fault schedules over a
 * suite's routes, the lost replies and slow operations of a seed, and a Scenario that plays what the function app
 * (fixApp then the verification queue, as the handlers compose them) or the CLI (`fix`, verifying in place) would see
 * on the emulator's clock. The checks of issue 16's "exactly once in effect" are chaos-checks.ts.
 */
import { RestError } from "@azure/core-rest-pipeline";
import { createRestartFollowUp, type FixResult, fixApp, type VerificationMode } from "../../src/app/fix-app.js";
import { INVOCATION_MS } from "../../src/app/runtime.js";
import type { VerifyDeps } from "../../src/app/verify.js";
import { finishVerification } from "../../src/app/verify.js";
import { TransientApplyError } from "../../src/azure/apply-plan.js";
import { isTransient } from "../../src/azure/arm-transport.js";
import { createMemoryAuditLog } from "../../src/azure/audit-log.js";
import { createMemoryChangeBudget } from "../../src/azure/change-budget.js";
import { diagnose } from "../../src/core/diagnose.js";
import type { PullFacts } from "../../src/core/facts.js";
import { followUpRestart, planFixes } from "../../src/core/plan.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { type PolicySettings, policyFromSettings } from "../../src/core/policy.js";
import type { VerificationMessage } from "../../src/core/verification-message.js";
import type { FaultRule } from "../../tools/emulator/faults.js";
import type { Emulator } from "../../tools/emulator/index.js";
import { emulatorSleep, OPT_IN_CODES, type ProductAccess, productAccess, type SentRequest, seeded } from "./harness.js";

export const KINDS: FaultRule["kind"][] = ["429", "500", "503", "reset", "latency"];

export interface Route {
  name: string;
  rule: Pick<FaultRule, "plane" | "method" | "path">;
}

/** A seed's fault schedule over `routes`: 1 to 4 rules of the kinds above, each on a fraction of its route. */
export function faultSchedule(seed: number, routes: readonly Route[]): FaultRule[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const rules: FaultRule[] = [];
  const n = 1 + Math.floor(random() * 4);
  for (let i = 0; i < n; i++) {
    const kind = pick(KINDS);
    const route = pick(routes);
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

/** The routes of `routes` that write. */
export const writeRoutesOf = (routes: readonly Route[]): Route[] =>
  routes.filter((r) => r.rule.method !== undefined && r.rule.method !== "GET");

/** A seed's effect faults: a lost reply on some write routes (each 60%); on some seeds a 600 s Retry-After or slow operations. */
export function effectFaults(
  seed: number,
  writeRoutes: readonly Route[],
): { rules: FaultRule[]; operationSeconds: number } {
  const random = seeded(seed * 7919 + 13);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const rules: FaultRule[] = writeRoutes
    .filter(() => random() < 0.6)
    .map((route) => ({
      kind: "lost-reply" as const,
      ...route.rule,
      count: 1,
    }));
  if (random() < 0.35) {
    rules.push({
      kind: "429",
      ...pick(writeRoutes.filter((r) => r.rule.method !== "POST")).rule,
      retryAfterSeconds: 600,
      count: 1 + Math.floor(random() * 4),
    });
  }
  const operationSeconds = random() < 0.3 ? pick([90, 400]) : 0;
  return { rules, operationSeconds };
}

export const describeRule = (r: FaultRule): string =>
  `${r.kind} ${r.method ?? "*"} ${r.plane ?? ""}${r.path ? ` ${r.path.source}` : ""} x${r.fraction?.toFixed(2) ?? 1}${r.count ? ` ≤${r.count}` : ""}`;

interface Queued {
  message: VerificationMessage;
  visibleAt: number;
  dequeues: number;
}

export interface RunRecord {
  label: string;
  result: FixResult | null;
  thrown: unknown;
  facts: PullFacts[];
  writes: SentRequest[];
  finals: string[];
  crashes: string[];
  /** The suite's oracle (Scenario.healthy) when the run ended. */
  healthyAfter?: boolean;
}

export interface Figures {
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

export const newFigures = (): Figures => ({
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
});

export const lower = (s: string): string => s.toLowerCase();
export const pathOf = (url: string): string => lower(new URL(url).pathname.replace(/\/{2,}/g, "/"));

export const isExpectedEscape = (error: unknown): boolean =>
  error instanceof TransientApplyError || isTransient(error) || isTransient((error as { cause?: unknown })?.cause);

/** What a scenario plays: the workload, how the suite knows it works, and the fix path (function app or CLI). */
export interface ScenarioOptions {
  /** The suite's own oracle that the workload works (read-only on the emulator); default: the app's revision runs. */
  healthy?: (emulator: Emulator, appId: string) => boolean;
  /** PULLGUARD_START_JOBS_AFTER_FIX. */
  startJobsAfterFix?: boolean;
  /** "schedule": the function app's way (fixApp then the verification queue); "wait": the CLI's `fix` (verifyUntil). */
  path?: "schedule" | "wait";
  /** The write routes a lost reply is counted under (figures.lostByRoute). */
  writeRoutes: readonly Route[];
  /**
   * The queue refuses this message (a 503 from the storage queue's output): the invocation fails and the platform
   * delivers its input again. Absent: the queue always takes the message.
   */
  queueRefuses?: (message: VerificationMessage) => boolean;
}

/** The app's latest revision runs, as the emulator holds it (read-only). */
export function revisionRuns(emulator: Emulator, appId: string): boolean {
  const app = emulator.getResource(appId);
  const name = String(app?.properties?.latestRevisionName ?? "");
  const revision = emulator.getResource(`${appId}/revisions/${name}`);
  const p = revision?.properties ?? {};
  return String(p.runningState ?? "").startsWith("Running") && p.healthState === "Healthy";
}

/** The CLI's verify deadline (PULLGUARD_VERIFY_DEADLINE_MINUTES' default is the spec's; 30 minutes here). */
const CLI_VERIFY_MS = 30 * 60_000;

export class Scenario {
  readonly access: ProductAccess;
  readonly audit = createMemoryAuditLog();
  readonly budget = createMemoryChangeBudget(1000);
  readonly queue: Queued[] = [];
  readonly settings: PolicySettings;
  readonly runs: RunRecord[] = [];
  /** Audit rows seen `unknown` after a run. */
  readonly unknownRows = new Set<string>();
  readonly writeRoutes: readonly Route[];

  constructor(
    readonly emulator: Emulator,
    readonly appId: string,
    readonly figures: Figures,
    readonly options: ScenarioOptions,
  ) {
    this.access = productAccess(emulator);
    this.writeRoutes = options.writeRoutes;
    const subscriptions = emulator.state.tenants.flatMap((t) => t.subscriptions);
    this.settings = {
      mode: "fix",
      optInFixes: OPT_IN_CODES,
      disabledFixes: [],
      allowedScopes: subscriptions.map((s) => `/subscriptions/${s}`),
      maxChangesPerHour: 1000,
      ...(options.startJobsAfterFix ? { startJobsAfterFix: true } : {}),
    };
  }

  /** The suite's oracle that the workload works now. */
  healthy(): boolean {
    return (this.options.healthy ?? revisionRuns)(this.emulator, this.appId);
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

  /** One invocation, timed on the emulator's clock: past INVOCATION_MS is a crash (the CLI has no such limit). */
  async timed<T>(record: RunRecord, what: string, work: () => Promise<T>): Promise<T> {
    const start = this.emulator.clock.now().getTime();
    try {
      return await work();
    } finally {
      const took = this.emulator.clock.now().getTime() - start;
      if (this.options.path !== "wait") {
        this.figures.longestInvocationMs = Math.max(this.figures.longestInvocationMs, took);
        if (took > INVOCATION_MS)
          record.crashes.push(`${what} took ${took} ms on the emulator's clock (> ${INVOCATION_MS})`);
      }
    }
  }

  private scheduler() {
    const now = () => this.emulator.clock.now();
    return {
      schedule: async (message: VerificationMessage, delaySeconds: number) => {
        if (this.options.queueRefuses?.(message)) {
          throw new RestError("The server is busy (the verification queue).", { statusCode: 503 });
        }
        this.queue.push({ message, visibleAt: now().getTime() + delaySeconds * 1000, dequeues: 0 });
        return `m${this.queue.length}`;
      },
    };
  }

  private verificationMode(): VerificationMode {
    if (this.options.path === "wait") {
      return { mode: "wait", sleep: emulatorSleep(this.emulator), deadlineMs: CLI_VERIFY_MS };
    }
    return { mode: "schedule", delaySeconds: 5, deadlineMinutes: 30, scheduler: this.scheduler() };
  }

  async run(label: string): Promise<RunRecord> {
    this.figures.runs++;
    const record: RunRecord = { label, result: null, thrown: null, facts: [], writes: [], finals: [], crashes: [] };
    const from = this.access.arm.sent.length;
    const readFacts = async (id: string) => {
      const read = await this.access.readFacts(id);
      record.facts.push(read.facts);
      return read;
    };
    const trigger = { source: this.options.path === "wait" ? "cli" : "event", eventId: `${label}-event` };
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
          verification: this.verificationMode(),
        }),
      );
      if (record.result.skipped.some((s) => s.why.startsWith("deadline:"))) this.figures.pendingAtDeadline++;
      if (this.options.path === "wait") record.finals.push(record.result.verification.outcome);
    } catch (error) {
      record.thrown = error;
      if (isExpectedEscape(error)) this.figures.transientRethrows++;
      else record.crashes.push(`fixApp threw ${(error as Error)?.stack ?? String(error)}`);
    }
    await this.drainQueue(record, readFacts, trigger);
    record.writes = this.access.arm.sent.slice(from).filter((r) => r.method !== "GET");
    record.healthyAfter = this.healthy();
    for (const row of this.audit.entries) if (row.outcome === "unknown") this.unknownRows.add(row.id);
    if (process.env.PULLGUARD_CHAOS_SEEDS) this.show(record);
    this.figures.writes += record.writes.filter((w) => typeof w.status === "number" && w.status < 300).length;
    this.runs.push(record);
    return record;
  }

  /** The queue trigger: one message at a time when it becomes visible; a transient failure is retried (5 dequeues). */
  private async drainQueue(
    record: RunRecord,
    readFacts: VerifyDeps["readFacts"],
    trigger: { source: string; eventId: string },
  ): Promise<void> {
    const now = () => this.emulator.clock.now();
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
            scheduler: this.scheduler(),
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
          if (finished.verification.outcome === "resolved" && !this.healthy()) {
            record.crashes.push("a verification said resolved while the emulator says the workload cannot pull");
          }
        }
      } catch (error) {
        if (!isExpectedEscape(error)) record.crashes.push(`verification threw ${(error as Error)?.stack ?? error}`);
        else if (item.dequeues < 5) this.queue.push({ ...item, visibleAt: now().getTime() });
      }
    }
  }

  /** A replayed seed (PULLGUARD_CHAOS_SEEDS) prints each run. */
  private show(record: RunRecord): void {
    const r = record.result;
    console.log(
      record.label,
      JSON.stringify({
        thrown: record.thrown ? String(record.thrown) : null,
        findings: r?.before.findings.map((f) => f.code),
        plan: r?.before.plan.map((s) => `${s.kind}:${s.decision}`),
        applied: r?.applied.map((s) => `${s.kind}:${s.result}:${s.error ?? ""}`),
        skipped: r?.skipped.map((s) => `${s.kind}:${s.why}`),
        verification: r?.verification.outcome,
        finals: record.finals,
        writes: record.writes.map((w) => `${w.method} ${pathOf(w.url).split("/").slice(-2).join("/")} ${w.status}`),
        healthy: this.healthy(),
      }),
    );
  }

  /** The plans (and follow-ups) the product could have made from each set of facts it read in a run. */
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

/**
 * After the faulted run: up to three clean runs (a later sweep, 11 minutes apart) complete what is left, counted in
 * `completedBySweep`; then, when an outcome was left unknown (at the deadline, after a lost reply), the next run
 * settles it. Returns how many clean runs it took.
 */
export async function completeWithoutFaults(scenario: Scenario, emulator: Emulator, figures: Figures): Promise<number> {
  let sweeps = 0;
  while (!scenario.healthy() && sweeps < 3) {
    emulator.clock.advance(11 * 60_000);
    sweeps++;
    await scenario.run(`sweep${sweeps}`);
  }
  if (sweeps > 0 && scenario.healthy()) figures.completedBySweep++;
  if (scenario.audit.entries.some((e) => e.outcome === "unknown" || e.outcome === "intended")) {
    emulator.clock.advance(11 * 60_000);
    await scenario.run("next");
  }
  return sweeps;
}
