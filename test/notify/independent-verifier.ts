/**
 * A Standard Webhooks verifier written from the published specification (standardwebhooks.com, "Verifying webhook
 * signatures"), independent of src/notify/standard-webhooks.ts: Web Crypto instead of node:crypto, atob/btoa instead
 * of Buffer.
 *   1. Read webhook-id, webhook-timestamp, webhook-signature; all three are required.
 *   2. Reject a timestamp more than the tolerance (5 minutes) away from now (replay protection).
 *   3. The key is the base64 decoding of the secret after its "whsec_" prefix.
 *   4. Signed content: `${id}.${timestamp}.${body}`, HMAC-SHA256, base64-encoded (standard alphabet, padded).
 *   5. webhook-signature is a space-delimited list of "<version>,<signature>"; any "v1" entry that matches verifies.
 */
const TOLERANCE_SECONDS = 5 * 60;

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export async function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  nowSeconds: number,
): Promise<VerifyResult> {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing header" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "timestamp is not an integer" };
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS)
    return { ok: false, reason: "timestamp too old or new" };

  const keyBytes = base64ToBytes(secret.startsWith("whsec_") ? secret.substring(6) : secret);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = bytesToBase64(new Uint8Array(mac));

  for (const entry of signatures.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma === -1) continue;
    const version = entry.substring(0, comma);
    const signature = entry.substring(comma + 1);
    if (version === "v1" && constantTimeEqual(signature, expected)) return { ok: true };
  }
  return { ok: false, reason: "no matching signature" };
}
