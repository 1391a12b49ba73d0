/**
 * The ACR data plane for every registry login server of the world: the token exchange (with the ARM-audience rule),
 * the token endpoint (granting repository:<repo>:pull only where RBAC allows), manifests and tags, with ACR's error
 * bodies and the WWW-Authenticate challenge clients rely on. The firewall answers 403 DENIED.
 */
import { DEFAULT_OPERATOR } from "./ids.js";
import { principalMayPull } from "./rbac.js";
import type { WorldState } from "./state.js";
import { bearerOf, issueToken, readToken } from "./tokens.js";
import { findRegistryByLoginServer } from "./world.js";

export interface DataPlaneRequest {
  method: string;
  host: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface DataPlaneResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ARM_AUDIENCES = ["https://management.azure.com", "https://management.core.windows.net"];
const ACR_AUDIENCE = "https://containerregistry.azure.net";

function errors(status: number, code: string, message: string, extra: Record<string, string> = {}): DataPlaneResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...extra },
    body: JSON.stringify({ errors: [{ code, message, detail: null }] }),
  };
}

function json(status: number, value: unknown, extra: Record<string, string> = {}): DataPlaneResponse {
  return { status, headers: { "content-type": "application/json", ...extra }, body: JSON.stringify(value) };
}

function challenge(host: string, scope?: string): Record<string, string> {
  return {
    "www-authenticate": `Bearer realm="https://${host}/oauth2/token",service="${host}"${scope ? `,scope="${scope}"` : ""}`,
  };
}

/**
 * A named caller's data-plane requests come from outside any VNet (127.0.0.1): a closed registry refuses them. With
 * no caller named, the world's operator may do everything, data plane included (world.md), so its network is
 * taken to be allowed; the firewall then decides only the pulls of the apps (pull.ts, by their outbound IPs).
 */
function firewallBlocks(state: WorldState, properties: Record<string, unknown>): boolean {
  if (!state.caller) return false;
  if (String(properties.publicNetworkAccess ?? "Enabled").toLowerCase() === "disabled") return true;
  const rules = properties.networkRuleSet as { defaultAction?: string } | undefined;
  return String(rules?.defaultAction ?? "Allow").toLowerCase() === "deny";
}

export function handleRegistryRequest(state: WorldState, req: DataPlaneRequest, now: Date): DataPlaneResponse {
  const host = req.host.toLowerCase();
  const registry = findRegistryByLoginServer(state, host);
  if (!registry) return errors(404, "NOT_FOUND", `registry ${host} does not exist`);
  const props = registry.properties ?? {};
  if (firewallBlocks(state, props)) {
    return errors(
      403,
      "DENIED",
      "client with IP '127.0.0.1' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
    );
  }
  const form = new URLSearchParams(req.body);

  if (req.method === "POST" && req.path === "/oauth2/exchange") {
    const token = readToken(form.get("access_token") ?? "");
    if (!token?.oid) return errors(401, "UNAUTHORIZED", "the access token is not valid");
    const aud = String(token.aud ?? "")
      .replace(/\/$/, "")
      .toLowerCase();
    const armPolicy = ((props.policies ?? {}) as Record<string, { status?: string }>).azureADAuthenticationAsArmPolicy
      ?.status;
    if (ARM_AUDIENCES.includes(aud) && String(armPolicy ?? "enabled").toLowerCase() === "disabled") {
      return errors(
        401,
        "UNAUTHORIZED",
        "ARM-audience tokens are not accepted by this registry (azureADAuthenticationAsArmPolicy is disabled)",
      );
    }
    if (!ARM_AUDIENCES.includes(aud) && aud !== ACR_AUDIENCE) {
      return errors(401, "UNAUTHORIZED", `audience ${aud} is not accepted`);
    }
    const refresh = issueToken({
      aud: host,
      oid: token.oid,
      tid: token.tid,
      grant: "refresh",
      exp: Math.floor(now.getTime() / 1000) + 3 * 3600,
    });
    return json(200, { refresh_token: refresh });
  }

  if (req.method === "POST" && req.path === "/oauth2/token") {
    const refresh = readToken(form.get("refresh_token") ?? "");
    if (!refresh?.oid || refresh.aud !== host) return errors(401, "UNAUTHORIZED", "the refresh token is not valid");
    const scopes = form.getAll("scope").flatMap((s) => s.split(" "));
    const access = scopes.flatMap((scope) => {
      const m = /^repository:([^:]+):(.+)$/.exec(scope);
      if (!m?.[1]) return [];
      // With no caller named, the world's operator may do everything, data plane included (world.md).
      const operator = !state.caller && refresh.oid === DEFAULT_OPERATOR;
      const allowed = operator || principalMayPull(state, refresh.oid ?? "", registry, m[1], now) === "allowed";
      return allowed ? [{ type: "repository", name: m[1].toLowerCase(), actions: ["pull"] }] : [];
    });
    return json(200, {
      access_token: issueToken({ aud: host, oid: refresh.oid, access, exp: Math.floor(now.getTime() / 1000) + 3600 }),
    });
  }

  if (req.path === "/v2/" || req.path === "/v2") {
    const claims = readToken(bearerOf(req.headers.authorization) ?? "");
    return claims ? json(200, {}) : errors(401, "UNAUTHORIZED", "authentication required", challenge(host));
  }

  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.path);
  const tags = /^\/acr\/v1\/(.+)\/_tags$/.exec(req.path);
  const repository = (manifest?.[1] ?? tags?.[1] ?? "").toLowerCase();
  if (!repository) return errors(404, "NOT_FOUND", `${req.path} is not served by this registry`);
  const scope = `repository:${repository}:pull`;
  const claims = readToken(bearerOf(req.headers.authorization) ?? "");
  const granted = claims?.access?.some(
    (a) => a.type === "repository" && a.name === repository && a.actions.includes("pull"),
  );
  if (!granted) return errors(401, "UNAUTHORIZED", "authentication required", challenge(host, scope));

  const repo = state.registryContent.get(host)?.get(repository);
  if (!repo) return errors(404, "NAME_UNKNOWN", `repository name not known to registry: ${repository}`);
  if (manifest) {
    const reference = manifest[2] ?? "";
    const tag = reference.startsWith("sha256:")
      ? [...repo.values()].find((t) => t.digest === reference)
      : repo.get(reference);
    if (!tag) return errors(404, "MANIFEST_UNKNOWN", `manifest tagged by "${reference}" is not found`);
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {},
      layers: [],
    });
    return {
      status: 200,
      headers: {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": tag.digest,
        "content-length": String(Buffer.byteLength(body)),
      },
      body: req.method === "HEAD" ? "" : body,
    };
  }
  const names = [...repo.keys()].sort();
  const last = req.query.get("last");
  const n = Math.min(Number(req.query.get("n") ?? "100") || 100, 1000);
  const start = last ? names.findIndex((t) => t > last) : 0;
  const page = start < 0 ? [] : names.slice(start, start + n);
  const headers: Record<string, string> = {};
  if (start >= 0 && start + n < names.length) {
    headers.link = `</acr/v1/${repository}/_tags?last=${encodeURIComponent(page.at(-1) ?? "")}&n=${n}>; rel="next"`;
  }
  return json(
    200,
    {
      registry: host,
      imageName: repository,
      tags: page.map((name) => ({
        name,
        digest: repo.get(name)?.digest,
        createdTime: "2026-01-01T00:00:00Z",
        lastUpdateTime: "2026-01-01T00:00:00Z",
        signed: false,
        quarantineState: repo.get(name)?.quarantineState,
        changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
      })),
    },
    headers,
  );
}
