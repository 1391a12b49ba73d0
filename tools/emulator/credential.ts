/** A TokenCredential that issues the emulator's unsigned JWTs for one principal. */
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { issueToken } from "./tokens.js";

export function emulatorCredential(principalId: string, tenantId: string, now: () => Date): TokenCredential {
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? "https://management.azure.com/.default";
      const aud = scope.replace(/\/\.default$/, "");
      const iat = Math.floor(now().getTime() / 1000);
      const expiresOnTimestamp = Date.now() + 3600_000;
      return { token: issueToken({ aud, oid: principalId, tid: tenantId, iat, exp: iat + 3600 }), expiresOnTimestamp };
    },
  };
}
