/**
 * What a notification says, independent of the channel: the plain-data input the lead maps check and fix results to,
 * and the pure helpers every payload builder (Teams, Slack, webhook) shares so the three channels tell the same story
 * in the same words.
 */
import type { Evidence, Finding, FindingCode, Verdict } from "../core/finding.js";
import { resourceNameOf, type WorkloadKind, workloadIdOf, workloadKindOfId } from "../core/resource-id.js";

export type NotificationKind = "diagnosis" | "fixed" | "resolved" | "unresolved";

/** Same sources as the flow's Trigger; "verification" is the queue trigger that sends follow-ups. */
export type TriggerSource = "event" | "alert" | "http" | "sweep" | "cli" | "verification";

export interface AppliedChange {
  /** The plan step kind, e.g. "assign-role". */
  kind: string;
  /** One sentence, e.g. "granted AcrPull to the app's system identity on contosoprod". */
  summary: string;
  /** The audit table row that records the change. */
  auditId?: string;
}

export interface StillToDo {
  summary: string;
  /** The equivalent Azure CLI command a person can run. */
  az?: string;
  /** A portal deep link (see portalLink). */
  portalUrl?: string;
}

export interface NotificationTrigger {
  source: TriggerSource;
  eventId?: string;
  correlationId?: string;
  caller?: string;
}

/** v2: a job's execution as a message shows it (the last failed one, where an app's message would name a revision). */
export interface ExecutionSummary {
  name: string;
  /** ISO 8601, null when ARM gave none. */
  startTime: string | null;
  status: string | null;
}

/**
 * v2: what a job's fix did about starting an execution (PULLGUARD_START_JOBS_AFTER_FIX): nothing; one execution started
 * (its name when ARM's answer gave it); or one to be started by the follow-up once the grant has propagated (`at`).
 */
export type JobStartNote =
  | { status: "none" }
  | { status: "started"; execution: string | null }
  | { status: "deferred"; at: string };

export interface NotificationInput {
  /**
   * diagnosis: what a check found; fixed: PullGuard applied changes and will verify; resolved / unresolved: the
   * follow-up once verification has an answer.
   */
  kind: NotificationKind;
  appId: string;
  appName: string;
  /** Managed environment name or resource ID. */
  environment: string | null;
  /** Entra tenant of the app, for portal links; null when unknown. */
  tenantId: string | null;
  verdict: Verdict;
  findings: Finding[];
  applied: AppliedChange[];
  stillToDo: StillToDo[];
  trigger: NotificationTrigger;
  /** When it happened, ISO 8601. */
  at: string;
  /** v2: a job's newest failed execution (null: none failed, or not read); absent for a container app. */
  lastFailedExecution?: ExecutionSummary | null;
  /** v2, a job's "fixed" message: whether an execution was started (absent: none). */
  jobStart?: JobStartNote;
}

/** v2: which kind of workload the message is about, from its ID ("app" for any other shape). */
export function workloadKindOf(input: Pick<NotificationInput, "appId">): WorkloadKind {
  return workloadKindOfId(input.appId);
}

/** The label of the workload's row: "App" or "Job". */
export function workloadTitle(input: Pick<NotificationInput, "appId">): string {
  return workloadKindOf(input) === "job" ? "Job" : "App";
}

/** "checkout-nightly-29304000 · Failed · started 2026-11-22 02:00 UTC". */
export function executionLine(execution: ExecutionSummary): string {
  const started = execution.startTime ? ` · started ${displayTime(execution.startTime)}` : "";
  return `${execution.name} · ${execution.status ?? "unknown status"}${started}`;
}

/** How a channel colours the message. */
export type Tone = "bad" | "warning" | "good";

/** Limits that keep every payload well inside Teams' 28 KB and Slack's 50 blocks. */
export const LIMITS = { findings: 10, evidencePerFinding: 3, applied: 10, stillToDo: 6, valueChars: 160 } as const;

/**
 * Azure portal deep link to a resource: https://portal.azure.com/#@<tenant>/resource<resourceId>, or without the
 * tenant part when the tenant is unknown (the portal then uses the signed-in user's default directory).
 */
export function portalLink(tenantId: string | null, resourceId: string): string {
  const path = resourceId.startsWith("/") ? resourceId : `/${resourceId}`;
  return tenantId
    ? `https://portal.azure.com/#@${tenantId}/resource${path}`
    : `https://portal.azure.com/#resource${path}`;
}

/**
 * The resource a portal deep link opens ("contosoprod" for .../registries/contosoprod/networking), for button labels;
 * null when the link is not a portal resource link.
 */
