/**
 * The ACR data plane for every registry login server of the world: the token exchange (with the ARM-audience rule),
 * the token endpoint (granting repository:<repo>:pull only where RBAC allows), manifests, blobs and tags, with ACR's
 * error bodies and the WWW-Authenticate challenge clients rely on. The firewall answers 403 DENIED.
 *
 * Sources (cited per behaviour below and in docs/worlds.md):
 * - Azure/acr docs/AAD-OAuth.md: `POST /oauth2/exchange` (grant_type=access_token, service, tenant, access_token →
 *   `{"refresh_token"}`), `POST /oauth2/token` (grant_type=refresh_token, service, scope, refresh_token →
 *   `{"access_token"}`), `GET /oauth2/token?service=&scope=` with `Authorization: Basic`, docker login with the null
 *   GUID `00000000-0000-0000-0000-000000000000` as user and the ACR refresh token as password, and the 401 challenge
 *   `Www-Authenticate: Bearer realm="https://<registry>/oauth2/token",service="<registry>",scope="..."` with body
 *   `{"errors":[{"code":"UNAUTHORIZED","message":...,"detail":[{"Type","Name","Action"}]}]}`.
 * - azure-rest-api-specs specification/containerregistry/data-plane: Azure.ContainerRegistry/stable/2021-07-01
 *   containerregistry.json (GET/HEAD /v2/{name}/manifests/{reference}, GET/HEAD /v2/{name}/blobs/{digest} with
 *   Docker-Content-Digest, /acr/v1/{name}/_tags, /acr/v1/{name}/_manifests/{digest} with quarantineState) and
 *   Microsoft.ContainerRegistry/preview/2019-08-15 (AccessTokens_GetFromLogin: GET /oauth2/token with Basic auth).
 * - The OCI distribution spec: HEAD and GET of manifests by tag or digest, `Docker-Content-Digest` = the digest of
 *   the exact bytes, `Content-Type` = the manifest's media type, GET /v2/<name>/tags/list, and the error codes
 *   MANIFEST_UNKNOWN, NAME_UNKNOWN, BLOB_UNKNOWN, UNAUTHORIZED, DENIED.
 * - The user-facing wording "authentication required, visit https://aka.ms/acr/authorization for more information."
 *   is ACR's, as quoted in public issues (see pull.ts).
 */
import { covers, DEFAULT_OPERATOR } from "./ids.js";
import { allAssignments, findRoleDefinition, identitiesOf, principalMayPull } from "./rbac.js";
import { errors, json, serveContent } from "./registry-content.js";
import type { ArmResource, WorldState } from "./state.js";
import { bearerOf, issueToken, readToken } from "./tokens.js";
import { findRegistryByLoginServer } from "./world.js";

export interface DataPlaneRequest {
  method: string;
  /** The registry's login server (lower case): the token audience and the challenge's `service`. */
  host: string;
  /** The authority the client dialled (default `host`): the challenge's realm names it, so that a client that
   * reached the registry at 127.0.0.1:<port> asks for its token there too. */
  address?: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface DataPlaneResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const ARM_AUDIENCES = ["https://management.azure.com", "https://management.core.windows.net"];
const ACR_AUDIENCE = "https://containerregistry.azure.net";
/** The user name docker login takes for an ACR refresh token (AAD-OAuth.md). */
export const ACR_REFRESH_TOKEN_USER = "00000000-0000-0000-0000-000000000000";
export const AUTHENTICATION_REQUIRED =
  "authentication required, visit https://aka.ms/acr/authorization for more information.";
const QUARANTINE_READ = "Microsoft.ContainerRegistry/registries/quarantine/read";

function challenge(req: DataPlaneRequest, scope?: string): Record<string, string> {
  const realm = `https://${req.address ?? req.host}/oauth2/token`;
  return { "www-authenticate": `Bearer realm="${realm}",service="${req.host}"${scope ? `,scope="${scope}"` : ""}` };
}

/** 401 UNAUTHORIZED as ACR answers a request without a grant for `repository` (AAD-OAuth.md's body shape). */
function unauthorized(req: DataPlaneRequest, repository?: string): DataPlaneResponse {
  const scope = repository ? `repository:${repository}:pull` : undefined;
  const detail = repository ? [{ Type: "repository", Name: repository, Action: "pull" }] : null;
  return errors(401, "UNAUTHORIZED", AUTHENTICATION_REQUIRED, challenge(req, scope), detail);
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

const isOperator = (state: WorldState, oid: string) => !state.caller && oid === DEFAULT_OPERATOR;

/**
 * Whether `oid` may see quarantined images: a role at a scope covering the registry that names
 * `.../quarantine/read` exactly (AcrQuarantineReader, AcrQuarantineWriter). The quarantine readme says only "a
 * special user" sees a quarantined image and that a standard reader pulls it once it is marked good, so `*` and
 * `* /read` wildcards (Owner, Contributor, Reader) are taken not to grant it (assumption, see docs/worlds.md).
 */
export function mayReadQuarantined(state: WorldState, oid: string, registry: ArmResource): boolean {
  if (isOperator(state, oid)) return true;
  const who = identitiesOf(state, oid);
  return allAssignments(state).some(
    (a) =>
      who.has(a.principalId) &&
      covers(a.scope, registry.id) &&
      (findRoleDefinition(state, a.roleDefinitionId)?.permissions ?? []).some((p) =>
        p.actions.some((action) => action.toLowerCase() === QUARANTINE_READ.toLowerCase()),
      ),
  );
}

function exchange(req: DataPlaneRequest, registry: ArmResource, now: Date): DataPlaneResponse {
  const form = new URLSearchParams(req.body);
  const token = readToken(form.get("access_token") ?? "");
  if (!token?.oid) return errors(401, "UNAUTHORIZED", "the access token is not valid");
  const aud = String(token.aud ?? "")
    .replace(/\/$/, "")
    .toLowerCase();
  const props = registry.properties ?? {};
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
    aud: req.host,
    oid: token.oid,
    tid: token.tid,
    grant: "refresh",
    exp: Math.floor(now.getTime() / 1000) + 3 * 3600,
  });
  return json(200, { refresh_token: refresh });
}

