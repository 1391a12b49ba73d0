/** The tag check against a local registry (the dev HTTP client dials *.azurecr.io hosts at the local server). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRegistryDataPlane,
  DATA_PLANE_NEEDED_ROLE,
  manifestReferenceOf,
  nearestTags,
} from "../../src/azure/registry-data-plane.js";
import { TEST_TENANT, testBackend } from "./local-arm.js";
import { type LocalAnswer, type LocalRequest, type LocalServer, startLocalHttps } from "./local-https.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const CONFIG = `sha256:${"c".repeat(64)}`;
const STORAGE_HOST = "fabrikamacr.westeurope.data.azurecr.io";
const REFRESH = "refresh-token-value";
const ACCESS = "access-token-value";

function registry(request: LocalRequest): LocalAnswer {
  const form = new URLSearchParams(request.body);
  const route = `${request.method} ${request.path}`;
  if (request.host === "denied.azurecr.io") {
    return { status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] } };
  }
  if (request.host === "firewalled.azurecr.io") {
    return {
      status: 403,
      body: {
        errors: [
          {
            code: "DENIED",
            message:
              "client with IP '20.1.2.3' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
          },
        ],
      },
    };
  }
  if (route === "POST /oauth2/exchange") {
    const ok =
      form.get("grant_type") === "access_token" &&
      form.get("service") === request.host &&
      form.get("tenant") === TEST_TENANT &&
      (form.get("access_token") ?? "").split(".").length === 3;
    return ok
      ? { status: 200, body: { refresh_token: REFRESH } }
      : { status: 400, body: { errors: [{ code: "BAD" }] } };
  }
  if (route === "POST /oauth2/token") {
    const ok = form.get("grant_type") === "refresh_token" && form.get("refresh_token") === REFRESH;
    const scope = form.get("scope") ?? "";
    if (!ok || !/^repository:[a-z0-9/._-]+:pull$/.test(scope))
      return { status: 401, body: { errors: [{ code: "UNAUTHORIZED" }] } };
    if (scope.includes("secret/"))
      return { status: 401, body: { errors: [{ code: "UNAUTHORIZED", message: "no pull" }] } };
    return { status: 200, body: { access_token: ACCESS } };
  }
  if (request.host === STORAGE_HOST) {
    // ACR's blob storage: reached through the 307, with the SAS in the URL and never the registry's token.
    if (request.headers.authorization) return { status: 403, body: "AuthenticationFailed" };
    return { status: 200, body: { architecture: "arm64", os: "linux", rootfs: { type: "layers", diff_ids: [] } } };
  }
  if (request.headers.authorization !== `Bearer ${ACCESS}`)
    return { status: 401, body: { errors: [{ code: "UNAUTHORIZED" }] } };
  if (request.path === "/v2/checkout/arm/manifests/laptop") {
    return {
      status: 200,
      headers: { "docker-content-digest": DIGEST, "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: CONFIG, size: 80 },
        layers: [],
      },
    };
  }
  if (request.path === `/v2/checkout/arm/blobs/${CONFIG}`) {
    return { status: 307, headers: { location: `https://${STORAGE_HOST}/blob/${CONFIG.slice(7)}?sig=sas` } };
  }
  if (request.path === "/v2/checkout/multi/manifests/2") {
    return {
      status: 200,
      headers: {
        "docker-content-digest": DIGEST,
        "content-type": "application/vnd.docker.distribution.manifest.list.v2+json",
      },
      body: {
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
        manifests: [
          { digest: DIGEST, platform: { architecture: "arm64", os: "linux", variant: "v8" } },
          { digest: DIGEST, platform: { architecture: "arm", os: "linux", variant: "v7" } },
          { digest: DIGEST, platform: { architecture: "unknown", os: "unknown" } },
        ],
      },
    };
  }
  if (request.path === "/v2/checkout/web/manifests/sha256:disallowed") {
    return { status: 403, body: { errors: [{ code: "UNKNOWN", message: "The operation is disallowed." }] } };
  }
  if (request.path === "/v2/checkout/web/manifests/1.8.0" || request.path === `/v2/checkout/web/manifests/${DIGEST}`) {
    return { status: 200, headers: { "docker-content-digest": DIGEST } };
  }
  if (request.path === `/acr/v1/checkout/web/_manifests/${DIGEST}`) {
    return { status: 200, body: { manifest: { digest: DIGEST, quarantineState: "Quarantined" } } };
  }
  if (request.path === "/acr/v1/checkout/web/_tags") {
    return { status: 200, body: { tags: [{ name: "latest" }, { name: "1.8.0" }, { name: "1.7.3" }, { name: "0.9" }] } };
  }
  if (request.path === "/v2/checkout/api/manifests/2.0")
    return { status: 200, headers: { "docker-content-digest": DIGEST } };
  if (request.path === "/acr/v1/checkout/api/_tags") {
    return { status: 200, body: { tags: [{ name: "2.0", digest: DIGEST, quarantineState: "Passed" }] } };
  }
  if (request.path.startsWith("/v2/checkout/web/manifests/")) {
    return request.method === "HEAD"
      ? { status: 404 }
      : { status: 404, body: { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] } };
  }
  return request.method === "HEAD"
    ? { status: 404 }
    : { status: 404, body: { errors: [{ code: "NAME_UNKNOWN", message: "repository name not known to registry" }] } };
}

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalHttps(registry);
});
afterAll(() => server.close());

function dataPlane() {
  const { credential, httpClient } = testBackend(server);
  return createRegistryDataPlane({ credential, httpClient, retryOptions: { maxRetries: 0 } });
}

describe("manifestReferenceOf", () => {
  it("splits repository and tag or digest; no tag means latest", () => {
    expect(manifestReferenceOf("fabrikamacr.azurecr.io/checkout/web:1.8.0")).toEqual({
      repository: "checkout/web",
      reference: "1.8.0",
    });
    expect(manifestReferenceOf(`fabrikamacr.azurecr.io/checkout/web@${DIGEST}`)).toEqual({
      repository: "checkout/web",
      reference: DIGEST,
    });
    expect(manifestReferenceOf("localhost:5000/api")).toEqual({ repository: "api", reference: "latest" });
  });
});

describe("createRegistryDataPlane", () => {
  it("exchanges, asks for a pull token, GETs the manifest and returns its digest", async () => {
    const plane = dataPlane();
    const start = server.requests.length;
    const check = await plane.checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/web",
      reference: "1.8.0",
    });
    expect(check).toEqual({ status: "found", digest: DIGEST, quarantineState: null, mediaType: null });
    const sent = server.requests.slice(start);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /oauth2/exchange",
      "POST /oauth2/token",
      "GET /v2/checkout/web/manifests/1.8.0",
    ]);
    expect(new URLSearchParams(sent[1]?.body).get("scope")).toBe("repository:checkout/web:pull");
    expect(sent[2]?.headers.accept).toContain("application/vnd.oci.image.index.v1+json");
    expect(plane.requests).toBe(3);
  });

  it("reuses the refresh token and the access token within a run", async () => {
    const plane = dataPlane();
    const start = server.requests.length;
    const query = { loginServer: "fabrikamacr.azurecr.io", repository: "checkout/web" };
    await plane.checkManifest({ ...query, reference: "1.8.0" });
    await plane.checkManifest({ ...query, reference: DIGEST });
    expect(server.requests.slice(start).filter((r) => r.path.startsWith("/oauth2/"))).toHaveLength(2);
  });

  it("reads the quarantine state when asked", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/web",
      reference: "1.8.0",
      readQuarantineState: true,
    });
    expect(check).toEqual({ status: "found", digest: DIGEST, quarantineState: "Quarantined", mediaType: null });
  });

  it("reads the quarantine state from the tag list when the manifest's attributes do not carry it", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/api",
      reference: "2.0",
      readQuarantineState: true,
    });
    expect(check).toEqual({ status: "found", digest: DIGEST, quarantineState: "Passed", mediaType: null });
  });

  it("v2: a single manifest's platform comes from its config blob, read through ACR's redirect without the token", async () => {
    const plane = dataPlane();
    const start = server.requests.length;
    const check = await plane.checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/arm",
      reference: "laptop",
    });
    expect(check).toEqual({
      status: "found",
      digest: DIGEST,
      quarantineState: null,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      platforms: ["linux/arm64"],
    });
    const sent = server.requests.slice(start).map((r) => `${r.method} ${r.host}${r.path}`);
    expect(sent.slice(2)).toEqual([
      "GET fabrikamacr.azurecr.io/v2/checkout/arm/manifests/laptop",
      `GET fabrikamacr.azurecr.io/v2/checkout/arm/blobs/${CONFIG}`,
      `GET ${STORAGE_HOST}/blob/${"c".repeat(64)}`,
    ]);
    expect(plane.requests).toBe(5);
  });

  it("v2: an index's platforms come from manifests[].platform, with no blob read; attestations are no platform", async () => {
    const plane = dataPlane();
    const check = await plane.checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/multi",
      reference: "2",
    });
    expect(check).toEqual({
      status: "found",
      digest: DIGEST,
      quarantineState: null,
      mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
      platforms: ["linux/arm64/v8", "linux/arm/v7"],
    });
    expect(plane.requests).toBe(3);
  });

  it("v2: 'The operation is disallowed.' (quarantine, by digest) is its own answer, not a refusal of PullGuard", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/web",
      reference: "sha256:disallowed",
    });
    expect(check).toEqual({ status: "disallowed", message: "The operation is disallowed." });
  });

  it("a missing tag: MANIFEST_UNKNOWN with the nearest existing tags", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/web",
      reference: "1.8.1",
    });
    expect(check).toEqual({
      status: "not-found",
      errorCode: "MANIFEST_UNKNOWN",
      existingTags: ["1.8.0", "1.7.3", "0.9", "latest"],
    });
  });

  it("a missing repository: NAME_UNKNOWN", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "checkout/nope",
      reference: "1.0",
    });
    expect(check).toEqual({ status: "not-found", errorCode: "NAME_UNKNOWN", existingTags: [] });
  });

  it("401: unknown, with the role PullGuard's own identity needs; no token in the reason", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "denied.azurecr.io",
      repository: "api",
      reference: "1",
    });
    expect(check).toMatchObject({ status: "unknown", neededRole: DATA_PLANE_NEEDED_ROLE });
    expect(check.status === "unknown" && check.reason).toContain("401 UNAUTHORIZED");
    const pullRefused = await dataPlane().checkManifest({
      loginServer: "fabrikamacr.azurecr.io",
      repository: "secret/api",
      reference: "1",
    });
    expect(pullRefused).toMatchObject({ status: "unknown", neededRole: DATA_PLANE_NEEDED_ROLE });
    expect(JSON.stringify([check, pullRefused])).not.toMatch(/eyJ|token-value/);
  });

  it("403 DENIED from the firewall: unknown, saying the network rules refused PullGuard", async () => {
    const check = await dataPlane().checkManifest({
      loginServer: "firewalled.azurecr.io",
      repository: "api",
      reference: "1",
    });
    expect(check).toMatchObject({ status: "unknown", neededRole: null });
    expect(check.status === "unknown" && check.reason).toMatch(/network rules.*403 DENIED.*not allowed access/);
  });

  it("an unreachable registry: unknown, never a crash", async () => {
    const check = await createRegistryDataPlane({
      credential: testBackend(server).credential,
      retryOptions: { maxRetries: 0 },
    }).checkManifest({ loginServer: "127.0.0.1:1", repository: "api", reference: "1" });
    expect(check).toMatchObject({ status: "unknown", neededRole: null });
    expect(check.status === "unknown" && check.reason).toContain("could not reach 127.0.0.1:1");
  });
});

describe("nearestTags", () => {
  it("orders by edit distance, then by the registry's (newest first) order", () => {
    expect(nearestTags(["latest", "2.0.0", "1.8.0", "1.8.2", "1.7.9"], "1.8.1", 3)).toEqual([
      "1.8.0",
      "1.8.2",
      "1.7.9",
    ]);
  });
});
