/**
 * HTTP trigger for on-demand checks: GET /api/apps/{subscriptionId}/{resourceGroup}/{name} returns the diagnosis
 * (the same JSON as `pullguard check --json`). 400 for a malformed ID, 404 for an app that does not exist, 403
 * outside the allowlist.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { flowFromEnvironment } from "../app/runtime.js";
import { readCheckRoute } from "../core/signals/check-request.js";
import { respondToCheck } from "./check-response.js";
import { contextLogger } from "./context-logger.js";

export async function checkApp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const reading = readCheckRoute(request.params);
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
