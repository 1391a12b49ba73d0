/**
 * Microsoft Teams: an Adaptive Card 1.5 in the envelope a Teams Workflows webhook ("When a Teams webhook request is
 * received" → "Post card in a chat or channel") expects. Pure: the card is a function of the input alone.
 */

import type { Finding } from "../core/finding.js";
import { resourceNameOf } from "../core/resource-id.js";
import {
  type AppliedChange,
  capped,
  displayTime,
  evidenceLine,
  executionLine,
  explanation,
  findingSubject,
  findingsHeading,
  headline,
  LIMITS,
  type NotificationInput,
  portalLink,
  portalTargetName,
  type StillToDo,
  type Tone,
  toneOf,
  triggerDescription,
  verdictLabel,
  verdictTitle,
  workloadTitle,
} from "./message.js";

/** An Adaptive Card element or action: a typed JSON object. */
export interface CardElement {
  type: string;
  [property: string]: unknown;
}

export interface AdaptiveCard {
  $schema: "http://adaptivecards.io/schemas/adaptive-card.json";
  type: "AdaptiveCard";
  version: "1.5";
  fallbackText: string;
  body: CardElement[];
  actions: CardElement[];
  msteams: { width: "Full" };
}

export interface TeamsMessage {
  type: "message";
  attachments: Array<{
    contentType: "application/vnd.microsoft.card.adaptive";
    contentUrl: null;
    content: AdaptiveCard;
  }>;
}

const CONTAINER_STYLE: Record<Tone, string> = { bad: "attention", warning: "warning", good: "good" };
const SEVERITY_COLOR: Record<Finding["severity"], string> = { error: "Attention", warning: "Warning", info: "Default" };

function text(value: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: "TextBlock", text: value, wrap: true, ...extra };
}

function heading(value: string): CardElement {
  return text(value, { size: "Medium", weight: "Bolder", spacing: "Large", separator: true });
}

function monospace(value: string): CardElement {
  return text(value, { fontType: "Monospace", size: "Small", spacing: "None" });
}

function openUrl(title: string, url: string): CardElement {
  return { type: "Action.OpenUrl", title, url };
}

function banner(input: NotificationInput, tone: Tone): CardElement {
  return {
    type: "Container",
    style: CONTAINER_STYLE[tone],
    bleed: true,
    items: [
      text("PULLGUARD · IMAGE PULL", { size: "Small", weight: "Bolder", isSubtle: true, spacing: "None" }),
      text(headline(input), { size: "Large", weight: "Bolder", spacing: "Small" }),
      text(explanation(input), { spacing: "Small" }),
    ],
  };
}

function facts(input: NotificationInput): CardElement {
  const rows: Array<{ title: string; value: string }> = [
    { title: workloadTitle(input), value: input.appName },
    { title: "Environment", value: input.environment ? resourceNameOf(input.environment) : "unknown" },
    { title: verdictTitle(input), value: verdictLabel(input.verdict) },
    { title: "Trigger", value: triggerDescription(input.trigger) },
  ];
  if (input.lastFailedExecution) {
    rows.splice(1, 0, { title: "Last failed execution", value: executionLine(input.lastFailedExecution) });
  }
  if (input.trigger.eventId) rows.push({ title: "Event id", value: input.trigger.eventId });
  if (input.trigger.correlationId) rows.push({ title: "Correlation id", value: input.trigger.correlationId });
  rows.push({ title: "When", value: displayTime(input.at) });
  return { type: "FactSet", facts: rows, spacing: "Medium" };
}

function findingBlock(finding: Finding): CardElement {
  const items: CardElement[] = [
    text(`**${finding.code}** · ${finding.severity}`, { color: SEVERITY_COLOR[finding.severity], spacing: "None" }),
  ];
  const subject = findingSubject(finding);
  if (subject) items.push(text(subject, { size: "Small", isSubtle: true, spacing: "None" }));
  items.push(text(finding.message, { spacing: "Small" }));
  const evidence = capped(finding.evidence, LIMITS.evidencePerFinding);
  if (evidence.shown.length > 0) {
    items.push(text("Evidence", { size: "Small", weight: "Bolder", isSubtle: true, spacing: "Small" }));
    for (const e of evidence.shown) items.push(monospace(evidenceLine(e)));
    if (evidence.hidden > 0) items.push(text(`and ${evidence.hidden} more`, { size: "Small", isSubtle: true }));
  }
  return { type: "Container", spacing: "Medium", items };
}

function findingsSection(input: NotificationInput): CardElement[] {
  if (input.findings.length === 0) return [];
  const { shown, hidden } = capped(input.findings, LIMITS.findings);
  const out = [heading(findingsHeading(input)), ...shown.map(findingBlock)];
  if (hidden > 0) out.push(text(`and ${hidden} more: run \`pullguard check\` for all of them`, { isSubtle: true }));
  return out;
}

function appliedSection(applied: AppliedChange[]): CardElement[] {
  if (applied.length === 0) return [];
  const { shown, hidden } = capped(applied, LIMITS.applied);
  const out = [heading("Fixed automatically")];
  for (const change of shown) {
    out.push(text(`✓ ${change.summary}`, { color: "Good", spacing: "Small" }));
    if (change.auditId)
      out.push(text(`audit id ${change.auditId}`, { size: "Small", isSubtle: true, spacing: "None" }));
  }
  if (hidden > 0) out.push(text(`and ${hidden} more changes (see the audit table)`, { isSubtle: true }));
  return out;
}

function toDoBlock(item: StillToDo): CardElement {
  const items: CardElement[] = [text(`→ ${item.summary}`, { weight: "Bolder", spacing: "None" })];
  if (item.az) {
    items.push({
      type: "Container",
      style: "emphasis",
      spacing: "Small",
      items: [monospace(item.az)],
    });
  }
  if (item.portalUrl) {
    const target = portalTargetName(item.portalUrl);
    const title = target ? `Open ${target} in Azure portal` : "Open in Azure portal";
    items.push({ type: "ActionSet", spacing: "Small", actions: [openUrl(title, item.portalUrl)] });
  }
  return { type: "Container", spacing: "Medium", items };
}

function stillToDoSection(stillToDo: StillToDo[]): CardElement[] {
  if (stillToDo.length === 0) return [];
  const { shown, hidden } = capped(stillToDo, LIMITS.stillToDo);
  const out = [heading("What a person must still do"), ...shown.map(toDoBlock)];
  if (hidden > 0) out.push(text(`and ${hidden} more: run \`pullguard check\` for all of them`, { isSubtle: true }));
  return out;
}

/** The Adaptive Card alone (what the Teams renderer and the previews take). */
export function teamsCard(input: NotificationInput): AdaptiveCard {
  const tone = toneOf(input);
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.5",
    fallbackText: `${headline(input)}: ${verdictLabel(input.verdict)}`,
    body: [
      banner(input, tone),
      facts(input),
      ...findingsSection(input),
      ...appliedSection(input.applied),
      ...stillToDoSection(input.stillToDo),
    ],
    actions: [openUrl(`Open ${input.appName} in Azure portal`, portalLink(input.tenantId, input.appId))],
    msteams: { width: "Full" },
  };
}

/** The body to POST to a Teams Workflows webhook. */
export function teamsMessage(input: NotificationInput): TeamsMessage {
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: teamsCard(input) },
    ],
  };
}
