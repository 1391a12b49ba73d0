/**
 * The ACR data plane of every registry login server, reached through the emulator's HTTP client at the registry's
 * own host name: token exchange (ARM-audience rule), token endpoint (RBAC decides the grant), manifests, tags, ACR's
 * error bodies and challenge, the firewall; and data-plane requests counted apart from ARM requests.
 */
import { randomUUID } from "node:crypto";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { readToken } from "../../../tools/emulator/tokens.js";
import { clientsFor, REGISTRY_ID, RG2, shopWorld, TENANT, UAMI_PRINCIPAL } from "./helpers.js";

const HOST = "contosoprod.azurecr.io";
const ARM = "https://management.azure.com/.default";
const ACR = "https://containerregistry.azure.net/.default";

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: () => unknown;
}

async function call(
  emu: Emulator,
  method: "GET" | "HEAD" | "POST",
  path: string,
  options: { form?: Record<string, string>; bearer?: string; host?: string } = {},
): Promise<Answer> {
  const headers = createHttpHeaders(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {});
  if (options.form) headers.set("content-type", "application/x-www-form-urlencoded");
  const request = createPipelineRequest({
    url: `https://${options.host ?? HOST}${path}`,
    method,
    headers,
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  const response = await emu.httpClient.sendRequest(request);
  const text = response.bodyAsText ?? "";
  return { status: response.status, headers: response.headers.toJSON(), text, json: () => JSON.parse(text) };
}

async function aadToken(emu: Emulator, principal: string | null, scope = ARM): Promise<string> {
  const credential = principal ? emu.credentialFor(principal) : emu.credential;
  return (await credential.getToken(scope))?.token ?? "";
}

async function exchange(emu: Emulator, aad: string): Promise<Answer> {
  return call(emu, "POST", "/oauth2/exchange", {
    form: { grant_type: "access_token", service: HOST, access_token: aad },
  });
}

async function accessToken(emu: Emulator, principal: string | null, repository = "orders/api"): Promise<string> {
  const refresh = exchange(emu, await aadToken(emu, principal)).then((a) => a.json()) as Promise<{
    refresh_token: string;
  }>;
  const answer = await call(emu, "POST", "/oauth2/token", {
    form: {
      grant_type: "refresh_token",
      service: HOST,
      scope: `repository:${repository}:pull`,
      refresh_token: (await refresh).refresh_token,
    },
  });
  expect(answer.status).toBe(200);
  return (answer.json() as { access_token: string }).access_token;
}

describe("ACR data plane", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator(shopWorld());
  });
  afterAll(() => emu.stop());

  it("exchanges an ARM-audience or ACR-audience token for a refresh token, and refuses other audiences", async () => {
    const arm = await exchange(emu, await aadToken(emu, UAMI_PRINCIPAL, ARM));
    expect(arm.status).toBe(200);
    const refresh = readToken((arm.json() as { refresh_token: string }).refresh_token);
    expect(refresh).toMatchObject({ aud: HOST, oid: UAMI_PRINCIPAL });
    expect((await exchange(emu, await aadToken(emu, UAMI_PRINCIPAL, ACR))).status).toBe(200);

    const vault = await exchange(emu, await aadToken(emu, UAMI_PRINCIPAL, "https://vault.azure.net/.default"));
    expect(vault.status).toBe(401);
    expect(vault.json()).toEqual({ errors: [{ code: "UNAUTHORIZED", message: expect.any(String), detail: null }] });
  });

  it("grants repository:<repo>:pull only to principals whose roles allow it", async () => {
    const granted = readToken(await accessToken(emu, UAMI_PRINCIPAL));
    expect(granted?.access).toEqual([{ type: "repository", name: "orders/api", actions: ["pull"] }]);
    const stranger = readToken(await accessToken(emu, randomUUID()));
    expect(stranger?.access).toEqual([]);
    // With no caller named, the world's operator may pull everything.
    expect(readToken(await accessToken(emu, null))?.access).toHaveLength(1);
  });

  it("answers HEAD and GET on manifests by tag and by digest", async () => {
    const token = await accessToken(emu, UAMI_PRINCIPAL);
    const head = await call(emu, "HEAD", "/v2/orders/api/manifests/1.4.2", { bearer: token });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    const digest = head.headers["docker-content-digest"] ?? "";
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const get = await call(emu, "GET", "/v2/orders/api/manifests/1.4.2", { bearer: token });
    expect(get.headers["content-type"]).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(get.json()).toMatchObject({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json" });
    const byDigest = await call(emu, "HEAD", `/v2/orders/api/manifests/${digest}`, { bearer: token });
    expect(byDigest.status).toBe(200);

    const missing = await call(emu, "GET", "/v2/orders/api/manifests/9.9.9", { bearer: token });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({
      errors: [{ code: "MANIFEST_UNKNOWN", message: 'manifest tagged by "9.9.9" is not found', detail: null }],
    });
    const otherRepo = await accessToken(emu, UAMI_PRINCIPAL, "orders/nope");
    const unknown = await call(emu, "GET", "/v2/orders/nope/manifests/1.0.0", { bearer: otherRepo });
    expect(unknown.status).toBe(404);
    expect((unknown.json() as { errors: Array<{ code: string }> }).errors[0]?.code).toBe("NAME_UNKNOWN");
  });

  it("lists tags with /acr/v1/<repo>/_tags, paged with a Link header", async () => {
    const token = await accessToken(emu, UAMI_PRINCIPAL);
    const all = await call(emu, "GET", "/acr/v1/orders/api/_tags", { bearer: token });
    expect(all.status).toBe(200);
    const body = all.json() as { registry: string; imageName: string; tags: Array<{ name: string; digest: string }> };
    expect(body.registry).toBe(HOST);
    expect(body.imageName).toBe("orders/api");
    expect(body.tags.map((t) => t.name)).toEqual(["1.4.2", "1.5.0", "latest"]);
    const first = await call(emu, "GET", "/acr/v1/orders/api/_tags?n=2", { bearer: token });
    expect((first.json() as typeof body).tags.map((t) => t.name)).toEqual(["1.4.2", "1.5.0"]);
    expect(first.headers.link).toBe('</acr/v1/orders/api/_tags?last=1.5.0&n=2>; rel="next"');
    const next = await call(emu, "GET", "/acr/v1/orders/api/_tags?last=1.5.0&n=2", { bearer: token });
    expect((next.json() as typeof body).tags.map((t) => t.name)).toEqual(["latest"]);
    expect(next.headers.link).toBeUndefined();
  });

  it("challenges a request without a pull grant with WWW-Authenticate and ACR's error body", async () => {
    const anonymous = await call(emu, "GET", "/v2/orders/api/manifests/1.4.2");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe(
      `Bearer realm="https://${HOST}/oauth2/token",service="${HOST}",scope="repository:orders/api:pull"`,
    );
    // The body AAD-OAuth.md shows, with the wording ACR's users quote.
    expect(anonymous.json()).toEqual({
      errors: [
        {
          code: "UNAUTHORIZED",
          message: "authentication required, visit https://aka.ms/acr/authorization for more information.",
          detail: [{ Type: "repository", Name: "orders/api", Action: "pull" }],
        },
      ],
    });
    const ping = await call(emu, "GET", "/v2/");
    expect(ping.status).toBe(401);
    expect(ping.headers["www-authenticate"]).toBe(`Bearer realm="https://${HOST}/oauth2/token",service="${HOST}"`);

    const strangerToken = await accessToken(emu, randomUUID());
    const denied = await call(emu, "HEAD", "/v2/orders/api/manifests/1.4.2", { bearer: strangerToken });
    expect(denied.status).toBe(401);
    expect(denied.headers["www-authenticate"]).toContain('scope="repository:orders/api:pull"');
  });

  it("refuses ARM-audience tokens once azureADAuthenticationAsArmPolicy is disabled", async () => {
    const c = clientsFor(emu);
    await c.registry.registries.update(RG2, "contosoprod", {
      policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
    });
    try {
      const arm = await exchange(emu, await aadToken(emu, UAMI_PRINCIPAL, ARM));
      expect(arm.status).toBe(401);
      expect((arm.json() as { errors: Array<{ code: string }> }).errors[0]?.code).toBe("UNAUTHORIZED");
      expect((await exchange(emu, await aadToken(emu, UAMI_PRINCIPAL, ACR))).status).toBe(200);
    } finally {
      await c.registry.registries.update(RG2, "contosoprod", {
        policies: { azureADAuthenticationAsArmPolicy: { status: "enabled" } },
      });
    }
  });

  it("counts data-plane requests apart from ARM requests in the log", async () => {
    emu.log.clear();
    const token = await accessToken(emu, UAMI_PRINCIPAL); // exchange + token: 2 data-plane POSTs
    await call(emu, "HEAD", "/v2/orders/api/manifests/1.4.2", { bearer: token });
    await clientsFor(emu).registry.registries.get(RG2, "contosoprod");
    const data = emu.log.entries().filter((e) => e.plane === "data");
    expect(data.map((e) => `${e.method} ${e.host}${e.path} ${e.status}`)).toEqual([
      `POST ${HOST}/oauth2/exchange 200`,
      `POST ${HOST}/oauth2/token 200`,
      `HEAD ${HOST}/v2/orders/api/manifests/1.4.2 200`,
    ]);
    expect(emu.log.count((e) => e.plane === "arm")).toBe(1);
    expect(emu.log.writes()).toEqual([]);
  });

  it("answers 404 for a login server no registry of the world owns", async () => {
    const answer = await call(emu, "GET", "/v2/", { host: "ghostacr.azurecr.io" });
    expect(answer.status).toBe(404);
  });
});

describe("ACR firewall", () => {
  const closedWorld = (caller?: { principalId: string; tenantId: string }) => {
    const world = shopWorld(caller ? { caller } : {});
    const registry = (world.resources as Array<{ id: string; properties: Record<string, unknown> }>).find(
      (r) => r.id === REGISTRY_ID,
    );
    if (registry) registry.properties.networkRuleSet = { defaultAction: "Deny", ipRules: [] };
    return world;
  };

  it("answers 403 DENIED to a named caller, whose requests come from outside the registry's network rules", async () => {
    const emu = await startEmulator(closedWorld({ principalId: UAMI_PRINCIPAL, tenantId: TENANT }));
    try {
      const answer = await exchange(emu, await aadToken(emu, null));
      expect(answer.status).toBe(403);
      const body = answer.json() as { errors: Array<{ code: string; message: string }> };
      expect(body.errors[0]?.code).toBe("DENIED");
      expect(body.errors[0]?.message).toContain("is not allowed access");
      expect((await call(emu, "GET", "/v2/orders/api/manifests/1.4.2")).status).toBe(403);
    } finally {
      await emu.stop();
    }
  });

  it("lets the world's operator (no caller named) through, as world.md's caller rule says", async () => {
    const emu = await startEmulator(closedWorld());
    try {
      expect((await exchange(emu, await aadToken(emu, null))).status).toBe(200);
    } finally {
      await emu.stop();
    }
  });
});
