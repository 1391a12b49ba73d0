import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevBackend, createDevCredential, createDevHttpClient } from "../../src/azure/dev-backend.js";
import { type LocalServer, startLocalHttps } from "./local-https.js";

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalHttps((request) => ({ status: 200, body: { host: request.host, path: request.path } }));
});
afterAll(() => server.close());

function decode(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("createDevHttpClient", () => {
  it("trusts the emulator's CA for the ARM endpoint", async () => {
    const client = createDevHttpClient({ caPem: server.caPem, registryAddress: server.address });
    const response = await client.sendRequest(createPipelineRequest({ url: `${server.url}/subscriptions?x=1` }));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.bodyAsText ?? "")).toEqual({ host: "127.0.0.1", path: "/subscriptions" });
  });

  it("dials *.azurecr.io at the registry address, keeping the registry's host name for TLS and Host", async () => {
    const client = createDevHttpClient({ caPem: server.caPem, registryAddress: server.address });
    const response = await client.sendRequest(
      createPipelineRequest({ url: "https://contosoprod.azurecr.io/v2/", headers: createHttpHeaders() }),
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.bodyAsText ?? "")).toEqual({ host: "contosoprod.azurecr.io", path: "/v2/" });
  });

  it("leaves TLS checks on: the default client does not trust the emulator's certificate", async () => {
    await expect(
      createDefaultHttpClient().sendRequest(createPipelineRequest({ url: `${server.url}/` })),
    ).rejects.toThrow(/certificate/i);
  });
});

describe("createDevCredential", () => {
  it("issues unsigned JWTs naming the audience, principal and tenant", async () => {
    const credential = createDevCredential({
      principalId: "11111111-1111-4111-8111-111111111111",
      tenantId: "22222222-2222-4222-8222-222222222222",
      now: () => new Date("2026-11-22T12:00:00Z"),
    });
    const token = await credential.getToken("https://containerregistry.azure.net/.default");
    const [header, payload, signature] = token?.token.split(".") ?? [];
    expect(decode(header)).toEqual({ alg: "none", typ: "JWT" });
    expect(decode(payload)).toEqual({
      aud: "https://containerregistry.azure.net",
      oid: "11111111-1111-4111-8111-111111111111",
      tid: "22222222-2222-4222-8222-222222222222",
      iat: 1795348800,
      exp: 1795352400,
    });
    expect(signature).toBe("");
    expect(token?.expiresOnTimestamp).toBe(1795352400 * 1000);
  });
});

describe("createDevBackend", () => {
  it("reads the CA file and reaches the endpoint", async () => {
    const caFile = join(tmpdir(), `pullguard-ca-${process.pid}.pem`);
    writeFileSync(caFile, server.caPem);
    const backend = createDevBackend({
      armEndpoint: `${server.url}/`,
      caFile,
      registryAddress: server.address,
      principalId: "11111111-1111-4111-8111-111111111111",
      tenantId: "22222222-2222-4222-8222-222222222222",
    });
    expect(backend.endpoint).toBe(server.url);
    const response = await backend.httpClient.sendRequest(createPipelineRequest({ url: `${backend.endpoint}/x` }));
    expect(response.status).toBe(200);
  });

  it("names the setting when the CA file cannot be read", () => {
    expect(() =>
      createDevBackend({
        armEndpoint: server.url,
        caFile: "/nonexistent/ca.pem",
        registryAddress: server.address,
        principalId: "11111111-1111-4111-8111-111111111111",
        tenantId: "22222222-2222-4222-8222-222222222222",
      }),
    ).toThrow(/PULLGUARD_DEV_CA_FILE/);
  });
});
