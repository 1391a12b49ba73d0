import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/finding.js";
import {
  headline,
  type NotificationInput,
  portalLink,
  portalTargetName,
  verdictLabel,
} from "../../src/notify/message.js";
import { previewPayload } from "../../src/notify/request.js";
import { escapeSlack, slackMessage } from "../../src/notify/slack-message.js";
import { teamsCard, teamsMessage } from "../../src/notify/teams-card.js";
import { webhookPayload } from "../../src/notify/webhook-payload.js";
import {
  ALL_OUTCOMES,
  APP_ID,
  brokenDiagnosis,
  fixedNotification,
  REGISTRY_ID,
  resolvedNotification,
  TENANT,
  unresolvedNotification,
} from "./fixtures.js";

const outcomes = Object.entries(ALL_OUTCOMES) as Array<[string, NotificationInput]>;

/** Every string inside a JSON value, joined: what a reader could see. */
function allText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(allText).join("\n");
  if (value !== null && typeof value === "object") return Object.values(value).map(allText).join("\n");
  return "";
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** What every message must say, whatever the channel: app, environment, verdict, codes, evidence, fixes, to-dos, trigger. */
function expectFullStory(text: string, input: NotificationInput): void {
  expect(text).toContain(input.appName);
  expect(text).toContain("env-shop");
  expect(text.toLowerCase()).toContain(input.verdict);
  expect(text).toContain(headline(input));
  for (const finding of input.findings) {
    expect(text).toContain(finding.code);
    expect(text).toContain(finding.evidence[0]?.path);
  }
  for (const change of input.applied) expect(text).toContain(change.summary);
  // Optional fields, when the input has them: one assertion that runs whatever the input holds.
  const optional = [
    ...input.applied.map((c) => c.auditId),
    ...input.stillToDo.flatMap((i) => [i.az, i.portalUrl]),
    input.trigger.eventId,
    input.trigger.correlationId,
  ].filter((v): v is string => typeof v === "string" && v !== "");
  expect(optional.filter((v) => !text.includes(v))).toEqual([]);
}

describe("message words", () => {
  it("gives each outcome its own headline", () => {
    const headlines = outcomes.map(([, input]) => headline(input));
    expect(new Set(headlines).size).toBe(headlines.length);
    expect(headline(resolvedNotification)).toBe("orders-api is running again");
    expect(headline(unresolvedNotification)).toBe("orders-api still cannot pull after the fix");
  });

  it("builds portal deep links with and without the tenant", () => {
    expect(portalLink(TENANT, APP_ID)).toBe(`https://portal.azure.com/#@${TENANT}/resource${APP_ID}`);
    expect(portalLink(null, APP_ID)).toBe(`https://portal.azure.com/#resource${APP_ID}`);
  });

  it("names the resource a portal link opens, ignoring a trailing blade", () => {
    expect(portalTargetName(portalLink(TENANT, REGISTRY_ID))).toBe("contosoprod");
    expect(portalTargetName(portalLink(TENANT, `${REGISTRY_ID}/networking`))).toBe("contosoprod");
    expect(portalTargetName(portalLink(null, APP_ID))).toBe("orders-api");
    expect(portalTargetName("https://example.com/elsewhere")).toBeNull();
  });
});

describe("Teams payload", () => {
  it.each(outcomes)("%s: Adaptive Card 1.5 in the Workflows envelope, telling the whole story", (_, input) => {
    const message = teamsMessage(input);
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(attachment?.content.type).toBe("AdaptiveCard");
    expect(attachment?.content.version).toBe("1.5");
    expect(attachment?.content.actions).toContainEqual({
      type: "Action.OpenUrl",
      title: "Open orders-api in Azure portal",
      url: portalLink(TENANT, APP_ID),
    });
    expectFullStory(allText(message), input);
    expect(JSON.stringify(message).length).toBeLessThan(28_000);
  });

  it("colours the banner by outcome", () => {
    const style = (input: NotificationInput) => teamsCard(input).body[0]?.style;
    expect(style(brokenDiagnosis)).toBe("attention");
    expect(style(fixedNotification)).toBe("good");
    expect(style(resolvedNotification)).toBe("good");
    expect(style(unresolvedNotification)).toBe("attention");
    expect(style({ ...brokenDiagnosis, verdict: "degraded" })).toBe("warning");
  });

  it("keeps a huge diagnosis inside Teams' size limit and says what it left out", () => {
    const many: Finding[] = Array.from({ length: 40 }, (_, i) => ({
      ...(brokenDiagnosis.findings[0] as Finding),
      message: `finding ${i} ${"x".repeat(200)}`,
      evidence: Array.from({ length: 10 }, () => ({ resource: REGISTRY_ID, path: "p", value: "v".repeat(1000) })),
    }));
    const message = teamsMessage({ ...brokenDiagnosis, findings: many });
    expect(JSON.stringify(message).length).toBeLessThan(28_000);
    expect(allText(message)).toContain("and 30 more");
  });
});

