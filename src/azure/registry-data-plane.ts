/**
 * The tag check, done on the registry's data plane as PullGuard's OWN identity (it cannot borrow the app's):
 *
 *   Entra token for https://containerregistry.azure.net/.default
 *   POST https://<loginServer>/oauth2/exchange  grant_type=access_token&service&tenant&access_token → refresh token
 *   POST https://<loginServer>/oauth2/token     grant_type=refresh_token&service&scope=repository:<repo>:pull → access token
 *   GET https://<loginServer>/v2/<repo>/manifests/<tag or digest>   (v2: GET, not HEAD: the body names the platforms)
 *     200 → found (digest from Docker-Content-Digest). Platforms (v2): an image index / manifest list lists them in
 *           `manifests[].platform` (no further request); a single image manifest names its config blob, read with
 *           GET /v2/<repo>/blobs/<config digest> for `os` / `architecture` / `variant` (one more request, two when
 *           ACR redirects the blob to its storage: the redirect is followed without the Authorization header)
 *     404 → `{"errors":[{"code":"MANIFEST_UNKNOWN"|"NAME_UNKNOWN"}]}`, then GET /acr/v1/<repo>/_tags for the nearest
 *           existing tags
 *     "The operation is disallowed." → disallowed: ACR's answer to a pull by digest of a quarantined image (Azure/acr
 *           docs/preview/quarantine/readme.md)
 *     401/403 → unknown: PullGuard's identity may not pull (neededRole says what it needs)
 *     403 DENIED "client with IP ... is not allowed" → unknown: the registry's network rules refused PullGuard
 *
 * Media types and fields: the OCI image spec (image-index.md, manifest.md, config.md) and the Docker types ACR also
 * serves (azure-rest-api-specs containerregistry data-plane 2021-07-01, ContainerRegistry_GetManifest's accept).
 *
 * Requests go through the HTTP client the SDKs use, in a pipeline with the SDK's default retries; they are counted
 * apart from ARM requests. Tokens are never logged (the pipeline's logger drops Authorization headers, bodies are not
 * logged, and error messages are built from status and error codes only).
 */
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type PipelineResponse,
  type PipelineRetryOptions,
  RestError,
} from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import type { ManifestCheck } from "../core/facts.js";
import { imageRepository } from "../core/pull-grants.js";
import { redact } from "../core/redact.js";
import { parseJsonOrNull } from "./read-results.js";

export const ACR_TOKEN_SCOPE = "https://containerregistry.azure.net/.default";
export const DATA_PLANE_NEEDED_ROLE =
  "AcrPull (legacy mode) or Container Registry Repository Reader (ABAC mode) on the registry";

const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");
const INDEX_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];
const NEAREST_TAGS = 5;

export interface ManifestQuery {
  loginServer: string;
  repository: string;
  /** A tag, or a digest (`sha256:...`). */
  reference: string;
  /** Also read the manifest's quarantineState (only worth a request when the registry's quarantine policy is on). */
  readQuarantineState?: boolean;
}

export interface RegistryDataPlane {
  checkManifest(query: ManifestQuery): Promise<ManifestCheck>;
  /** Data-plane requests sent so far (each attempt). */
  readonly requests: number;
}

export interface RegistryDataPlaneOptions {
  credential: TokenCredential;
  httpClient?: HttpClient;
  retryOptions?: PipelineRetryOptions;
}

/** Repository and reference (tag or digest) of an image as written in a template; the tag defaults to `latest`. */
export function manifestReferenceOf(image: string): { repository: string; reference: string } {
  const repository = imageRepository(image);
  const at = image.indexOf("@");
  if (at >= 0) return { repository, reference: image.slice(at + 1) };
  const lastSlash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return { repository, reference: colon > lastSlash ? image.slice(colon + 1) : "latest" };
}

interface PlatformFields {
  os?: unknown;
  architecture?: unknown;
  variant?: unknown;
}

