/**
 * What a registry serves once a request holds a pull grant for the repository: manifests (by tag or digest, HEAD and
 * GET), blobs, the tag lists (OCI `/v2/<name>/tags/list`, ACR `/acr/v1/<name>/_tags`) and ACR's manifest attributes
 * (`/acr/v1/<name>/_manifests/<digest>`, which carry `quarantineState`). Sources: see dataplane.ts.
 *
 * Quarantine (Azure/acr docs/preview/quarantine/readme.md): with the registry's quarantine policy enabled, an image
 * not yet marked Passed is seen only by a principal holding AcrQuarantineReader (the emulator: any role permitting
 * `Microsoft.ContainerRegistry/registries/quarantine/read`). For everyone else a pull by tag answers "manifest ... not
 * found" (404 MANIFEST_UNKNOWN) and a pull by digest "unknown: The operation is disallowed." — the readme shows only
 * docker's rendering, so the status (403) and the body code (UNKNOWN) are assumptions. Blobs and manifest
 * attributes of such an image answer as if absent (assumption).
 */
import type { DataPlaneRequest, DataPlaneResponse } from "./dataplane.js";
import type { StoredManifest } from "./images.js";
import type { TagContent, WorldState } from "./state.js";

/** ACR's error body `{"errors":[{code, message, detail}]}`. */
export function errors(
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  detail: unknown = null,
): DataPlaneResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...extra },
    body: JSON.stringify({ errors: [{ code, message, detail }] }),
  };
}

export function json(status: number, value: unknown, extra: Record<string, string> = {}): DataPlaneResponse {
  return { status, headers: { "content-type": "application/json", ...extra }, body: JSON.stringify(value) };
}

export interface ContentRequest {
  repository: string;
  /** "manifests", "blobs", "tags/list", "_tags" or "_manifests". */
  route: string;
  /** A tag or a digest (manifests), a digest (blobs, _manifests). */
  reference: string;
  quarantineOn: boolean;
  mayReadQuarantined: () => boolean;
}

type Repository = Map<string, TagContent>;

function hiddenBy(content: ContentRequest): (tag: TagContent) => boolean {
  let reader: boolean | undefined;
  return (tag) => {
    if (!content.quarantineOn || tag.quarantineState === "Passed") return false;
    reader ??= content.mayReadQuarantined();
    return !reader;
  };
}

/** The tags whose image holds `digest` (as its manifest, one of its platform manifests, or its world alias). */
function tagsWithManifest(repo: Repository, digest: string): Array<{ tag: TagContent; manifest: StoredManifest }> {
  return [...repo.values()].flatMap((tag) => {
    const manifest = tag.image.manifests.get(digest) ?? (tag.digest === digest ? tag.image.top : undefined);
    return manifest ? [{ tag, manifest }] : [];
  });
}

function bytesAnswer(method: string, headers: Record<string, string>, bytes: Buffer): DataPlaneResponse {
  return {
    status: 200,
    headers: { ...headers, "content-length": String(bytes.length) },
    body: method === "HEAD" ? "" : bytes,
  };
}

function manifest(req: DataPlaneRequest, repo: Repository, content: ContentRequest): DataPlaneResponse {
  const hidden = hiddenBy(content);
  const reference = content.reference;
  const notFound = () => errors(404, "MANIFEST_UNKNOWN", `manifest tagged by "${reference}" is not found`);
  if (!reference.startsWith("sha256:")) {
    const tag = repo.get(reference);
    if (!tag || hidden(tag)) return notFound();
    return manifestAnswer(req.method, tag.image.top);
  }
  const holders = tagsWithManifest(repo, reference);
  const visible = holders.find((h) => !hidden(h.tag));
  if (visible) return manifestAnswer(req.method, visible.manifest);
  return holders.length > 0 ? errors(403, "UNKNOWN", "The operation is disallowed.") : notFound();
}

function manifestAnswer(method: string, stored: StoredManifest): DataPlaneResponse {
  return bytesAnswer(
    method,
    { "content-type": stored.mediaType, "docker-content-digest": stored.digest },
    stored.bytes,
  );
}

function blob(req: DataPlaneRequest, repo: Repository, content: ContentRequest): DataPlaneResponse {
  const hidden = hiddenBy(content);
  const holder = [...repo.values()].find((tag) => tag.image.blobs.has(content.reference) && !hidden(tag));
  const bytes = holder?.image.blobs.get(content.reference);
  if (!bytes) return errors(404, "BLOB_UNKNOWN", `blob ${content.reference} is not known to registry`);
  return bytesAnswer(
    req.method,
    { "content-type": "application/octet-stream", "docker-content-digest": content.reference },
    bytes,
  );
}

/** `n` names after `last`, and the Link header to the next page when there is one. */
function page(
  names: string[],
  query: URLSearchParams,
  path: string,
): { page: string[]; headers: Record<string, string> } {
  const last = query.get("last");
  const n = Math.min(Number(query.get("n") ?? "100") || 100, 1000);
  const start = last ? names.findIndex((t) => t > last) : 0;
  const items = start < 0 ? [] : names.slice(start, start + n);
  const headers: Record<string, string> = {};
  if (start >= 0 && start + n < names.length) {
    headers.link = `<${path}?last=${encodeURIComponent(items.at(-1) ?? "")}&n=${n}>; rel="next"`;
  }
  return { page: items, headers };
}

function acrTags(req: DataPlaneRequest, repo: Repository, repository: string): DataPlaneResponse {
  const { page: names, headers } = page([...repo.keys()].sort(), req.query, `/acr/v1/${repository}/_tags`);
  return json(
    200,
    {
      registry: req.host,
      imageName: repository,
      tags: names.map((name) => ({
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

function manifestAttributes(req: DataPlaneRequest, repo: Repository, content: ContentRequest): DataPlaneResponse {
  const hidden = hiddenBy(content);
  const holders = tagsWithManifest(repo, content.reference).filter((h) => !hidden(h.tag));
  const first = holders[0];
  if (!first) return errors(404, "MANIFEST_UNKNOWN", `manifest ${content.reference} is not found`);
  const names = [...repo.entries()].filter(([, t]) => holders.some((h) => h.tag === t)).map(([name]) => name);
  return json(200, {
    registry: req.host,
    imageName: content.repository,
    manifest: {
      digest: first.manifest.digest,
      imageSize: first.manifest.bytes.length,
      createdTime: "2026-01-01T00:00:00Z",
      lastUpdateTime: "2026-01-01T00:00:00Z",
      mediaType: first.manifest.mediaType,
      tags: names,
      quarantineState: first.tag.quarantineState,
      changeableAttributes: { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true },
    },
  });
}

export function serveContent(state: WorldState, req: DataPlaneRequest, content: ContentRequest): DataPlaneResponse {
  const repo = state.registryContent.get(req.host)?.get(content.repository);
  if (!repo) return errors(404, "NAME_UNKNOWN", `repository name not known to registry: ${content.repository}`);
  switch (content.route) {
    case "manifests":
      return manifest(req, repo, content);
    case "blobs":
      return blob(req, repo, content);
    case "tags/list": {
      const path = `/v2/${content.repository}/tags/list`;
      const { page: tags, headers } = page([...repo.keys()].sort(), req.query, path);
      return json(200, { name: content.repository, tags }, headers);
    }
    case "_tags":
      return acrTags(req, repo, content.repository);
    case "_manifests":
      return manifestAttributes(req, repo, content);
    default:
      return errors(404, "NOT_FOUND", `${req.path} is not served by this registry`);
  }
}
