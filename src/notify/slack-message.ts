/**
 * Slack incoming webhooks: Block Kit blocks plus a `text` fallback (notifications and clients without blocks show
 * it). Every piece of text from outside passes escapeSlack, so no app name, message or evidence value can form a
 * `<!channel>`, `<!here>`, `<@user>` or `<!subteam^…>` mention, or a link. Pure.
 */

import type { Finding } from "../core/finding.js";
import { resourceNameOf } from "../core/resource-id.js";
import {
  type AppliedChange,
  capped,
  codeList,
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

export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

export interface SlackBlock {
  type: string;
  [property: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  unfurl_links: false;
  unfurl_media: false;
}

/** Slack's own escaping rule: the three control characters become HTML entities. */
export function escapeSlack(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text inside a ``` block: escaped, and unable to close the block early. */
function codeBlock(value: string): string {
  return `\`\`\`${escapeSlack(value).replace(/```/g, "ʼʼʼ")}\`\`\``;
}

/** Inline code: escaped, backticks removed so the span cannot break. */
function inlineCode(value: string): string {
  return `\`${escapeSlack(value).replace(/`/g, "ʼ")}\``;
}

/** A link whose URL cannot break out of `<url|label>` and whose label is escaped. */
function link(url: string, label: string): string {
  const safeUrl = url.replace(/[<>| ]/g, (c) => encodeURIComponent(c));
  return `<${safeUrl}|${escapeSlack(label).replace(/\|/g, "¦")}>`;
}

const SECTION_LIMIT = 3000;
const HEADER_LIMIT = 150;

function cut(value: string, limit: number): string {
  return value.length > limit ? `${value.slice(0, limit - 1)}…` : value;
}

function mrkdwn(value: string): SlackText {
  return { type: "mrkdwn", text: cut(value, SECTION_LIMIT) };
}

function section(value: string, extra: Record<string, unknown> = {}): SlackBlock {
  return { type: "section", text: mrkdwn(value), ...extra };
}

const TONE_EMOJI: Record<Tone, string> = {
  bad: ":red_circle:",
  warning: ":large_yellow_circle:",
  good: ":large_green_circle:",
};
const SEVERITY_EMOJI: Record<Finding["severity"], string> = {
  error: ":x:",
  warning: ":warning:",
  info: ":information_source:",
};

function findingSection(finding: Finding): SlackBlock {
  const lines = [`${SEVERITY_EMOJI[finding.severity]} *${inlineCode(finding.code)}* · ${finding.severity}`];
  const subject = findingSubject(finding);
  if (subject) lines.push(`_${escapeSlack(subject)}_`);
  lines.push(escapeSlack(finding.message));
  const evidence = capped(finding.evidence, LIMITS.evidencePerFinding);
  if (evidence.shown.length > 0) {
    const more = evidence.hidden > 0 ? `\nand ${evidence.hidden} more` : "";
    lines.push(`${codeBlock(evidence.shown.map(evidenceLine).join("\n"))}${more}`);
  }
  return section(lines.join("\n"));
}

function appliedSection(applied: AppliedChange[]): SlackBlock[] {
  if (applied.length === 0) return [];
  const { shown, hidden } = capped(applied, LIMITS.applied);
  const lines = shown.map(
    (c) => `:white_check_mark: ${escapeSlack(c.summary)}${c.auditId ? ` (audit id ${inlineCode(c.auditId)})` : ""}`,
  );
  if (hidden > 0) lines.push(`and ${hidden} more changes (see the audit table)`);
  return [section(`*Fixed automatically*\n${lines.join("\n")}`)];
}

function portalButtonLabel(url: string): string {
  const target = portalTargetName(url);
  return cut(target ? `Open ${target} in Azure portal` : "Open in Azure portal", 75);
}

function toDoSection(item: StillToDo): SlackBlock {
  const body = `:arrow_right: *${escapeSlack(item.summary)}*${item.az ? `\n${codeBlock(item.az)}` : ""}`;
  if (!item.portalUrl) return section(body);
  return section(body, {
    accessory: {
      type: "button",
      text: { type: "plain_text", text: escapeSlack(portalButtonLabel(item.portalUrl)), emoji: false },
      url: item.portalUrl,
    },
  });
}

function stillToDoSection(stillToDo: StillToDo[]): SlackBlock[] {
  if (stillToDo.length === 0) return [];
  const { shown, hidden } = capped(stillToDo, LIMITS.stillToDo);
  const out = [section("*What a person must still do*"), ...shown.map(toDoSection)];
  if (hidden > 0) out.push(section(`and ${hidden} more: run ${inlineCode("pullguard check")} for all of them`));
  return out;
}

function triggerContext(input: NotificationInput): SlackBlock {
  const parts = [`${escapeSlack(triggerDescription(input.trigger))}, ${escapeSlack(displayTime(input.at))}`];
  if (input.trigger.eventId) parts.push(`event id ${inlineCode(input.trigger.eventId)}`);
  if (input.trigger.correlationId) parts.push(`correlation id ${inlineCode(input.trigger.correlationId)}`);
  return { type: "context", elements: [mrkdwn(`Trigger: ${parts.join(" · ")}`)] };
}

/** The text notifications and block-less clients show. */
export function slackFallbackText(input: NotificationInput): string {
  const where = input.environment ? ` (${resourceNameOf(input.environment)})` : "";
  return escapeSlack(`${headline(input)}${where}: ${verdictLabel(input.verdict)}, ${codeList(input)}`);
}

export function slackMessage(input: NotificationInput): SlackMessage {
  const tone = toneOf(input);
  const appUrl = portalLink(input.tenantId, input.appId);
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: cut(`${TONE_EMOJI[tone]} ${escapeSlack(headline(input))}`, HEADER_LIMIT),
        emoji: true,
      },
    },
    section(escapeSlack(explanation(input))),
    {
      type: "section",
      fields: [
        mrkdwn(`*${workloadTitle(input)}*\n${link(appUrl, input.appName)}`),
        mrkdwn(`*Environment*\n${escapeSlack(input.environment ? resourceNameOf(input.environment) : "unknown")}`),
        mrkdwn(`*${escapeSlack(verdictTitle(input))}*\n${escapeSlack(verdictLabel(input.verdict))}`),
        mrkdwn(`*Findings*\n${escapeSlack(codeList(input))}`),
        ...(input.lastFailedExecution
          ? [mrkdwn(`*Last failed execution*\n${escapeSlack(executionLine(input.lastFailedExecution))}`)]
          : []),
      ],
    },
  ];
  if (input.findings.length > 0) {
    const { shown, hidden } = capped(input.findings, LIMITS.findings);
    blocks.push({ type: "divider" }, section(`*${escapeSlack(findingsHeading(input))}*`), ...shown.map(findingSection));
    if (hidden > 0) blocks.push(section(`and ${hidden} more: run ${inlineCode("pullguard check")} for all of them`));
  }
  const applied = appliedSection(input.applied);
  const toDo = stillToDoSection(input.stillToDo);
  if (applied.length > 0 || toDo.length > 0) blocks.push({ type: "divider" }, ...applied, ...toDo);
  blocks.push(triggerContext(input), {
    type: "actions",
    elements: [
      {
        type: "button",
        text: { type: "plain_text", text: escapeSlack(`Open ${cut(input.appName, 40)} in Azure portal`), emoji: false },
        url: appUrl,
      },
    ],
  });
  return { text: slackFallbackText(input), blocks, unfurl_links: false, unfurl_media: false };
}
