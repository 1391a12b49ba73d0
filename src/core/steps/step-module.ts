/**
 * What one plan step kind is, in one module (`src/core/steps/<kind>.ts`, listed in `index.ts`): the Azure role it
 * needs, how it orders and depends on other steps, its sentence, and its write lifecycle as pure functions over ARM
 * JSON: what to read first, the exact request built from that read (or "already in place"), what to re-read after
 * the write to confirm it, and what of the state before goes into the audit row.
 *
 * The module never talks to Azure: `src/azure/step-runner.ts` performs the reads and the write it describes (one
 * runner for every kind), so a new step kind is a new file here plus its line in `index.ts` and `order.ts`.
 */
import type { Json } from "../json-path.js";
import type { PlanStep, StepKind } from "../plan-step.js";
import { workloadKindOfId } from "../resource-id.js";

/** The ARM APIs the steps write to, and the version each request uses (pull-path.md, "API versions"). */
export const API_VERSIONS = {
  containerApps: "2025-07-01",
  registries: "2025-11-01",
  roleAssignments: "2022-04-01",
} as const;
export type ArmApi = keyof typeof API_VERSIONS;

/** An ARM request without the endpoint: the resource path, its API, and for a write the exact body. */
export interface ArmCall {
  method: "GET" | "PUT" | "PATCH" | "POST";
  path: string;
  api: ArmApi;
  body?: Json;
  /** Extra query parameters after api-version, already encoded (e.g. `$filter=...`). */
  query?: string;
}

/** What a run learned from its earlier steps (the principal of a system identity it enabled). */
export interface RunState {
  systemPrincipalId: string | null;
}

/** What a step needs, worked out from a fresh read. */
export type Preparation<S extends PlanStep = PlanStep> =
  | { kind: "in-place"; before: unknown; after?: unknown; learned?: Partial<RunState> }
  | { kind: "write"; call: ArmCall; before: unknown; step: S }
  | { kind: "unbuildable"; call: ArmCall; note: string };

/** How a sent write turned out, from ARM's answer and the re-read. */
export interface Confirmation {
  outcome: "done" | "already-in-place" | "failed";
  after: unknown;
  error?: string;
  learned?: Partial<RunState>;
}

/** ARM's answer to a write. */
export interface WriteAnswer {
  status: number;
  body: unknown;
}

/** What was known when a write went out: the state read before it and the time it was sent (ISO). */
export interface SentWrite {
  before: unknown;
  at: string;
}

/** Whether a write whose reply was lost took effect: re-read, never guessed. */
export type WriteEffect = "applied" | "not-applied" | "unknown";

/** ARM answered the write with a conflict: list what exists and decide whether it is what the step intended. */
export interface ConflictRule<S extends PlanStep> {
  /** The ARM error code this rule handles (e.g. RoleAssignmentExists). */
  code: string;
  /** The list request (paged through by the runner with nextLink). */
  list(step: S): ArmCall;
  /** `already-in-place` with the existing resource, or the failure to report. */
  decide(step: S, items: unknown[]): { ok: true; existing: unknown } | { ok: false; error: string };
}

/** A step before the policy's decision (what the planner drafts). */
export type Draft<S extends PlanStep = PlanStep> = S extends unknown ? Omit<S, "decision" | "why"> : never;

export interface StepModule<S extends PlanStep = PlanStep> {
  kind: S["kind"];
  /** The Azure role PullGuard needs for this write (said when ARM answers 403). */
  neededRole: string;
  /** Two drafts with the same key are one change; the first one's reason is kept. */
  key(step: Draft<S>): string;
  /** What of a duplicate draft the kept one takes on (default: nothing). */
  merge?(kept: Draft<S>, duplicate: Draft<S>): Partial<Draft<S>>;
  /** Whether `step` depends on `earlier`, a step before it in the plan (a failed dependency skips it). */
  dependsOn(step: S, earlier: PlanStep): boolean;
  /**
   * A restart after the fixes: it depends on every step before it, is only as strong as the strongest of them, and a
   * step the policy held back does not block it.
   */
  followsFixes?: true;
  /** The earliest time the step is worth sending (ISO), when it must wait (e.g. for a grant to propagate). */
  notBefore?(step: S): string | undefined;
  /** One sentence for the CLI and the notifications. */
  describe(step: S): string;
  /** Fills in what earlier steps of this run produced (default: nothing to fill in). */
  resolve?(step: S, run: RunState): S;
  /** The resource to read before writing (404 reads as null), or null when nothing needs reading. */
  read(step: S): ArmCall | null;
  /** The write built from that read, "already in place", or why it cannot be built yet. May throw a readable error. */
  prepare(step: S, current: unknown): Preparation<S>;
  /** For a dry run or a held-back step, when showing the request needs no read (default: read and prepare). */
  preview?(step: S): Preparation<S>;
  /** What to re-read after the write to confirm it (default: nothing). */
  confirmRead?(step: S): ArmCall | null;
  /** The outcome, from the write's answer and the re-read (null when nothing was re-read or it is gone). */
  confirm(step: S, answer: WriteAnswer, reread: unknown): Confirmation;
  /**
   * After a lost reply (or an operation whose polls failed): what to re-read to learn whether the write took effect
   * (default: `read`).
   */
  settleRead?(step: S): ArmCall | null;
  /**
   * Whether the write took effect, from that re-read and what was known when it was sent. Default: the step's own
   * `prepare` on the re-read says "already in place" (the write names the state it wants, so that state being there
   * means it took effect) or not.
   */
  settle?(step: S, reread: unknown, sent: SentWrite): WriteEffect;
  /** How a conflict answer is judged (default: a conflict is a failure). */
  conflict?: ConflictRule<S>;
  /** The part of the state read before a write that is worth keeping in the audit row. */
  auditBefore(before: unknown): unknown;
}

/** A StepModule for the step of kind K. */
export type ModuleOf<K extends StepKind> = StepModule<Extract<PlanStep, { kind: K }>>;

export const lower = (s: string): string => s.toLowerCase();

/**
 * The word a step's sentence uses for the workload it changes: "job" for a job (v2), "app" for a container app (the
 * sentences people already read for apps stay as they were).
 */
export function workloadWord(target: string): string {
  return workloadKindOfId(target);
}
