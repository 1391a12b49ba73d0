/**
 * The generic JSON webhook, for anything that is neither Teams nor Slack. The body follows the Standard Webhooks
 * payload convention (`type`, `timestamp`, `data`) and carries the whole notification as plain data plus the words
 * the chat channels show, so a receiver can route on `type` and render or store `data` as it likes. Pure.
 */
import type { Finding, FindingCode, Verdict } from "../core/finding.js";
import type { WorkloadKind } from "../core/resource-id.js";
import {
  type AppliedChange,
  type ExecutionSummary,
  explanation,
  findingCodes,
  headline,
  type NotificationInput,
  type NotificationKind,
  type NotificationTrigger,
  portalLink,
  type StillToDo,
  workloadKindOf,
} from "./message.js";

export type WebhookEventType = `pullguard.${NotificationKind}`;

export interface WebhookPayload {
  type: WebhookEventType;
  /** When it happened (the notification's `at`), ISO 8601. */
  timestamp: string;
  data: {
    kind: NotificationKind;
    appId: string;
    appName: string;
    /** v2 (additive): which kind of workload `appId` names ("app" | "job"); `kind` is the notification's kind. */
    appKind: WorkloadKind;
    /** v2 (additive): a job's newest failed execution; null for an app and for a job with none. */
    lastFailedExecution: ExecutionSummary | null;
    environment: string | null;
    tenantId: string | null;
    verdict: Verdict;
    headline: string;
    summary: string;
    codes: FindingCode[];
    findings: Finding[];
    applied: AppliedChange[];
    stillToDo: StillToDo[];
    trigger: NotificationTrigger;
    portalUrl: string;
  };
}

export function webhookPayload(input: NotificationInput): WebhookPayload {
  return {
    type: `pullguard.${input.kind}`,
    timestamp: input.at,
    data: {
      kind: input.kind,
      appId: input.appId,
      appName: input.appName,
      appKind: workloadKindOf(input),
      lastFailedExecution: input.lastFailedExecution ?? null,
      environment: input.environment,
      tenantId: input.tenantId,
      verdict: input.verdict,
      headline: headline(input),
      summary: explanation(input),
      codes: findingCodes(input),
      findings: input.findings,
      applied: input.applied,
      stillToDo: input.stillToDo,
      trigger: input.trigger,
      portalUrl: portalLink(input.tenantId, input.appId),
    },
  };
}
