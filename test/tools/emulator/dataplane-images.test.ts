/**
 * The v2 data plane at the wire: real manifests, indexes and blobs from a tag's `platforms` (digests = sha256 of the
 * bytes), the docker-login token request (GET /oauth2/token with Basic auth, AAD-OAuth.md), and quarantine as ACR
 * answers it (hidden from a puller without AcrQuarantineReader: 404 by tag, "The operation is disallowed." by digest).
 */
import { createHash, randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { readToken } from "../../../tools/emulator/tokens.js";
import { assignmentId, READER, REGISTRY_ID, roleId, shopWorld, UAMI_PRINCIPAL } from "./helpers.js";

const HOST = "contosoprod.azurecr.io";
const NULL_GUID = "00000000-0000-0000-0000-000000000000";
const QUARANTINE_READER = "cdda3590-29a3-44f6-95f2-9f980659eb04";
const SCANNER = "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a";
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
  json: () => Record<string, unknown>;
}

function world(): Record<string, unknown> {
  const w = shopWorld({
    resources: [
      {
        id: assignmentId(REGISTRY_ID, "8f7e6d5c-4b3a-4291-8807-f6e5d4c3b2a1"),
        name: "8f7e6d5c-4b3a-4291-8807-f6e5d4c3b2a1",
        type: "Microsoft.Authorization/roleAssignments",
        properties: { roleDefinitionId: roleId(QUARANTINE_READER), principalId: SCANNER, principalType: "User" },
      },
      {
        id: assignmentId(REGISTRY_ID, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6e"),
        name: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6e",
        type: "Microsoft.Authorization/roleAssignments",
        properties: { roleDefinitionId: roleId(READER), principalId: SCANNER, principalType: "User" },
      },
    ],
  });
  const registry = (w.resources as Array<{ id: string; properties: Record<string, unknown> }>).find(
    (r) => r.id === REGISTRY_ID,
  );
  if (registry) registry.properties.policies = { quarantinePolicy: { status: "enabled" } };
  return {
    ...w,
    registryContent: {
      [HOST]: {
        "orders/api": {
          "1.4.2": {},
          multi: { platforms: ["linux/amd64", "linux/arm64/v8"] },
          rc: { quarantineState: "Quarantined" },
        },
      },
    },
  };
}

describe("ACR data plane: images, docker login, quarantine", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator(world());
  });
  afterAll(() => emu.stop());

  async function call(method: "GET" | "HEAD" | "POST", path: string, headers: Record<string, string> = {}) {
    const request = createPipelineRequest({
      url: `https://${HOST}${path}`,
      method,
      headers: createHttpHeaders(headers),
      streamResponseStatusCodes: new Set([200]),
    });
    const response = await emu.httpClient.sendRequest(request);
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks.length > 0 ? chunks : [Buffer.from(response.bodyAsText ?? "")]);
    const answer: Answer = {
      status: response.status,
      headers: response.headers.toJSON(),
      bytes,
      json: () => JSON.parse(bytes.toString("utf8")) as Record<string, unknown>,
    };
    return answer;
  }

  /** docker login: the refresh token from /oauth2/exchange as password of the null GUID, GET /oauth2/token. */
  async function dockerLogin(principal: string): Promise<string> {
    const aad = (await emu.credentialFor(principal).getToken("https://management.azure.com/.default"))?.token ?? "";
    const exchange = await emu.httpClient.sendRequest(
      createPipelineRequest({
        url: `https://${HOST}/oauth2/exchange`,
        method: "POST",
        headers: createHttpHeaders({ "content-type": "application/x-www-form-urlencoded" }),
        body: new URLSearchParams({ grant_type: "access_token", service: HOST, access_token: aad }).toString(),
      }),
    );
    const refresh = (JSON.parse(exchange.bodyAsText ?? "{}") as { refresh_token: string }).refresh_token;
    const basic = Buffer.from(`${NULL_GUID}:${refresh}`).toString("base64");
    const token = await call("GET", `/oauth2/token?service=${HOST}&scope=repository:orders/api:pull`, {
      authorization: `Basic ${basic}`,
    });
    expect(token.status).toBe(200);
    return (token.json() as { access_token: string }).access_token;
  }

  it("GET /oauth2/token with Basic auth grants pull to the null GUID with a refresh token, nothing to another user", async () => {
    const access = readToken(await dockerLogin(UAMI_PRINCIPAL));
    expect(access?.access).toEqual([{ type: "repository", name: "orders/api", actions: ["pull"] }]);
    const wrongUser = Buffer.from("admin:secret").toString("base64");
    const refused = await call("GET", `/oauth2/token?service=${HOST}&scope=repository:orders/api:pull`, {
      authorization: `Basic ${wrongUser}`,
    });
    expect(refused.status).toBe(401);
    expect((refused.json().errors as Array<{ code: string }>)[0]?.code).toBe("UNAUTHORIZED");
  });

  it("a single platform: an OCI image manifest whose config and layer blobs match their digests", async () => {
    const auth = { authorization: `Bearer ${await dockerLogin(UAMI_PRINCIPAL)}` };
    const head = await call("HEAD", "/v2/orders/api/manifests/1.4.2", auth);
    const get = await call("GET", "/v2/orders/api/manifests/1.4.2", auth);
    expect(head.headers["content-type"]).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(head.headers["docker-content-digest"]).toBe(sha256(get.bytes));
    expect(head.headers["content-length"]).toBe(String(get.bytes.length));
    const manifest = get.json() as { config: { digest: string; size: number }; layers: Array<{ digest: string }> };
    const config = await call("GET", `/v2/orders/api/blobs/${manifest.config.digest}`, auth);
    expect(sha256(config.bytes)).toBe(manifest.config.digest);
    expect(config.bytes.length).toBe(manifest.config.size);
    const fields = config.json() as { os: string; architecture: string; rootfs: { diff_ids: string[] } };
    expect(fields).toMatchObject({ os: "linux", architecture: "amd64" });
    const layer = await call("GET", `/v2/orders/api/blobs/${manifest.layers[0]?.digest}`, auth);
    expect(sha256(layer.bytes)).toBe(manifest.layers[0]?.digest);
    expect(sha256(gunzipSync(layer.bytes))).toBe(fields.rootfs.diff_ids[0]);
    const missing = await call("GET", `/v2/orders/api/blobs/sha256:${"0".repeat(64)}`, auth);
    expect(missing.status).toBe(404);
    expect((missing.json().errors as Array<{ code: string }>)[0]?.code).toBe("BLOB_UNKNOWN");
  });

  it("several platforms: an index by tag, each platform's manifest by digest", async () => {
    const auth = { authorization: `Bearer ${await dockerLogin(UAMI_PRINCIPAL)}` };
    const index = await call("GET", "/v2/orders/api/manifests/multi", auth);
    expect(index.headers["content-type"]).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.headers["docker-content-digest"]).toBe(sha256(index.bytes));
    const children = (index.json() as { manifests: Array<{ digest: string; size: number; platform: unknown }> })
      .manifests;
    expect(children.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    for (const child of children) {
      const manifest = await call("GET", `/v2/orders/api/manifests/${child.digest}`, auth);
      expect(manifest.status).toBe(200);
      expect(sha256(manifest.bytes)).toBe(child.digest);
      expect(manifest.bytes.length).toBe(child.size);
    }
  });

  it("quarantine: hidden from a puller without AcrQuarantineReader (Reader's */read is not enough)", async () => {
    const scanner = { authorization: `Bearer ${await dockerLogin(SCANNER)}` };
    const seen = await call("GET", "/v2/orders/api/manifests/rc", scanner);
    expect(seen.status).toBe(200);
    const digest = seen.headers["docker-content-digest"] ?? "";
    const attributes = await call("GET", `/acr/v1/orders/api/_manifests/${digest}`, scanner);
    expect(attributes.json()).toMatchObject({ manifest: { digest, quarantineState: "Quarantined", tags: ["rc"] } });

    const app = { authorization: `Bearer ${await dockerLogin(UAMI_PRINCIPAL)}` };
    const byTag = await call("HEAD", "/v2/orders/api/manifests/rc", app);
    expect(byTag.status).toBe(404);
    const byTagGet = await call("GET", "/v2/orders/api/manifests/rc", app);
    expect(byTagGet.json()).toEqual({
      errors: [{ code: "MANIFEST_UNKNOWN", message: 'manifest tagged by "rc" is not found', detail: null }],
    });
    const byDigest = await call("GET", `/v2/orders/api/manifests/${digest}`, app);
    expect(byDigest.status).toBe(403);
    expect((byDigest.json().errors as Array<{ message: string }>)[0]?.message).toBe("The operation is disallowed.");
    // Passed tags stay visible to the same puller.
    expect((await call("HEAD", "/v2/orders/api/manifests/1.4.2", app)).status).toBe(200);
  });

  it("an unknown principal's token still pulls nothing (401 with the repository's challenge)", async () => {
    const stranger = { authorization: `Bearer ${await dockerLogin(randomUUID())}` };
    const answer = await call("GET", "/v2/orders/api/manifests/1.4.2", stranger);
    expect(answer.status).toBe(401);
    expect(answer.headers["www-authenticate"]).toBe(
      `Bearer realm="https://${HOST}/oauth2/token",service="${HOST}",scope="repository:orders/api:pull"`,
    );
  });
});
