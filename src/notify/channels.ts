/**
 * Which channels to notify, from the settings values (any combination of Teams, Slack and a signed webhook), with the
 * checks a webhook URL needs: https only (http for localhost alone), and a start-up warning for a retired Office 365
 * connector URL in the Teams setting. Webhook URLs carry their secret in the path and query, so every message here
 * shows a URL only through redactUrl.
 */

export type ChannelKind = "teams" | "slack" | "webhook";

export type Channel =
  | { kind: "teams"; url: string }
  | { kind: "slack"; url: string }
  | { kind: "webhook"; url: string; secret: string };

/** The notify part of the validated settings (src/config.ts Settings["notify"]). */
export interface NotifySettings {
  teamsUrl: string | null;
  slackUrl: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
}

export const SETTING_OF_CHANNEL: Record<ChannelKind, string> = {
  teams: "PULLGUARD_NOTIFY_TEAMS_URL",
  slack: "PULLGUARD_NOTIFY_SLACK_URL",
  webhook: "PULLGUARD_NOTIFY_WEBHOOK_URL",
};

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A URL safe to log: scheme and host only ("https://prod-12.westeurope.logic.azure.com/[redacted]"). */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/[redacted]`;
  } catch {
    return "[an unparseable URL, not shown]";
  }
}

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** https only; http is accepted for localhost alone (local sinks and tests). Never echoes the URL's secret part. */
export function checkWebhookUrl(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: "it is not an absolute URL" };
  }
  if (url.protocol === "https:") return { ok: true, url: url.toString() };
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return { ok: true, url: url.toString() };
  if (url.protocol === "http:") {
    return { ok: false, reason: `${redactUrl(raw)} uses http://, which is accepted for localhost only: use https://` };
  }
  return { ok: false, reason: `it uses ${url.protocol}, expected https://` };
}

/**
 * Office 365 connectors (Incoming Webhook) in Teams are retired: `https://<tenant>.webhook.office.com/webhookb2/...`
 * and the older `https://outlook.office.com/webhook/...`. Workflows webhooks replace them.
 */
export function isRetiredTeamsConnector(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  const path = url.pathname.toLowerCase();
  if ((host === "webhook.office.com" || host.endsWith(".webhook.office.com")) && path.startsWith("/webhookb2/")) {
    return true;
  }
  return (host === "outlook.office.com" || host === "outlook.office365.com") && /^\/webhook(b2)?(\/|$)/.test(path);
}

export interface ChannelSelection {
  channels: Channel[];
  /** Start-up warnings to log (no secrets in them). */
  warnings: string[];
}

/** The channels the settings configure, in the order Teams, Slack, webhook. Unusable ones are left out with a warning. */
export function channelsFromSettings(settings: NotifySettings): ChannelSelection {
  const channels: Channel[] = [];
  const warnings: string[] = [];

  const usable = (kind: ChannelKind, raw: string | null): string | null => {
    if (raw === null || raw.trim() === "") return null;
    const check = checkWebhookUrl(raw);
    if (!check.ok) {
      warnings.push(`${SETTING_OF_CHANNEL[kind]} is ignored: ${check.reason}.`);
      return null;
    }
    return check.url;
  };

  const teams = usable("teams", settings.teamsUrl);
  if (teams) {
    if (isRetiredTeamsConnector(teams)) {
      warnings.push(
        `PULLGUARD_NOTIFY_TEAMS_URL (${redactUrl(teams)}) is a retired Office 365 connector URL: Microsoft has retired ` +
          "connectors in Teams, so its messages stop arriving. In Teams, create a workflow from the template " +
          '"Send webhook alerts to a channel" and set PULLGUARD_NOTIFY_TEAMS_URL to the URL it gives.',
      );
    }
    channels.push({ kind: "teams", url: teams });
  }

  const slack = usable("slack", settings.slackUrl);
  if (slack) channels.push({ kind: "slack", url: slack });

  const webhook = usable("webhook", settings.webhookUrl);
  if (webhook) {
    const secret = settings.webhookSecret?.trim() ?? "";
    if (secret === "") {
      warnings.push(
        "PULLGUARD_NOTIFY_WEBHOOK_URL is ignored: PULLGUARD_NOTIFY_WEBHOOK_SECRET is not set, and PullGuard never sends an unsigned webhook.",
      );
    } else {
      channels.push({ kind: "webhook", url: webhook, secret });
    }
  }

  return { channels, warnings };
}
