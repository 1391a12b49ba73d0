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
 *
 * `fixedAt` is PullGuard's clock and an execution's startTime ARM's: when ARM's runs ahead, a run that started just
 * before the fix can carry a startTime after it. So the executions the fix's read already listed (`prior`, by name:
 * execution names are unique per job) are never "since the fix", whatever their startTime; `since` stays the coarse
 * bound for the rest. An execution PullGuard started itself was not listed then, and counts.
 *
 * Example: fixed at 10:00:00 (PullGuard), the developer's run listed at the fix with startTime 10:00:03 (ARM) Failed →
 * pending, not unresolved.
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

/** v2: what a job's follow-up knows of its fix: when it was made, and the executions its read already listed. */
export interface SinceFix {
  /** When the fix was made (ISO, PullGuard's clock): the coarse bound. */
  since: string;
  /** Names of executions that existed when the fix read the job: never "since the fix" (verification-message.ts). */
  prior?: readonly string[];
}

/** v2: whether the fix's read listed the execution (names compare case-insensitively): it is never a run since then. */
export function listedByFix(execution: JobExecutionFacts, prior: readonly string[] | undefined): boolean {
  return prior?.some((name) => name.toLowerCase() === execution.name.toLowerCase()) ?? false;
}

/** v2: whether an execution may be a run since the fix: not one the fix's read listed, and started at or after `since`. */
export function startedSinceFix(execution: JobExecutionFacts, fix: SinceFix): boolean {
  if (listedByFix(execution, fix.prior)) return false;
  const started = execution.startTime ? Date.parse(execution.startTime) : Number.NaN;
  return !Number.isNaN(started) && started >= Date.parse(fix.since);
}

/**
 * v2: the newest execution of the job since the fix (`startedSinceFix`) that ended Succeeded or Failed; null when
 * there is none (yet), or the executions could not be read. A Stopped execution was stopped by a person and says
 * nothing about the pull; Running, Processing, Degraded and Unknown have not decided yet.
 */
export function decidedExecutionSince(facts: PullFacts, fix: SinceFix): JobExecutionFacts | null {
  const read = facts.executions;
  const items = read && isFound(read) ? read.items : [];
  const decided = items.filter((e) => {
    const status = lower(e.status);
    return startedSinceFix(e, fix) && (status === "succeeded" || status === "failed");
  });
  return decided.sort((a, b) => Date.parse(b.startTime ?? "") - Date.parse(a.startTime ?? ""))[0] ?? null;
}

/** v2: a job's verification: by the fresh diagnosis (`fix` null), or by the first decided run since the fix. */
function judgeJob(facts: PullFacts, remaining: Finding[], fix: SinceFix | null): Verification {
  const base = { revision: null, state: { provisioningState: null, runningState: null, healthState: null }, remaining };
  if (fix === null) {
    if (remaining.some((f) => f.severity === "error")) return { ...base, outcome: "unresolved" };
    // A diagnosis that could not read a fact is no evidence of a fix: check-incomplete is never a pass (cli.md).
    return { ...base, outcome: remaining.some((f) => f.code === "check-incomplete") ? "pending" : "resolved" };
  }
  const execution = decidedExecutionSince(facts, fix);
  if (!execution) return { ...base, outcome: "pending", execution: null };
  return { ...base, outcome: lower(execution.status) === "succeeded" ? "resolved" : "unresolved", execution };
}

/**
 * Judges a re-read and re-diagnosis (pure). For a job (v2), `since` is when its fix was made and `prior` the executions
 * its read listed: given, the outcome follows the executions since the fix; absent, the diagnosis.
 */
export function judgeVerification(
  facts: PullFacts,
  findings: readonly Finding[],
  options: { since?: string | null; prior?: readonly string[] } = {},
): Verification {
  const remaining = findings.filter((f) => f.severity !== "info");
  if (facts.app.kind === "job") {
    const fix = options.since ? { since: options.since, prior: options.prior ?? [] } : null;
    return judgeJob(facts, remaining, fix);
  }
  const { revision, state } = revisionStateOf(facts);
  if (isRunningHealthy(state)) return { outcome: "resolved", revision, state, remaining };
  if (remaining.some((f) => f.severity === "error")) return { outcome: "unresolved", revision, state, remaining };
  return { outcome: "pending", revision, state, remaining };
}