/** The ACR refresh token a token request presents: the form's (POST) or Basic auth's password (GET, docker login). */
function presentedRefreshToken(req: DataPlaneRequest): string | null {
  if (req.method === "POST") {
    const form = new URLSearchParams(req.body);
    return form.get("grant_type") === "refresh_token" ? (form.get("refresh_token") ?? null) : null;
  }
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (!basic?.[1]) return null;
  const decoded = Buffer.from(basic[1].trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  // Only the null GUID says "the password is an ACR refresh token" (AAD-OAuth.md); admin and token passwords are
  // not modelled.
  return colon > 0 && decoded.slice(0, colon) === ACR_REFRESH_TOKEN_USER ? decoded.slice(colon + 1) : null;
}

/**
 * A token request without any credential (docker's and skopeo's anonymous attempt) gets a token that grants
 * nothing, so the content request that follows answers 401 UNAUTHORIZED with the challenge. Assumption: ACR's
 * exact answer to an anonymous token request is not documented; the client sees 401 UNAUTHORIZED either way.
 */
function anonymousToken(req: DataPlaneRequest, now: Date): DataPlaneResponse {
  return json(200, {
    access_token: issueToken({ aud: req.host, access: [], exp: Math.floor(now.getTime() / 1000) + 300 }),
  });
}

function tokenEndpoint(state: WorldState, req: DataPlaneRequest, registry: ArmResource, now: Date): DataPlaneResponse {
  const params = req.method === "POST" ? new URLSearchParams(req.body) : req.query;
  if (req.method === "GET" && !req.headers.authorization) return anonymousToken(req, now);
  const refresh = readToken(presentedRefreshToken(req) ?? "");
  if (!refresh?.oid || refresh.aud !== req.host) {
    return errors(401, "UNAUTHORIZED", "the refresh token is not valid", challenge(req));
  }
  const service = params.get("service");
  if (service !== null && service.toLowerCase() !== req.host) {
    return errors(401, "UNAUTHORIZED", `the service ${service} is not this registry (${req.host})`);
  }
  const access = params
    .getAll("scope")
    .flatMap((s) => s.split(" "))
    .flatMap((scope) => {
      const m = /^repository:([^:]+):(.+)$/.exec(scope);
      if (!m?.[1]) return [];
      const oid = refresh.oid ?? "";
      const allowed = isOperator(state, oid) || principalMayPull(state, oid, registry, m[1], now) === "allowed";
      return allowed ? [{ type: "repository", name: m[1].toLowerCase(), actions: ["pull"] }] : [];
    });
  return json(200, {
    access_token: issueToken({ aud: req.host, oid: refresh.oid, access, exp: Math.floor(now.getTime() / 1000) + 3600 }),
  });
}

const CONTENT_ROUTE =
  /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$|^\/v2\/(.+)\/tags\/list$|^\/acr\/v1\/(.+)\/(_tags|_manifests\/[^/]+)$/;

export function handleRegistryRequest(state: WorldState, req: DataPlaneRequest, now: Date): DataPlaneResponse {
  const host = req.host.toLowerCase();
  const registry = findRegistryByLoginServer(state, host);
  if (!registry) return errors(404, "NOT_FOUND", `registry ${host} does not exist`);
  const r = { ...req, host };
  if (firewallBlocks(state, registry.properties ?? {})) {
    return errors(
      403,
      "DENIED",
      "client with IP '127.0.0.1' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
    );
  }
  if (req.method === "POST" && req.path === "/oauth2/exchange") return exchange(r, registry, now);
  if ((req.method === "POST" || req.method === "GET") && req.path === "/oauth2/token") {
    return tokenEndpoint(state, r, registry, now);
  }
  if (req.path === "/v2/" || req.path === "/v2") {
    return readToken(bearerOf(req.headers.authorization) ?? "") ? json(200, {}) : unauthorized(r);
  }
  const route = CONTENT_ROUTE.exec(req.path);
  const repository = (route?.[1] ?? route?.[4] ?? route?.[5] ?? "").toLowerCase();
  if (!route || !repository) return errors(404, "NOT_FOUND", `${req.path} is not served by this registry`);
  const claims = readToken(bearerOf(req.headers.authorization) ?? "");
  const granted = claims?.access?.some(
    (a) => a.type === "repository" && a.name === repository && a.actions.includes("pull"),
  );
  if (!granted || !claims?.oid) return unauthorized(r, repository);
  const oid = claims.oid;
  return serveContent(state, r, {
    repository,
    route: route[2] ?? (route[4] ? "tags/list" : (route[6]?.replace(/\/.*$/, "") ?? "")),
    reference: route[3] ?? route[6]?.replace(/^_manifests\/|^_tags$/, "") ?? "",
    mayReadQuarantined: () => mayReadQuarantined(state, oid, registry),
    quarantineOn:
      String(
        ((registry.properties?.policies ?? {}) as Record<string, { status?: string }>).quarantinePolicy?.status ??
          "disabled",
      ).toLowerCase() === "enabled",
  });
}
