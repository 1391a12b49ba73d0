/**
 * The outcome of a fix follows the revision (cli.md): Running/Healthy is `resolved` (even while a fresh grant still
 * shows `role-assignment-propagating`); an error that remains in the re-diagnosis is `unresolved` with that cause;
 * anything else (a revision still provisioning, a restart waiting for propagation) is `pending`.
 *
 * Example: revision Failed + only `role-assignment-propagating` left → pending; revision Running/Healthy → resolved.
 */
import { isFound, type PullFacts } from "./facts.js";
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

/** Judges a re-read and re-diagnosis (pure). */
export function judgeVerification(facts: PullFacts, findings: readonly Finding[]): Verification {
  const { revision, state } = revisionStateOf(facts);
  const remaining = findings.filter((f) => f.severity !== "info");
  if (isRunningHealthy(state)) return { outcome: "resolved", revision, state, remaining };
  if (remaining.some((f) => f.severity === "error")) return { outcome: "unresolved", revision, state, remaining };
  return { outcome: "pending", revision, state, remaining };
}