/** The fields of a manifest or index that name platforms (OCI image spec; Docker's are the same). */
interface ManifestBody {
  mediaType?: string;
  config?: { digest?: unknown };
  manifests?: Array<{ platform?: PlatformFields }>;
}

/**
 * "linux/arm64/v8" from `{os, architecture, variant}`; nothing for a missing platform or buildx's attestation
 * entries (`unknown/unknown`), which are not runnable images.
 */
function platformLabel(platform: PlatformFields | null | undefined): string[] {
  const { os, architecture, variant } = platform ?? {};
  if (typeof os !== "string" || typeof architecture !== "string" || os === "unknown") return [];
  return [[os, architecture, typeof variant === "string" && variant ? variant : null].filter(Boolean).join("/")];
}

/** Why a data-plane step failed, as ManifestCheck "unknown". */
class DataPlaneRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly neededRole: string | null,
  ) {
    super(reason);
  }
}

interface RegistryErrorBody {
  code: string | null;
  message: string | null;
}

/** The first entry of a registry's `{"errors":[{code, message}]}` body. */
function registryError(response: PipelineResponse): RegistryErrorBody {
  const body = parseJsonOrNull(response.bodyAsText) as { errors?: Array<{ code?: unknown; message?: unknown }> } | null;
  const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
  return {
    code: typeof first?.code === "string" ? first.code : null,
    message: typeof first?.message === "string" ? redact(first.message).slice(0, 300) : null,
  };
}

function refusal(step: string, loginServer: string, response: PipelineResponse): DataPlaneRefusal {
  const { code, message } = registryError(response);
  const what = `HTTP ${response.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
  const network = response.status === 403 && /\bIP\b|not allowed access|network|firewall/i.test(message ?? "");
  if (network) {
    return new DataPlaneRefusal(
      `${loginServer} refused PullGuard's ${step} at its network rules (${what}); the tag could not be checked from where PullGuard runs`,
      null,
    );
  }
  if (response.status === 401 || response.status === 403) {
    return new DataPlaneRefusal(
      `${loginServer} refused PullGuard's own identity at ${step} (${what}), so the tag could not be checked`,
      DATA_PLANE_NEEDED_ROLE,
    );
  }
  return new DataPlaneRefusal(`${loginServer} answered ${step} with ${what}`, null);
}

