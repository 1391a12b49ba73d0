/** Unsigned JWTs (`alg: none`) as the emulator issues and reads them: `aud`, `oid`, `tid`, and ACR's `access`. */

export interface TokenClaims {
  aud?: string;
  oid?: string;
  tid?: string;
  exp?: number;
  iat?: number;
  access?: Array<{ type: string; name: string; actions: string[] }>;
  [claim: string]: unknown;
}

const b64url = (value: string) => Buffer.from(value).toString("base64url");

export function issueToken(claims: TokenClaims): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
}

export function readToken(token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length < 2) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as unknown;
    return typeof claims === "object" && claims !== null ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

export function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match?.[1]?.trim() ?? null;
}
