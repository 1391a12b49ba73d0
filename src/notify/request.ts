/**
 * From a notification to the exact HTTP request body and headers of one channel. Pure: the sender posts what this
 * returns, and `pullguard notify --preview` prints it.
 */
import type { ChannelKind } from "./channels.js";
import type { NotificationInput } from "./message.js";
import { slackMessage } from "./slack-message.js";
import { signStandardWebhook } from "./standard-webhooks.js";
import { teamsMessage } from "./teams-card.js";
import { webhookPayload } from "./webhook-payload.js";

export interface RequestContext {
  /** The Standard Webhooks secret (webhook channel only); without it the preview shows no signature. */
  secret?: string;
  /** The attempt time: the webhook-timestamp header. */
  now: Date;
  /** The webhook-id header (stable across retries of one message). */
  id: string;
}

export interface ChannelRequest {
  /** The exact bytes to post (the webhook signature covers them). */
  body: string;
  headers: Record<string, string>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "user-agent": "PullGuard" } as const;

export function payloadFor(channel: ChannelKind, input: NotificationInput): unknown {
  switch (channel) {
    case "teams":
      return teamsMessage(input);
    case "slack":
      return slackMessage(input);
    case "webhook":
      return webhookPayload(input);
  }
}

export function buildRequest(channel: ChannelKind, input: NotificationInput, context: RequestContext): ChannelRequest {
  const body = JSON.stringify(payloadFor(channel, input));
  if (channel !== "webhook") return { body, headers: { ...JSON_HEADERS } };
  if (context.secret === undefined) {
    // Preview without a secret: everything but the signature.
    const seconds = String(Math.floor(context.now.getTime() / 1000));
    return { body, headers: { ...JSON_HEADERS, "webhook-id": context.id, "webhook-timestamp": seconds } };
  }
  return {
    body,
    headers: {
      ...JSON_HEADERS,
      ...signStandardWebhook({ id: context.id, timestamp: context.now, body, secret: context.secret }),
    },
  };
}

/**
 * What `pullguard notify --preview` prints: the body as a value and the headers the sender would send. The webhook
 * signature covers the compact JSON (JSON.stringify of `body`), not a pretty-printed copy.
 */
export function previewPayload(
  channel: ChannelKind,
  input: NotificationInput,
  context: RequestContext,
): { body: unknown; headers: Record<string, string> } {
  const request = buildRequest(channel, input, context);
  return { body: JSON.parse(request.body) as unknown, headers: request.headers };
}
