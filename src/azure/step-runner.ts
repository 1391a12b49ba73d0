/**
 * Carries out one plan step as its module (`src/core/steps/<kind>.ts`) describes it: reads what the module names,
 * lets it build the exact request (pure), sends it through the SDK client's pipeline, waits for the operation, judges
 * a conflict answer by the module's rule, re-reads what the module names and lets it judge the outcome.
 *
 * The runner knows no step kind: what differs between kinds is data and pure functions in the modules. It keeps what
 * the run learned from earlier steps (the principal of a system identity it enabled) and fills it into later ones.
 */
import { valueAt } from "../core/json-path.js";
import type { PlanStep } from "../core/plan-step.js";
import { moduleOf, neededRoleOf } from "../core/steps/index.js";
import {
  API_VERSIONS,
  type ArmCall,
  type Confirmation,
  type Preparation,
  type RunState,
  type SentWrite,
} from "../core/steps/step-module.js";
import { conditionRefusal, unpullableRefusal } from "../core/write-refusals.js";
import {
  ArmError,
  type ArmRequest,
  type ArmTransport,
  awaitOperation,
  DeadlineReached,
  ensureOk,
  isIdempotent,
  isTransient,
  retryAfterMs,
  waitWithin,
} from "./arm-transport.js";

/** How the runner waits: the injected clock, and the invocation's deadline (absent: no bound but the poll count). */
export interface RunnerClock {
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  deadline?: Date;
}

/** Times a throttled PUT or PATCH is sent again (the SDK's default retry count). */
const THROTTLED_RESENDS = 3;

/**
 * A write went out and no answer says how it ended: the reply was lost (a reset connection, a timeout) or the
 * operation's polls failed. ARM may have applied it; `StepRunner.settle` re-reads to learn.
 */
export class WriteOutcomeUnknown extends Error {
  override name = "WriteOutcomeUnknown";
  constructor(
    readonly request: ArmRequest,
    override readonly cause: unknown,
  ) {
    super(
      `${request.method} ${request.url.split("?")[0]}: no answer (${cause instanceof Error ? cause.message : String(cause)})`,
    );
  }
}

/**
 * An answer that says the write's operation ended Failed or Canceled (awaitOperation reports it against the write
 * itself). A failed poll (a GET) or polls that gave up say nothing about the write.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof ArmError && error.request.method !== "GET" && error.code !== "OperationTimedOut";
}

export type PreparedWrite = Extract<Preparation, { kind: "write" }> & { request: ArmRequest };
/** A preparation with its request on this run's endpoint. */
export type Prepared =
  | Extract<Preparation, { kind: "in-place" }>
  | PreparedWrite
  | (Extract<Preparation, { kind: "unbuildable" }> & { request: ArmRequest });

/** The request of an ArmCall on `endpoint`. */
export function requestOf(endpoint: string, call: ArmCall): ArmRequest {
  const url = `${endpoint}${call.path}?api-version=${API_VERSIONS[call.api]}${call.query ? `&${call.query}` : ""}`;
  return { method: call.method, url, ...(call.body !== undefined ? { body: call.body } : {}) };
}

