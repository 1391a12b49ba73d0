/**
 * How a pull failure is recognised (spec/pull-path.md v2): structured fields first (a system log's Reason, a
 * revision's runningState, a replica container's Waiting reason, a job execution's status), then the text, with one
 * list of terms (pull-failure-terms.json, which the alert query in infra/ reads too). Pure: no I/O.
 *
 * Kinds: `auth`, `not-found`, `network`, `platform` (the text says which), `unknown` (a pull failure, or a workload
 * that could not start, whose text names no kind) and `not-a-pull-failure` (secret references, volume mounts,
 * probes, crash loops, exits after start, name validation of `template.containers` without `.image`).
 * Terms match case-insensitively, `_` and a space alike, and only as whole words at their ends.
 *
 * Examples: `Field 'template.containers.api.image' is invalid with details: 'Invalid value: "x.azurecr.io/api:1":
 * unable to pull image using Managed identity /subscriptions/... for registry x.azurecr.io'` → auth;
 * `1/1 Pending:ImagePullBackOff` → unknown; `Failed to provision revision ... Error details: Operation expired.` →
 * unknown (possible); `unable to fetch secret 'db' using Managed identity 'system'` → not-a-pull-failure.
 */
import { isFound, type JobExecutionFacts, type PullFacts, type RevisionFacts } from "./facts.js";
import terms from "./pull-failure-terms.json" with { type: "json" };

export type PullFailureKind = "auth" | "not-found" | "network" | "platform" | "unknown" | "not-a-pull-failure";
type NamedKind = "auth" | "not-found" | "network" | "platform";

export interface PullFailureVerdict {
  kind: PullFailureKind;
  /** The term or field that decided, for evidence ("runningState Waiting + ImagePullBackOff", "no such host"). */
  because: string;
}

/** One place Azure reports a failure, as the fields arrive. */
export type PullFailureSignal =
  | { source: "system-log"; reason: string | null; log: string | null }
  | {
      source: "revision";
      provisioningState: string | null;
      runningState: string | null;
      runningStateDetails: string | null;
      provisioningError: string | null;
    }
  | { source: "replica-container"; runningState: string | null; runningStateDetails: string | null }
  | { source: "job-execution"; status: string | null; details: string | null }
  /** A write's error or a deployment's message, with nothing structured around it. */
  | { source: "text"; text: string | null };

/** Lower case, `_` as a space, runs of white space as one space. */
export function normaliseFailureText(text: string): string {
  return text.toLowerCase().replace(/_/g, " ").replace(/\s+/g, " ").trim();
}

const normalisedList = (list: readonly string[]): string[] => list.map(normaliseFailureText);
const PULL_CONTEXT = normalisedList(terms.pullContext);
const NEGATIVES = normalisedList(terms.notPullFailures);
const KIND_ORDER = terms.kindOrder as NamedKind[];
const KIND_TERMS: Record<NamedKind, string[]> = {
  platform: normalisedList(terms.kindTerms.platform),
  network: normalisedList(terms.kindTerms.network),
  "not-found": normalisedList(terms.kindTerms["not-found"]),
  auth: normalisedList(terms.kindTerms.auth),
};
const SYSTEM_LOG_REASONS = normalisedList(terms.systemLogReasons);
const SYSTEM_LOG_TEXTS = normalisedList(terms.systemLogTexts);
const TERMINATED_REASON = normaliseFailureText(terms.terminatedReason.reason);
const TERMINATED_LOG = normaliseFailureText(terms.terminatedReason.logContains);
const OPERATION_EXPIRED = normaliseFailureText(terms.operationExpired);
const REPLICA_PULL_REASONS = normalisedList(terms.replicaPullReasons);
const FAILED_RUNNING_STATES = normalisedList(terms.failedRunningStates);
const FAILED_EXECUTIONS = normalisedList(terms.failedExecutionStatuses);
const IMAGE_FIELD = new RegExp(terms.imageFieldPattern, "i");
const CONTAINER_FIELD = new RegExp(terms.containerFieldPattern, "i");

const WORD = /[a-z0-9]/;

/** Whether `term` occurs in `text` (both normalised) with no letter or digit glued to either end. */
export function hasTerm(text: string, term: string): boolean {
  let from = 0;
  for (;;) {
    const at = text.indexOf(term, from);
    if (at < 0) return false;
    const before = text.charAt(at - 1);
    const after = text.charAt(at + term.length);
    const edgeBefore = !WORD.test(term.charAt(0)) || before === "" || !WORD.test(before);
    const edgeAfter = !WORD.test(term.charAt(term.length - 1)) || after === "" || !WORD.test(after);
    if (edgeBefore && edgeAfter) return true;
    from = at + 1;
  }
}

const firstTerm = (text: string, list: readonly string[]): string | null => list.find((t) => hasTerm(text, t)) ?? null;