export function portalTargetName(url: string): string | null {
  const match = /#(?:@[^/]*\/)?resource(\/[^?#]*)/.exec(url);
  if (!match?.[1]) return null;
  const parts = match[1].split("/").filter((p) => p.length > 0);
  const providers = parts.map((p) => p.toLowerCase()).lastIndexOf("providers");
  if (providers === -1) return parts.at(-1) ?? null;
  // After providers/<namespace> come type/name pairs; an odd tail ends with a portal blade such as "networking".
  const tail = parts.slice(providers + 2);
  if (tail.length % 2 === 1) tail.pop();
  return tail.at(-1) ?? null;
}

/** "Verdict", or which moment the verdict describes when the message is about a fix. */
export function verdictTitle(input: NotificationInput): string {
  if (input.kind === "fixed") return "Verdict before the fix";
  if (input.kind === "resolved" || input.kind === "unresolved") return "Verdict now";
  return "Verdict";
}

export function toneOf(input: NotificationInput): Tone {
  switch (input.kind) {
    case "fixed":
    case "resolved":
      return "good";
    case "unresolved":
      return "bad";
    case "diagnosis":
      return input.verdict === "broken" ? "bad" : input.verdict === "degraded" ? "warning" : "good";
  }
}

/** "Broken", "Degraded", "Healthy". */
export function verdictLabel(verdict: Verdict): string {
  return verdict.charAt(0).toUpperCase() + verdict.slice(1);
}

/** One line that names the app and what happened: the message title and every fallback text. */
export function headline(input: NotificationInput): string {
  if (workloadKindOf(input) === "job") return jobHeadline(input);
  const app = input.appName;
  switch (input.kind) {
    case "diagnosis":
      if (input.verdict === "broken") return `${app} cannot pull its image`;
      if (input.verdict === "degraded") return `${app} can pull, with warnings`;
      return `${app} can pull its images`;
    case "fixed":
      return `PullGuard fixed ${app}'s image pull`;
    case "resolved":
      return `${app} is running again`;
    case "unresolved":
      return `${app} still cannot pull after the fix`;
  }
}

/** v2: a job's headline says "job" (a job is not "running again": its executions pull, or do not). */
function jobHeadline(input: NotificationInput): string {
  const job = `job ${input.appName}`;
  switch (input.kind) {
    case "diagnosis":
      if (input.verdict === "broken") return `Job ${input.appName} cannot pull its image`;
      if (input.verdict === "degraded") return `Job ${input.appName} can pull, with warnings`;
      return `Job ${input.appName} can pull its images`;
    case "fixed":
      return `PullGuard fixed ${job}'s image pull`;
    case "resolved":
      return `Job ${input.appName} can pull again`;
    case "unresolved":
      return pullPathClean(input)
        ? `Job ${input.appName}'s next execution failed after the fix`
        : `Job ${input.appName} still cannot pull after the fix`;
  }
}

/**
 * v2: a job's run since the fix Failed, yet the fresh diagnosis finds no error on the pull path. An execution's status
 * carries no reason (Jobs.json `JobExecution`: status, times, template), so the run may have failed at its own work,
 * not at the pull: the message must not claim the pull still fails.
 */
function pullPathClean(input: NotificationInput): boolean {
  return !input.findings.some((f) => f.severity === "error");
}

/**
 * v2: what a job's "fixed" message says happened after the writes: nothing restarts a job (pull-path.md "Workloads:
 * apps and jobs"); an execution is started only with PULLGUARD_START_JOBS_AFTER_FIX, at once or, after a grant, once
 * it has propagated (`jobStart`).
 */
function jobFixedExplanation(start: JobStartNote | undefined): string {
  const changed = "PullGuard changed what its policy allows.";
  switch (start?.status ?? "none") {
    case "started": {
      const name = start?.status === "started" && start.execution ? ` (${start.execution})` : "";
      return `${changed} Nothing was restarted; it started one execution of the job${name} to pull with the fix (PULLGUARD_START_JOBS_AFTER_FIX). A follow-up says whether it can.`;
    }
    case "deferred": {
      const at = start?.status === "deferred" ? displayTime(start.at) : "";
      return `${changed} Nothing was restarted and no execution was started yet: once the grant has propagated (${at}) PullGuard starts one execution of the job to pull with the fix (PULLGUARD_START_JOBS_AFTER_FIX). A follow-up says whether it can.`;
    }
    default:
      return `${changed} Nothing was restarted and no execution was started: the job's next execution pulls with the fix. A follow-up says whether it can.`;
  }
}

/**
 * v2: a job's explanation. Nothing is restarted after a fix, and an execution is started only when a person switched
 * that on (jobFixedExplanation); verification is a fresh diagnosis, then the next run.
 */