/** The error text for a step's failure: what went wrong and, for 403 and transient errors, what to do. */
export function describeError(step: PlanStep, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const e = error as { status?: unknown; statusCode?: unknown; code?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  const refused =
    (status === 403 ? conditionRefusal(step, message) : null) ??
    unpullableRefusal(step, String(e?.code ?? ""), Number(status));
  if (refused) return `${message}. ${refused}`;
  if (status === 403) return `${message} (PullGuard needs ${neededRoleOf(step)})`;
  if (isTransient(error)) return `${message} (transient: run fix again; every step is safe to repeat)`;
  return message;
}

export class StepRunner {
  private readonly state: RunState = { systemPrincipalId: null };

  constructor(
    private readonly arm: ArmTransport,
    private readonly clock: RunnerClock,
  ) {}

  /** Fills in what earlier steps of this run produced. */
  resolve(step: PlanStep): PlanStep {
    const module = moduleOf(step);
    return module.resolve ? module.resolve(step, this.state) : step;
  }

  /** The request the step would send, for a dry run or a held-back step (reads only, no write). */
  async preview(step: PlanStep): Promise<Prepared> {
    const module = moduleOf(step);
    return module.preview ? this.withRequest(module.preview(step)) : this.prepare(step);
  }

  /** Reads what the step's module names and builds the write from it (or finds it already in place). */
  async prepare(step: PlanStep): Promise<Prepared> {
    const module = moduleOf(step);
    const read = module.read(step);
    const current = read ? await this.read(read) : null;
    const prepared = module.prepare(step, current);
    if (prepared.kind === "in-place") this.learn(prepared.learned);
    return this.withRequest(prepared);
  }

  /** Sends the write, waits for it, judges a conflict, re-reads and confirms. */
  async send(prepared: PreparedWrite): Promise<Confirmation> {
    const { request, step } = prepared;
    const module = moduleOf(step);
    const response = await this.sendWrite(request);
    const rule = module.conflict;
    if (response.status === 409 && rule && valueAt(response.body, "error", "code") === rule.code) {
      const verdict = rule.decide(step, await this.list(rule.list(step)));
      if (verdict.ok) return { outcome: "already-in-place", after: verdict.existing };
      return { outcome: "failed", after: null, error: verdict.error };
    }
    ensureOk(request, response);
    await awaitOperation(this.arm, request, response, this.clock).catch((error: unknown) => {
      throw isRefusal(error) || error instanceof DeadlineReached ? error : new WriteOutcomeUnknown(request, error);
    });
    const reread = module.confirmRead?.(step);
    const answer = { status: response.status, body: response.body };
    const confirmation = module.confirm(step, answer, reread ? await this.read(reread) : null);
    this.learn(confirmation.learned);
    return confirmation;
  }

  /**
   * After WriteOutcomeUnknown: re-reads what the step's module names and learns whether the write took effect. The
   * write is never sent again here. `applied` comes with the confirmation to record (the re-read stands in for the
   * lost answer, with status 0).
   */
  async settle(
    step: PlanStep,
    sent: SentWrite,
  ): Promise<{ effect: "applied"; confirmation: Confirmation } | { effect: "not-applied" | "unknown" }> {
    const module = moduleOf(step);
    try {
      const call = module.settleRead ? module.settleRead(step) : module.read(step);
      const reread = call ? await this.read(call) : null;
      let effect = module.settle?.(step, reread, sent);
      if (!effect) {
        const now = module.prepare(step, reread);
        effect = now.kind === "in-place" ? "applied" : "not-applied";
        if (now.kind === "in-place") this.learn(now.learned);
      }
      if (effect !== "applied") return { effect };
      const confirmation = module.confirm(step, { status: 0, body: reread }, reread);
      this.learn(confirmation.learned);
      return { effect, confirmation };
    } catch {
      return { effect: "unknown" };
    }
  }

  /**
   * Sends a write once; a PUT or PATCH refused with 429 or 503 and Retry-After (ARM did not apply it) is sent again
   * after the wait, capped (RETRY_AFTER_CAP_MS) and never past the deadline: a wait that would end past it throws
   * DeadlineReached (nothing applied). Source: ARM's throttling guide, "Request limits and throttling"
   * (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling): a 429 carries
   * Retry-After, the seconds to wait before sending again.
   */
  private async sendWrite(request: ArmRequest) {
    for (let resend = 0; ; resend++) {
      const response = await this.arm.send(request).catch((error: unknown) => {
        throw new WriteOutcomeUnknown(request, error);
      });
      const throttled = response.status === 429 || response.status === 503;
      const retryAfter = response.headers["retry-after"];
      if (!throttled || retryAfter === undefined || !isIdempotent(request.method) || resend >= THROTTLED_RESENDS) {
        return response;
      }
      const wait = waitWithin(retryAfterMs(retryAfter, 1000), this.clock);
      if (wait === null && this.clock.deadline) {
        throw new DeadlineReached(
          request,
          this.clock.deadline,
          `throttled (Retry-After ${retryAfter} s), not sent again`,
          false,
        );
      }
      await this.clock.sleep(wait ?? 0);
    }
  }

  private learn(learned: Partial<RunState> | undefined): void {
    if (learned) Object.assign(this.state, learned);
  }

  private withRequest(prepared: Preparation): Prepared {
    if (prepared.kind === "in-place") return prepared;
    return { ...prepared, request: requestOf(this.arm.endpoint, prepared.call) };
  }

  /** A GET; 404 reads as null. */
  private async read(call: ArmCall): Promise<unknown> {
    const request = requestOf(this.arm.endpoint, call);
    const response = await this.arm.send(request);
    if (response.status === 404) return null;
    return ensureOk(request, response).body;
  }

  /** A list GET, every page (nextLink). */
  private async list(call: ArmCall): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = requestOf(this.arm.endpoint, call).url;
    while (next) {
      const request: ArmRequest = { method: "GET", url: next };
      const page = ensureOk(request, await this.arm.send(request)).body;
      const value = valueAt(page, "value");
      if (Array.isArray(value)) items.push(...value);
      const link = valueAt(page, "nextLink");
      next = typeof link === "string" && link !== "" ? link : null;
    }
    return items;
  }
}