function namedKind(text: string): PullFailureVerdict | null {
  for (const kind of KIND_ORDER) {
    const term = firstTerm(text, KIND_TERMS[kind]);
    if (term) return { kind, because: term };
  }
  return null;
}

const NOT_A_PULL: PullFailureVerdict = { kind: "not-a-pull-failure", because: "no pull-failure wording" };

interface TextReading {
  verdict: PullFailureVerdict;
  /** Whether the text itself says it is about an image pull (the image field, pull wording, a platform term). */
  aboutPull: boolean;
}

function readText(raw: string | null | undefined): TextReading {
  if (!raw || raw.trim() === "") return { verdict: NOT_A_PULL, aboutPull: false };
  const text = normaliseFailureText(raw);
  const context = IMAGE_FIELD.test(raw) ? "the image field" : firstTerm(text, PULL_CONTEXT);
  const named = namedKind(text);
  // The platform wordings are about an image by themselves.
  if (context || named?.kind === "platform") {
    return { verdict: named ?? { kind: "unknown", because: context ?? "pull wording" }, aboutPull: true };
  }
  const negative = firstTerm(text, NEGATIVES);
  if (negative) return { verdict: { kind: "not-a-pull-failure", because: negative }, aboutPull: false };
  // A container field other than `.image` (a name, a probe, an env var) is not about the pull.
  if (CONTAINER_FIELD.test(raw)) {
    return {
      verdict: { kind: "not-a-pull-failure", because: "a template.containers field other than .image" },
      aboutPull: false,
    };
  }
  if (named) return { verdict: named, aboutPull: false };
  if (hasTerm(text, OPERATION_EXPIRED))
    return { verdict: { kind: "unknown", because: "Operation expired." }, aboutPull: false };
  return { verdict: NOT_A_PULL, aboutPull: false };
}

/**
 * The text alone: `auth` / `not-found` / `network` / `platform` when it says which, `unknown` when it is about a pull
 * but names no kind (or is a bare `Operation expired.`), else not a pull failure.
 */
export function classifyFailureText(raw: string | null | undefined): PullFailureVerdict {
  return readText(raw).verdict;
}

const saysNo = (v: PullFailureVerdict): boolean => v.kind === "not-a-pull-failure" && v.because !== NOT_A_PULL.because;

/** The stronger of two verdicts: a named kind over `unknown` over not-a-pull-failure (the first wins a tie). */
function stronger(a: PullFailureVerdict, b: PullFailureVerdict): PullFailureVerdict {
  const rank = (v: PullFailureVerdict) => (v.kind === "not-a-pull-failure" ? 0 : v.kind === "unknown" ? 1 : 2);
  return rank(b) > rank(a) ? b : a;
}

function systemLog(reason: string | null, log: string | null): PullFailureVerdict {
  const r = normaliseFailureText(reason ?? "");
  const text = normaliseFailureText(log ?? "");
  const read = readText(log);
  const named = read.verdict.kind !== "not-a-pull-failure" && read.verdict.kind !== "unknown";
  if (SYSTEM_LOG_REASONS.includes(r)) return named ? read.verdict : { kind: "unknown", because: `Reason ${reason}` };
  if (r === TERMINATED_REASON && text.includes(TERMINATED_LOG)) {
    return named
      ? read.verdict
      : { kind: "unknown", because: `Reason ${reason}: ${terms.terminatedReason.logContains}` };
  }
  const logged = firstTerm(text, SYSTEM_LOG_TEXTS);
  if (logged) return named ? read.verdict : { kind: "unknown", because: logged };
  // Rows of other reasons count only when their text is about a pull.
  return read.aboutPull ? read.verdict : NOT_A_PULL;
}

function replicaContainer(runningState: string | null, details: string | null): PullFailureVerdict {
  const state = normaliseFailureText(runningState ?? "");
  const text = classifyFailureText(details);
  if (state !== "waiting") {
    // Running, or Terminated after it started (an exit after start is not a pull failure) unless it says pull.
    return text.kind !== "not-a-pull-failure" && text.because !== "Operation expired." ? text : NOT_A_PULL;
  }
  const reason = firstTerm(normaliseFailureText(details ?? ""), REPLICA_PULL_REASONS);
  if (reason && text.kind === "not-a-pull-failure") return { kind: "unknown", because: `Waiting: ${reason}` };
  return text;
}

function revision(s: Extract<PullFailureSignal, { source: "revision" }>): PullFailureVerdict {
  const failed =
    normaliseFailureText(s.provisioningState ?? "") === "failed" ||
    FAILED_RUNNING_STATES.includes(normaliseFailureText(s.runningState ?? ""));
  const texts = [classifyFailureText(s.provisioningError), classifyFailureText(s.runningStateDetails)];
  const best = texts.reduce(stronger, NOT_A_PULL);
  if (!failed) return best.kind === "unknown" ? NOT_A_PULL : best;
  if (best.kind !== "not-a-pull-failure") return best;
  // Failed, and the text names something that is not a pull (a secret, a probe): leave it.
  const negative = texts.find(saysNo);
  if (negative) return negative;
  // Failed with no text at all: nothing says it was the pull (a restart would be a guess).
  if (!s.provisioningError?.trim() && !s.runningStateDetails?.trim()) return NOT_A_PULL;
  // Failed with text PullGuard does not recognise: the workload could not start, cause unknown.
  return { kind: "unknown", because: `runningState ${s.runningState ?? s.provisioningState}` };
}

