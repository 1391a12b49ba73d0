/**
 * A route table in front of the local HTTPS server, answering like ARM (404 ResourceNotFound for anything not
 * listed), and the real SDK clients pointed at it through the dev backend. Routes are keyed by method and path (case-
 * insensitive, no query); a route may be a function of the request (for filters and scripted failures).
 */
import { readFileSync } from "node:fs";
import { type AzureClients, createAzureClients } from "../../src/azure/clients.js";
import { createDevCredential, createDevHttpClient } from "../../src/azure/dev-backend.js";
import type { LocalAnswer, LocalRequest, LocalServer } from "./local-https.js";

export type Route = LocalAnswer | ((request: LocalRequest) => LocalAnswer);
export type Routes = Record<string, Route>;

export const TEST_PRINCIPAL = "0c0c0c0c-1111-4222-8333-444444444444";
export const TEST_TENANT = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";

/** The 200 body of an example in test/fixtures/azure-examples. */
export function exampleBody(file: string): Record<string, unknown> {
  const example = JSON.parse(readFileSync(new URL(`../fixtures/azure-examples/${file}`, import.meta.url), "utf8")) as {
    responses: Record<string, { body: Record<string, unknown> }>;
  };
  const body = example.responses["200"]?.body;
  if (!body) throw new Error(`${file} has no 200 body`);
  return body;
}

export const armError = (status: number, code: string, message = code): LocalAnswer => ({
  status,
  body: { error: { code, message } },
});

export function answerFrom(routes: Routes): (request: LocalRequest) => LocalAnswer {
  const table = new Map(Object.entries(routes).map(([key, route]) => [key.toLowerCase(), route]));
  return (request) => {
    const route = table.get(`${request.method} ${request.path}`.toLowerCase());
    if (!route) return armError(404, "ResourceNotFound", `no route for ${request.method} ${request.path}`);
    return typeof route === "function" ? route(request) : route;
  };
}

export interface TestBackend {
  clients: AzureClients;
  credential: ReturnType<typeof createDevCredential>;
  httpClient: ReturnType<typeof createDevHttpClient>;
}

/** Real SDK clients for the local server (short retries so 5xx tests stay fast). */
export function testBackend(server: LocalServer): TestBackend {
  const httpClient = createDevHttpClient({ caPem: server.caPem, registryAddress: server.address });
  const credential = createDevCredential({ principalId: TEST_PRINCIPAL, tenantId: TEST_TENANT });
  const clients = createAzureClients({
    credential,
    endpoint: server.url,
    httpClient,
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
  return { clients, credential, httpClient };
}

/** Requests the server saw for ARM (the local server also plays the registries, on *.azurecr.io hosts). */
export const armRequestsOf = (requests: readonly LocalRequest[]): LocalRequest[] =>
  requests.filter((r) => !r.host.endsWith(".azurecr.io"));
