/**
 * Dev only: what points PullGuard at the project's emulator running in another process (`npx pullguard emulator`).
 * Nothing here is used against real Azure, and nothing here switches TLS checks off: the HTTP client trusts the
 * emulator's CA for its own requests only.
 *
 * - `createDevHttpClient`: the SDK's default HTTP client, with an https.Agent that trusts the emulator's CA, and
 *   ACR hosts (every cloud and endpoint form: src/core/acr-host.ts) dialled at the emulator's registry address (TLS server name and Host header stay the
 *   registry's, so the emulator knows which registry is asked).
 * - `createDevCredential`: issues unsigned JWTs (`alg: none`) naming the principal the emulator should see as the
 *   caller; the emulator reads `aud`, `oid` and `tid` from them.
 */
import { readFileSync } from "node:fs";
import { Agent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import { connect } from "node:tls";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { isAcrHost } from "../core/acr-host.js";

export interface DevHttpClientOptions {
  /** PEM of the CA that signed the emulator's certificates. */
  caPem: string;
  /** host:port where the emulator serves every registry (every ACR host: src/core/acr-host.ts). */
  registryAddress: string;
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`registry address ${JSON.stringify(address)} is not host:port (e.g. 127.0.0.1:8443)`);
  }
  return { host: address.slice(0, colon), port };
}

/** Dials every connection at one address; the TLS server name (and so the certificate check) stays the asked host. */
class RedirectingAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly target: { host: string; port: number },
  ) {
    super(options);
  }

  override createConnection(options: Parameters<Agent["createConnection"]>[0]): Duplex {
    const servername = options.servername || options.hostname || options.host || undefined;
    return connect({
      ...(options as Record<string, unknown>),
      ca: this.options.ca,
      host: this.target.host,
      port: this.target.port,
      servername: servername ?? undefined,
    });
  }
}

export function createDevHttpClient(options: DevHttpClientOptions): HttpClient {
  const inner = createDefaultHttpClient();
  const trusting = new Agent({ ca: options.caPem, keepAlive: true });
  const registries = new RedirectingAgent(
    { ca: options.caPem, keepAlive: true },
    splitAddress(options.registryAddress),
  );
  return {
    sendRequest(request) {
      request.agent = isAcrHost(new URL(request.url).hostname) ? registries : trusting;
      return inner.sendRequest(request);
    },
  };
}

export interface DevCredentialOptions {
  principalId: string;
  tenantId: string;
  /** The clock stamped into `iat`/`exp`; default the system clock. */
  now?: () => Date;
  lifetimeSeconds?: number;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Tokens the emulator accepts: `{"alg":"none","typ":"JWT"}`, payload `aud` (scope without /.default), oid, tid. */
export function createDevCredential(options: DevCredentialOptions): TokenCredential {
  const lifetime = options.lifetimeSeconds ?? 3600;
  return {
    async getToken(scopes): Promise<AccessToken> {
      const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? "";
      const issuedAt = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
      const payload = {
        aud: scope.replace(/\/\.default$/, ""),
        oid: options.principalId,
        tid: options.tenantId,
        iat: issuedAt,
        exp: issuedAt + lifetime,
      };
      return {
        token: `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`,
        expiresOnTimestamp: (issuedAt + lifetime) * 1000,
        tokenType: "Bearer",
      };
    },
  };
}

/** The PULLGUARD_DEV_* settings, as src/config.ts parsed them. */
export interface DevBackendSettings {
  armEndpoint: string;
  caFile: string;
  registryAddress: string;
  principalId: string;
  tenantId: string;
}

export interface DevBackend {
  endpoint: string;
  httpClient: HttpClient;
  credential: TokenCredential;
}

/** Reads the CA file and builds the endpoint, HTTP client and credential that reach the emulator. */
export function createDevBackend(settings: DevBackendSettings): DevBackend {
  let caPem: string;
  try {
    caPem = readFileSync(settings.caFile, "utf8");
  } catch (error) {
    throw new Error(
      `PULLGUARD_DEV_CA_FILE: cannot read ${settings.caFile} (${(error as Error).message}); ` +
        "copy the settings printed by `npx pullguard emulator --world <file>` while it runs",
    );
  }
  return {
    endpoint: settings.armEndpoint.replace(/\/+$/, ""),
    httpClient: createDevHttpClient({ caPem, registryAddress: settings.registryAddress }),
    credential: createDevCredential({ principalId: settings.principalId, tenantId: settings.tenantId }),
  };
}