describe("Slack payload", () => {
  it.each(outcomes)("%s: Block Kit with a text fallback, telling the whole story", (_, input) => {
    const message = slackMessage(input);
    expect(message.text).toContain(input.appName);
    expect(message.text).toContain(verdictLabel(input.verdict));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.blocks[0]?.type).toBe("header");
    expect(message.unfurl_links).toBe(false);
    for (const block of message.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(block.type === "header" ? 150 : 3000);
    }
    expectFullStory(allText(message), input);
  });

  it("escapes & < > so no text can ping a channel, a user or a group, or hide a link", () => {
    const hostile: NotificationInput = {
      ...brokenDiagnosis,
      appName: "<!channel> orders",
      findings: [
        {
          ...(brokenDiagnosis.findings[0] as Finding),
          message: "hi <!here> & <@U024BE7LH> and <!subteam^SAZ94GDB8> see <https://evil.example|click>",
          evidence: [{ resource: APP_ID, path: "tags.owner", value: "<!everyone>" }],
        },
      ],
      applied: [{ kind: "assign-role", summary: "done <!channel>", auditId: "<@U1>" }],
      stillToDo: [{ summary: "do <!here>", az: "az x --y '<!channel>' ``` &" }],
      trigger: { source: "http", caller: "<!channel>", eventId: "<@U2>" },
    };
    const json = JSON.stringify(slackMessage(hostile));
    for (const mention of [
      "<!channel>",
      "<!here>",
      "<@U024BE7LH>",
      "<!subteam^",
      "<!everyone>",
      "<@U1>",
      "<@U2>",
      "<https://evil",
    ]) {
      expect(json).not.toContain(mention);
    }
    expect(json).toContain("&lt;!channel&gt;");
    expect(json).toContain("&amp;");
    // The only links are PullGuard's own, to the portal.
    expect(json.match(/<http[^>]*>/g)).toEqual([`<${portalLink(TENANT, APP_ID)}|&lt;!channel&gt; orders>`]);
  });

  it("escapes exactly the three control characters", () => {
    expect(escapeSlack("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
    expect(escapeSlack("&lt;")).toBe("&amp;lt;");
  });
});

describe("generic webhook payload", () => {
  it.each(outcomes)("%s: type, timestamp and the whole notification as data", (_, input) => {
    const payload = webhookPayload(input);
    expect(payload.type).toBe(`pullguard.${input.kind}`);
    expect(payload.timestamp).toBe(input.at);
    expect(payload.data.appId).toBe(APP_ID);
    expect(payload.data.findings).toEqual(input.findings);
    expect(payload.data.applied).toEqual(input.applied);
    expect(payload.data.stillToDo).toEqual(input.stillToDo);
    expect(payload.data.trigger).toEqual(input.trigger);
    expect(payload.data.codes).toEqual([...new Set(input.findings.map((f) => f.code))].sort());
    expect(payload.data.portalUrl).toBe(portalLink(TENANT, APP_ID));
    expectFullStory(allText(payload), input);
  });
});

describe("builders are pure", () => {
  it.each(outcomes)("%s: same input, same payloads; the input is not touched", (_, input) => {
    const frozen = deepFreeze(structuredClone(input));
    for (const channel of ["teams", "slack", "webhook"] as const) {
      const context = {
        now: new Date("2026-11-22T10:16:00Z"),
        id: "msg_1",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      };
      expect(previewPayload(channel, frozen, context)).toEqual(previewPayload(channel, frozen, context));
    }
    expect(frozen).toEqual(input);
  });

  it("previews the body and the headers the sender would send", () => {
    const now = new Date("2026-11-22T10:16:00Z");
    const teams = previewPayload("teams", brokenDiagnosis, { now, id: "msg_1" });
    expect(teams.body).toEqual(teamsMessage(brokenDiagnosis));
    expect(teams.headers["content-type"]).toBe("application/json; charset=utf-8");
    const unsigned = previewPayload("webhook", brokenDiagnosis, { now, id: "msg_1" });
    expect(unsigned.headers["webhook-id"]).toBe("msg_1");
    expect(unsigned.headers["webhook-timestamp"]).toBe(String(now.getTime() / 1000));
    expect(unsigned.headers["webhook-signature"]).toBeUndefined();
    const signed = previewPayload("webhook", brokenDiagnosis, {
      now,
      id: "msg_1",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    expect(signed.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});
