/**
 * The outcome of a fix follows the revision (cli.md): Running/Healthy is `resolved` (even while a fresh grant still
 * shows `role-assignment-propagating`); an error that remains in the re-diagnosis is `unresolved` with that cause;
 * anything else (a revision still provisioning, a restart waiting for propagation) is `pending`.
 *
 * Example: revision Failed + only `role-assignment-propagating` left → pending; revision Running/Healthy → resolved.
 *
 * v2, a job (pull-path.md "Workloads: apps and jobs"): it has no revision, and nothing restarts it. Right after its fix
 * the verification is a fresh diagnosis: `resolved` when no error remains (a propagating grant stays listed as a
 * warning), `unresolved` with the cause otherwise. The follow-up then judges the first run since the fix: the newest
 * execution started at or after that time that Succeeded (`resolved`) or Failed (`unresolved`: the fresh diagnosis
 * says why); none yet, or only running ones, is `pending`.
 *
 * Example: job fixed at 10:00, execution started 10:05 Failed → unresolved; only 09:00 Failed → pending.
 */
import { isFound, type JobExecutionFacts, type PullFacts } from "./facts.js";
import type { Finding } from "./finding.js";

export type VerificationOutcomeKind = "resolved" | "pending" | "unresolved";

export interface RevisionState {
  provisioningState: string | null;
  runningState: string | null;
  healthState: string | null;
}

export interface Verification {
  outcome: VerificationOutcomeKind;
  revision: string | null;
  state: RevisionState;
  /** What is still wrong (errors and warnings of the re-diagnosis). */
  remaining: Finding[];
  /** v2, a job's follow-up: the execution since the fix that the outcome follows (null: none yet). */
  execution?: JobExecutionFacts | null;
}

const lower = (s: string | null): string => (s ?? "").toLowerCase();

export function revisionStateOf(facts: PullFacts): { revision: string | null; state: RevisionState } {
  const r = facts.revision;
  if (!isFound(r)) {
    return {
      revision: facts.app.latestRevisionName,
      state: { provisioningState: null, runningState: null, healthState: null },
    };
  }
  return {
    revision: r.name,
    state: { provisioningState: r.provisioningState, runningState: r.runningState, healthState: r.healthState },
  };
}

export function isRunningHealthy(state: RevisionState): boolean {
  return lower(state.runningState).startsWith("running") && lower(state.healthState) === "healthy";
}

/** Still being provisioned, activated or scaled: wait before judging (and never restart it). */
export function isInProgress(state: RevisionState): boolean {
  const p = lower(state.provisioningState);
  const r = lower(state.runningState);
  return p === "provisioning" || p === "deprovisioning" || r === "processing" || r === "activating";
}

/** Failed and idle: a restart is what moves it (a Stopped revision was stopped by a person and is left alone). */
export function isTerminallyFailed(state: RevisionState): boolean {
  if (isInProgress(state) || isRunningHealthy(state)) return false;
  const p = lower(state.provisioningState);
  const r = lower(state.runningState);
  return (
    p === "failed" ||
    r === "failed" ||
    r === "degraded" ||
    r === "activationfailed" ||
    lower(state.healthState) === "unhealthy"
  );
}

/**
 * v2: the newest execution of the job that started at or after `since` (ISO) and ended Succeeded or Failed; null when
 * there is none (yet), or the executions could not be read. A Stopped execution was stopped by a person and says
 * nothing about the pull; Running, Processing, Degraded and Unknown have not decided yet.
 */
export function decidedExecutionSince(facts: PullFacts, since: string): JobExecutionFacts | null {
  const read = facts.executions;
  const items = read && isFound(read) ? read.items : [];
  const from = Date.parse(since);
  const decided = items.filter((e) => {
    const started = e.startTime ? Date.parse(e.startTime) : Number.NaN;
    const status = lower(e.status);
    return !Number.isNaN(started) && started >= from && (status === "succeeded" || status === "failed");
  });
  return decided.sort((a, b) => Date.parse(b.startTime ?? "") - Date.parse(a.startTime ?? ""))[0] ?? null;
}

/** v2: a job's verification: by the fresh diagnosis (`since` null), or by the first decided run since `since`. */
function judgeJob(facts: PullFacts, remaining: Finding[], since: string | null): Verification {
  const base = { revision: null, state: { provisioningState: null, runningState: null, healthState: null }, remaining };
  if (since === null) {
    return { ...base, outcome: remaining.some((f) => f.severity === "error") ? "unresolved" : "resolved" };
  }
  const execution = decidedExecutionSince(facts, since);
  if (!execution) return { ...base, outcome: "pending", execution: null };
  return { ...base, outcome: lower(execution.status) === "succeeded" ? "resolved" : "unresolved", execution };
}

/**
 * Judges a re-read and re-diagnosis (pure). For a job (v2), `since` is when its fix was made: given, the outcome
 * follows the executions since then; absent, the diagnosis.
 */
export function judgeVerification(
  facts: PullFacts,
  findings: readonly Finding[],
  options: { since?: string | null } = {},
): Verification {
  const remaining = findings.filter((f) => f.severity !== "info");
  if (facts.app.kind === "job") return judgeJob(facts, remaining, options.since ?? null);
  const { revision, state } = revisionStateOf(facts);
  if (isRunningHealthy(state)) return { outcome: "resolved", revision, state, remaining };
  if (remaining.some((f) => f.severity === "error")) return { outcome: "unresolved", revision, state, remaining };
  return { outcome: "pending", revision, state, remaining };
}
