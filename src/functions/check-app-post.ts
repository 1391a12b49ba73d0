/**
 * HTTP trigger: POST /api/check with {"resourceId": "...", "fix": false}. With `fix: true` the plan is applied when
 * the policy allows, and the response says what was done (the `pullguard fix --json` document).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { flowFromEnvironment } from "../app/runtime.js";
import { readCheckBody } from "../core/signals/check-request.js";
import { respondToCheck } from "./check-response.js";
import { contextLogger } from "./context-logger.js";
import { readJsonBody } from "./http-json.js";

export async function checkAppPost(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const body = await readJsonBody(request);
  if (!body.ok) return { status: 400, jsonBody: { error: body.message } };
  const reading = readCheckBody(body.value);
  if (reading.outcome === "invalid") return { status: 400, jsonBody: { error: reading.message } };
  const flow = await flowFromEnvironment();
  return respondToCheck(() =>
    flow.check(
      { appId: reading.appId, fix: reading.fix },
      { source: "http", caller: request.headers.get("x-ms-client-principal-name"), invocationId: context.invocationId },
      contextLogger(context),
    ),
  );
}

app.http("checkAppPost", { methods: ["POST"], authLevel: "function", route: "check", handler: checkAppPost });
