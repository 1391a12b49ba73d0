/**
 * Signing the Standard Webhooks way (https://www.standardwebhooks.com, spec/standard-webhooks.md):
 *   webhook-id:        a unique message id, the same on every retry of one message (receivers dedupe on it)
 *   webhook-timestamp: integer seconds since the Unix epoch of this attempt
 *   webhook-signature: "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`))
 * The secret is "whsec_" + base64; the key is the base64-decoded bytes. The body must be signed and sent byte for byte
 * the same, so the sender signs the exact string it posts.
 */
import { createHmac, randomUUID } from "node:crypto";

export interface StandardWebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

const SECRET_PREFIX = "whsec_";

/** The HMAC key: the base64-decoded part of the secret ("whsec_" is optional, as PULLGUARD_NOTIFY_WEBHOOK_SECRET allows). */
export function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new Error("the webhook secret is not whsec_ followed by base64 (the value is not shown: it is a secret)");
  }
  return Buffer.from(encoded, "base64");
}

/** A fresh message id ("msg_" + 32 hex digits). */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, "")}`;
}

export function signStandardWebhook(message: {
  id: string;
  timestamp: Date;
  body: string;
  secret: string;
}): StandardWebhookHeaders {
  const seconds = Math.floor(message.timestamp.getTime() / 1000);
  const signature = createHmac("sha256", signingKey(message.secret))
    .update(`${message.id}.${seconds}.${message.body}`, "utf8")
    .digest("base64");
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": `v1,${signature}`,
  };
}
