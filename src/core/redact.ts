/**
 * Removes secrets from text before it is logged or returned: bearer tokens, JWTs, SAS signatures, storage account
 * keys, webhook URLs (their path is the secret) and connection-string keys. Applied by the logger to every line, so a
 * careless message cannot leak a token.
 *
 * Example: `POST https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=XYZ`
 * becomes `POST https://prod-12.westeurope.logic.azure.com/[redacted]`.
 */

const PATTERNS: Array<[RegExp, string]> = [
  // Bearer tokens and JWTs (three base64url parts; unsigned ones end with a dot).
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer [redacted]"],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, "[redacted-jwt]"],
  // Connection-string and SAS secrets.
  [
    /\b(AccountKey|SharedAccessKey|InstrumentationKey|sig|code|client_secret|access_token|refresh_token|password)=([^;&\s"']+)/gi,
    "$1=[redacted]",
  ],
  // Webhook URLs: keep scheme and host, drop the path and query that carry the secret.
  [
    /\bhttps?:\/\/([a-z0-9.-]*(?:webhook\.office\.com|logic\.azure\.com|hooks\.slack\.com|environment\.api\.powerplatform\.com)(?::\d+)?)\/[^\s"']*/gi,
    "https://$1/[redacted]",
  ],
  // Standard Webhooks secrets.
  [/\bwhsec_[A-Za-z0-9+/=]+/g, "whsec_[redacted]"],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Redacts every string inside a JSON-like value (for structured log fields and results). */
export function redactDeep(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)]));
  }
  return value;
}
