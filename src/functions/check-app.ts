/**
 * HTTP trigger for on-demand checks: GET /api/apps/{subscriptionId}/{resourceGroup}/{name} (v2: GET
 * /api/jobs/{subscriptionId}/{resourceGroup}/{name} for a job) returns the diagnosis (the same JSON as
 * `pullguard check --json`). 400 for a malformed ID, 404 for a workload that does not exist, 403 outside the allowlist.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { flowFromEnvironment } from "../app/runtime.js";
import type { WorkloadKind } from "../core/resource-id.js";
import { readCheckRoute } from "../core/signals/check-request.js";
import { respondToCheck } from "./check-response.js";
import { contextLogger } from "./context-logger.js";

export function checkApp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return checkWorkload("app", request, context);
}

export function checkJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return checkWorkload("job", request, context);
}

async function checkWorkload(
  kind: WorkloadKind,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const reading = readCheckRoute(request.params, kind);
  if (reading.outcome === "invalid") return { status: 400, jsonBody: { error: reading.message } };
  const flow = await flowFromEnvironment();
  return respondToCheck(() =>
    flow.check(
      { appId: reading.appId, fix: false },
      { source: "http", caller: request.headers.get("x-ms-client-principal-name"), invocationId: context.invocationId },
      contextLogger(context),
    ),
  );
}

app.http("checkApp", {
  methods: ["GET"],
  authLevel: "function",
  route: "apps/{subscriptionId}/{resourceGroup}/{name}",
  handler: checkApp,
});

app.http("checkJob", {
  methods: ["GET"],
  authLevel: "function",
  route: "jobs/{subscriptionId}/{resourceGroup}/{name}",
  handler: checkJob,
});
