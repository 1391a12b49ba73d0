import { describe, expect, it } from "vitest";
import {
  channelsFromSettings,
  checkWebhookUrl,
  isRetiredTeamsConnector,
  redactUrl,
} from "../../src/notify/channels.js";

const WORKFLOWS_URL =
  "https://prod-12.westeurope.logic.azure.com:443/workflows/0f1e2d3c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TOPSECRETSIG";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/TOPSECRETTOKEN";
const RETIRED = "https://contoso.webhook.office.com/webhookb2/aaaa@bbbb/IncomingWebhook/TOPSECRETPATH/cccc";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const none = { teamsUrl: null, slackUrl: null, webhookUrl: null, webhookSecret: null };

describe("channelsFromSettings", () => {
  it("configures nothing when nothing is set", () => {
    expect(channelsFromSettings(none)).toEqual({ channels: [], warnings: [] });
  });

  it("configures any combination, Teams, Slack, webhook in that order", () => {
    const all = channelsFromSettings({
      teamsUrl: WORKFLOWS_URL,
      slackUrl: SLACK_URL,
      webhookUrl: "https://hooks.example.com/pullguard",
      webhookSecret: SECRET,
    });
    expect(all.warnings).toEqual([]);
    expect(all.channels.map((c) => c.kind)).toEqual(["teams", "slack", "webhook"]);
    expect(all.channels[2]).toEqual({ kind: "webhook", url: "https://hooks.example.com/pullguard", secret: SECRET });
    expect(channelsFromSettings({ ...none, slackUrl: SLACK_URL }).channels).toEqual([
      { kind: "slack", url: SLACK_URL },
    ]);
  });

  it("warns about a retired Office 365 connector URL without showing its secret path", () => {
    const { channels, warnings } = channelsFromSettings({ ...none, teamsUrl: RETIRED });
    expect(channels).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("retired Office 365 connector");
    expect(warnings[0]).toContain("https://contoso.webhook.office.com/[redacted]");
    expect(warnings[0]).not.toContain("TOPSECRET");
    expect(channelsFromSettings({ ...none, teamsUrl: WORKFLOWS_URL }).warnings).toEqual([]);
  });

  it("leaves out http URLs other than localhost, and a webhook without its secret, saying why", () => {
    const { channels, warnings } = channelsFromSettings({
      teamsUrl: "http://prod-12.westeurope.logic.azure.com/workflows/x?sig=TOPSECRET",
      slackUrl: "http://127.0.0.1:8080/slack",
      webhookUrl: "https://hooks.example.com/pullguard",
      webhookSecret: null,
    });
    expect(channels).toEqual([{ kind: "slack", url: "http://127.0.0.1:8080/slack" }]);
    expect(warnings.join("\n")).toContain("PULLGUARD_NOTIFY_TEAMS_URL is ignored");
    expect(warnings.join("\n")).toContain("PULLGUARD_NOTIFY_WEBHOOK_URL is ignored");
    expect(warnings.join("\n")).not.toContain("TOPSECRET");
  });
});

describe("webhook URL checks", () => {
  it("accepts https anywhere and http only on loopback", () => {
    expect(checkWebhookUrl(WORKFLOWS_URL).ok).toBe(true);
    expect(checkWebhookUrl("http://localhost:7071/x").ok).toBe(true);
    expect(checkWebhookUrl("http://[::1]:7071/x").ok).toBe(true);
    expect(checkWebhookUrl("http://127.0.0.1:7071/x").ok).toBe(true);
    expect(checkWebhookUrl("http://example.com/x").ok).toBe(false);
    expect(checkWebhookUrl("http://127.0.0.1.nip.io/x").ok).toBe(false);
    expect(checkWebhookUrl("ftp://example.com/x").ok).toBe(false);
    expect(checkWebhookUrl("not a url").ok).toBe(false);
  });

  it("recognises both forms of retired connector URL", () => {
    expect(isRetiredTeamsConnector(RETIRED)).toBe(true);
    expect(isRetiredTeamsConnector("https://outlook.office.com/webhook/aaaa@bbbb/IncomingWebhook/cc/dd")).toBe(true);
    expect(isRetiredTeamsConnector(WORKFLOWS_URL)).toBe(false);
    expect(isRetiredTeamsConnector("https://contoso.webhook.office.com/other")).toBe(false);
  });

  it("redacts a URL to scheme and host", () => {
    expect(redactUrl(WORKFLOWS_URL)).toBe("https://prod-12.westeurope.logic.azure.com/[redacted]");
    expect(redactUrl(SLACK_URL)).toBe("https://hooks.slack.com/[redacted]");
    expect(redactUrl("http://127.0.0.1:8080/a?b=c")).toBe("http://127.0.0.1:8080/[redacted]");
  });
});