function jobExplanation(input: NotificationInput): string {
  switch (input.kind) {
    case "diagnosis":
      if (input.verdict === "broken") {
        return "Its managed identity cannot pull from Azure Container Registry, so the job's executions fail to start. The findings below say why.";
      }
      if (input.verdict === "degraded") {
        return "Pulls work for now, but PullGuard found something that may break the next execution or that it could not check.";
      }
      return "Every image of the job can be pulled with its managed identity.";
    case "fixed":
      return jobFixedExplanation(input.jobStart);
    case "resolved":
      return "Verification passed: a fresh diagnosis finds nothing that blocks the job's pull. Nothing else to do.";
    case "unresolved":
      if (pullPathClean(input)) {
        // `az containerapp job logs show --execution` (with `--container`): the command the Azure CLI gives a job's
        // logs, as public runbooks use it to read one execution.
        const group = workloadIdOf(input.appId)?.resourceGroup ?? "<group>";
        const execution = input.lastFailedExecution?.name ?? "<execution>";
        return `Its execution since the fix failed, but a fresh diagnosis finds nothing that blocks the pull: the run may have failed at its own work. Read that execution's logs: az containerapp job logs show --name ${input.appName} --resource-group ${group} --execution ${execution} --container <container>.`;
      }
      return "Verification failed: the job still cannot pull its image. A person needs to act on what is left below.";
  }
}

/** Two or three plain sentences under the title. */
export function explanation(input: NotificationInput): string {
  if (workloadKindOf(input) === "job") return jobExplanation(input);
  switch (input.kind) {
    case "diagnosis":
      if (input.verdict === "broken") {
        return "Its managed identity cannot pull from Azure Container Registry, so new revisions and replicas fail to start. The findings below say why.";
      }
      if (input.verdict === "degraded") {
        return "Pulls work for now, but PullGuard found something that may break the next one or that it could not check.";
      }
      return "Every image of the app can be pulled with its managed identity.";
    case "fixed":
      return "PullGuard changed what its policy allows and restarted the failing revision. A follow-up says whether the revision runs.";
    case "resolved":
      return "Verification passed: the revision is running and healthy. Nothing else to do.";
    case "unresolved":
      return "Verification failed: the revision still does not run. A person needs to act on what is left below.";
  }
}

/** A quoted evidence value, shortened so one odd value cannot blow up the message. */
export function evidenceValue(value: unknown): string {
  const text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  return text.length > LIMITS.valueChars ? `${text.slice(0, LIMITS.valueChars - 1)}…` : text;
}

/** `properties.x.y = "disabled" (on contosoprod)`. */
export function evidenceLine(evidence: Evidence): string {
  return `${evidence.path} = ${evidenceValue(evidence.value)} (on ${resourceNameOf(evidence.resource)})`;
}

export function triggerLabel(source: TriggerSource): string {
  switch (source) {
    case "event":
      return "Azure Resource Manager event";
    case "alert":
      return "Azure Monitor alert";
    case "http":
      return "HTTP request";
    case "sweep":
      return "scheduled sweep";
    case "cli":
      return "command line";
    case "verification":
      return "scheduled verification";
  }
}

/** "scheduled sweep" or "HTTP request by alice@contoso.com". */
export function triggerDescription(trigger: NotificationTrigger): string {
  return trigger.caller ? `${triggerLabel(trigger.source)} by ${trigger.caller}` : triggerLabel(trigger.source);
}

/** "2026-11-22 10:15 UTC" (the raw value when it is not a date). */
export function displayTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The finding codes, sorted and without repeats (the dedupe fingerprint and the fallback texts use them). */
export function findingCodes(input: NotificationInput): FindingCode[] {
  return [...new Set(input.findings.map((f) => f.code))].sort();
}

/** "pull-role-missing, arm-audience-tokens-disabled" or "no findings". */
export function codeList(input: NotificationInput): string {
  const codes = findingCodes(input);
  return codes.length > 0 ? codes.join(", ") : "no findings";
}

/** Where a finding sits: "container api (contosoprod.azurecr.io/orders/api:1.8.0)" or "registry entry contosoprod.azurecr.io". */
export function findingSubject(finding: Finding): string | null {
  if (finding.container !== null) {
    return finding.image ? `container ${finding.container} (${finding.image})` : `container ${finding.container}`;
  }
  if (finding.registry) return `registry entry ${finding.registry.server}`;
  return null;
}

/** The items a channel shows plus how many it left out. */
export function capped<T>(items: readonly T[], limit: number): { shown: T[]; hidden: number } {
  return { shown: items.slice(0, limit), hidden: Math.max(0, items.length - limit) };
}

/** The title of the findings section per outcome. */
export function findingsHeading(input: NotificationInput): string {
  const n = input.findings.length;
  if (input.kind === "unresolved") return `What is still wrong (${n})`;
  if (input.kind === "resolved") return `Still reported (${n})`;
  return `Findings (${n})`;
}