/** The `tid` claim of an Entra access token, for the exchange's `tenant` field (the token is not verified here). */
function tenantOf(token: string): string | null {
  const payload = parseJsonOrNull(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
    tid?: unknown;
  } | null;
  return typeof payload?.tid === "string" ? payload.tid : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The tags closest to `wanted` (edit distance, then the registry's order: newest first). */
export function nearestTags(tags: readonly string[], wanted: string, count = NEAREST_TAGS): string[] {
  if (wanted.includes(":")) return tags.slice(0, count);
  return tags
    .map((tag, order) => ({ tag, order, distance: editDistance(tag.toLowerCase(), wanted.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.order - b.order)
    .slice(0, count)
    .map((t) => t.tag);
}

export function createRegistryDataPlane(options: RegistryDataPlaneOptions): RegistryDataPlane {
  const httpClient = options.httpClient ?? createDefaultHttpClient();
  const pipeline = createPipelineFromOptions({
    retryOptions: options.retryOptions,
    userAgentOptions: { userAgentPrefix: "pullguard" },
  });
  let requests = 0;
  pipeline.addPolicy(
    {
      name: "pullguardDataPlaneRequestCounter",
      sendRequest(request, next) {
        requests++;
        return next(request);
      },
    },
    { afterPhase: "Retry" },
  );

  const refreshTokens = new Map<string, Promise<string>>();
  const accessTokens = new Map<string, Promise<string>>();

  async function send(
    method: "GET" | "HEAD" | "POST",
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<PipelineResponse> {
    const request = createPipelineRequest({ url, method, headers: createHttpHeaders(headers) });
    if (body !== undefined) request.body = body;
    return pipeline.sendRequest(httpClient, request);
  }

  async function postForm(loginServer: string, path: string, form: Record<string, string>): Promise<PipelineResponse> {
    return send(
      "POST",
      `https://${loginServer}${path}`,
      { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      new URLSearchParams(form).toString(),
    );
  }

  async function exchange(loginServer: string): Promise<string> {
    let entra: string;
    try {
      const token = await options.credential.getToken(ACR_TOKEN_SCOPE);
      if (!token) throw new Error("the credential returned no token");
      entra = token.token;
    } catch (error) {
      throw new DataPlaneRefusal(
        `PullGuard could not get an Entra token for the registry data plane (${redact((error as Error).message).slice(0, 200)})`,
        null,
      );
    }
    const form: Record<string, string> = { grant_type: "access_token", service: loginServer, access_token: entra };
    const tenant = tenantOf(entra);
    if (tenant) form.tenant = tenant;
    const response = await postForm(loginServer, "/oauth2/exchange", form);
    const body = parseJsonOrNull(response.bodyAsText) as { refresh_token?: unknown } | null;
    if (response.status !== 200 || typeof body?.refresh_token !== "string") {
      throw refusal("token exchange", loginServer, response);
    }
    return body.refresh_token;
  }

  async function accessToken(loginServer: string, repository: string): Promise<string> {
    let refresh = refreshTokens.get(loginServer);
    if (!refresh) {
      refresh = exchange(loginServer);
      refreshTokens.set(loginServer, refresh);
    }
    const refreshToken = await refresh;
    const response = await postForm(loginServer, "/oauth2/token", {
      grant_type: "refresh_token",
      service: loginServer,
      scope: `repository:${repository}:pull`,
      refresh_token: refreshToken,
    });
    const body = parseJsonOrNull(response.bodyAsText) as { access_token?: unknown } | null;
    if (response.status !== 200 || typeof body?.access_token !== "string") {
      throw refusal("token request", loginServer, response);
    }
    return body.access_token;
  }

  function cachedAccessToken(loginServer: string, repository: string): Promise<string> {
    const key = `${loginServer}/${repository}`;
    let token = accessTokens.get(key);
    if (!token) {
      token = accessToken(loginServer, repository);
      accessTokens.set(key, token);
    }
    return token;
  }

  /** The first page of a repository's tags (newest first), with their quarantine state when the registry says. */
  async function listTags(
    base: string,
    repository: string,
    auth: Record<string, string>,
  ): Promise<Array<{ name: string; digest: string | null; quarantineState: string | null }>> {
    const response = await send("GET", `${base}/acr/v1/${repository}/_tags?n=100&orderby=timedesc`, {
      ...auth,
      accept: "application/json",
    });
    if (response.status !== 200) return [];
    const body = parseJsonOrNull(response.bodyAsText) as { tags?: unknown } | null;
    if (!Array.isArray(body?.tags)) return [];
    return body.tags.flatMap((t: unknown) => {
      const tag = (typeof t === "string" ? { name: t } : t) as {
        name?: unknown;
        digest?: unknown;
        quarantineState?: unknown;
      } | null;
      if (typeof tag?.name !== "string") return [];
      return [
        {
          name: tag.name,
          digest: typeof tag.digest === "string" ? tag.digest : null,
          quarantineState: typeof tag.quarantineState === "string" ? tag.quarantineState : null,
        },
      ];
    });
  }

  /** From the manifest's attributes; else from the tag list (registries that keep it per tag). */
  async function quarantineStateOf(
    base: string,
    query: ManifestQuery,
    digest: string,
    auth: Record<string, string>,
  ): Promise<string | null> {
    const response = await send("GET", `${base}/acr/v1/${query.repository}/_manifests/${digest}`, {
      ...auth,
      accept: "application/json",
    });
    const body =
      response.status === 200
        ? (parseJsonOrNull(response.bodyAsText) as {
            quarantineState?: unknown;
            manifest?: { quarantineState?: unknown };
          } | null)
        : null;
    const state = body?.manifest?.quarantineState ?? body?.quarantineState;
    if (typeof state === "string") return state;
    const tag = (await listTags(base, query.repository, auth)).find(
      (t) => t.name === query.reference || t.digest === digest,
    );
    return tag?.quarantineState ?? null;
  }

  /** A blob's bytes as text; ACR redirects blobs to its storage, which must not get the registry's token. */
  async function readBlob(base: string, repository: string, digest: string, auth: Record<string, string>) {
    const first = await send("GET", `${base}/v2/${repository}/blobs/${digest}`, auth);
    const location = first.headers.get("location");
    if (first.status >= 300 && first.status < 400 && location) {
      const redirected = await send("GET", new URL(location, base).toString(), {});
      return redirected.status === 200 ? (redirected.bodyAsText ?? null) : null;
    }
    return first.status === 200 ? (first.bodyAsText ?? null) : null;
  }

  /** "os/architecture[/variant]" of an index's children, or of a single manifest's config blob (v2). */
  async function platformsOf(
    base: string,
    repository: string,
    manifest: ManifestBody | null,
    mediaType: string | null,
    auth: Record<string, string>,
  ): Promise<string[] | null> {
    if (!manifest) return null;
    if (INDEX_MEDIA_TYPES.includes(mediaType ?? "") || Array.isArray(manifest.manifests)) {
      return [...new Set((manifest.manifests ?? []).flatMap((m) => platformLabel(m.platform)))];
    }
    const config = manifest.config?.digest;
    if (typeof config !== "string") return null;
    const text = await readBlob(base, repository, config, auth);
    const label = platformLabel(parseJsonOrNull(text ?? "") as PlatformFields | null);
    return label.length > 0 ? label : null;
  }

  async function check(query: ManifestQuery): Promise<ManifestCheck> {
    const loginServer = query.loginServer.toLowerCase();
    const base = `https://${loginServer}`;
    const auth = { authorization: `Bearer ${await cachedAccessToken(loginServer, query.repository)}` };
    const manifestUrl = `${base}/v2/${query.repository}/manifests/${query.reference}`;
    const get = await send("GET", manifestUrl, { ...auth, accept: MANIFEST_MEDIA_TYPES });
    if (get.status === 200) {
      const digest = get.headers.get("docker-content-digest") ?? null;
      const body = parseJsonOrNull(get.bodyAsText) as ManifestBody | null;
      const mediaType = (get.headers.get("content-type") ?? body?.mediaType ?? "").split(";")[0]?.trim() || null;
      const [platforms, quarantineState] = await Promise.all([
        platformsOf(base, query.repository, body, mediaType, auth),
        query.readQuarantineState && digest ? quarantineStateOf(base, query, digest, auth) : null,
      ]);
      return { status: "found", digest, quarantineState, mediaType, ...(platforms ? { platforms } : {}) };
    }
    const { code, message } = registryError(get);
    if (/operation is disallowed/i.test(message ?? "")) {
      return { status: "disallowed", message: message ?? "The operation is disallowed." };
    }
    if (get.status !== 404 || (code !== "MANIFEST_UNKNOWN" && code !== "NAME_UNKNOWN")) {
      throw refusal("manifest request", loginServer, get);
    }
    // Under quarantine a 404 is image-quarantined's, which names no tags: the tag list would be a wasted request.
    const tags =
      code === "NAME_UNKNOWN" || query.readQuarantineState ? [] : await listTags(base, query.repository, auth);
    return {
      status: "not-found",
      errorCode: code,
      existingTags: nearestTags(
        tags.map((t) => t.name),
        query.reference,
      ),
    };
  }

  return {
    get requests() {
      return requests;
    },
    async checkManifest(query) {
      try {
        return await check(query);
      } catch (error) {
        if (error instanceof DataPlaneRefusal) {
          return { status: "unknown", reason: error.reason, neededRole: error.neededRole };
        }
        if (error instanceof RestError) {
          const reason = `could not reach ${query.loginServer} (${error.code ?? "no answer"}: ${redact(error.message).slice(0, 200)})`;
          return { status: "unknown", reason, neededRole: null };
        }
        throw error;
      }
    },
  };
}