/** Decides one signal (structured fields first, then its text). */
export function classifyPullFailure(signal: PullFailureSignal): PullFailureVerdict {
  switch (signal.source) {
    case "system-log":
      return systemLog(signal.reason, signal.log);
    case "replica-container":
      return replicaContainer(signal.runningState, signal.runningStateDetails);
    case "revision":
      return revision(signal);
    case "job-execution": {
      const text = classifyFailureText(signal.details);
      if (!FAILED_EXECUTIONS.includes(normaliseFailureText(signal.status ?? ""))) return NOT_A_PULL;
      return text.kind === "not-a-pull-failure" && text.because === NOT_A_PULL.because
        ? { kind: "unknown", because: `execution ${signal.status}` }
        : text;
    }
    case "text":
      return classifyFailureText(signal.text);
  }
}

/**
 * A failed revision and its replicas together. The replicas decide first (a container Waiting on ImagePullBackOff,
 * or only crash loops); then the revision's own fields. A bare `Operation expired.` is decided by the replicas when
 * they say anything, else it stays a possible pull failure of unknown kind.
 */
export function revisionPullFailure(r: RevisionFacts): PullFailureVerdict {
  const own = classifyPullFailure({
    source: "revision",
    provisioningState: r.provisioningState,
    runningState: r.runningState,
    runningStateDetails: r.runningStateDetails ?? null,
    provisioningError: r.provisioningError,
  });
  const containers = r.replicas.flatMap((x) => x.containers);
  const fromReplicas = containers
    .map((c) => classifyPullFailure({ source: "replica-container", ...c }))
    .reduce(stronger, NOT_A_PULL);
  if (fromReplicas.kind !== "not-a-pull-failure") return stronger(fromReplicas, own);
  const replicasSayNo = containers.some((c) => saysNo(classifyFailureText(c.runningStateDetails)));
  if (own.kind === "unknown" && replicasSayNo) {
    return { kind: "not-a-pull-failure", because: "the replicas fail for another reason" };
  }
  return own;
}

/** Statuses of an execution still under way: it says nothing yet about the pull. */
const UNDER_WAY = new Set(["running", "processing"]);

/**
 * v2: a job's newest execution that ended (executions newest first, as `PullFacts.executions` and the sweep hold
 * them): one still Running or Processing says nothing yet, and a job that runs every minute always has one under way.
 * null when none ended.
 */
export function newestEndedExecution(executions: readonly JobExecutionFacts[]): JobExecutionFacts | null {
  return executions.find((e) => !UNDER_WAY.has(normaliseFailureText(e.status ?? ""))) ?? null;
}

/**
 * v2: the job's counterpart of the failing revision: its newest ended execution (`newestEndedExecution`) and what it
 * says. Failed is a possible pull failure of unknown kind (an execution carries no error text in ARM); Succeeded, or
 * any other ending, is not. null for an app, for a job whose executions were not read, and for one with no ended
 * execution.
 *
 * Example: [Running, Failed, Succeeded] → { execution: the Failed one, verdict: unknown ("execution Failed") }.
 */
export function jobPullFailure(
  facts: Pick<PullFacts, "executions">,
): { execution: JobExecutionFacts; verdict: PullFailureVerdict } | null {
  return executionsPullFailure(isFound(facts.executions) ? facts.executions.items : []);
}

/** `jobPullFailure` over a list of executions, newest first (what a sweep read without the rest of the facts). */
export function executionsPullFailure(
  executions: readonly JobExecutionFacts[],
): { execution: JobExecutionFacts; verdict: PullFailureVerdict } | null {
  const ended = newestEndedExecution(executions);
  if (!ended) return null;
  return {
    execution: ended,
    verdict: classifyPullFailure({ source: "job-execution", status: ended.status, details: null }),
  };
}

/** v2: the job's newest Failed execution (what notifications show), null when none of those read failed. */
export function newestFailedExecution(facts: Pick<PullFacts, "executions">): JobExecutionFacts | null {
  const executions = isFound(facts.executions) ? facts.executions.items : [];
  return executions.find((e) => FAILED_EXECUTIONS.includes(normaliseFailureText(e.status ?? ""))) ?? null;
}

/** Whether a verdict means "the image could not be pulled, or may not have been". */
export function isPullFailure(v: PullFailureVerdict): boolean {
  return v.kind !== "not-a-pull-failure";
}
