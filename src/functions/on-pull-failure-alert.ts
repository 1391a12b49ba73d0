/**
 * HTTP trigger for Azure Monitor pull-failure alerts (common alert schema) posted by an action group.
 * 202 when the alert was taken, 202 `ignored` with the reason for any other alert (metric, activity log, health,
 * budget, smart detector, resolved: spec/events.md v2), 400 with a reason for a body that is not such an alert.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { flowFromEnvironment } from "../app/runtime.js";
import { contextLogger } from "./context-logger.js";
import { readJsonBody } from "./http-json.js";

export async function onPullFailureAlert(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const log = contextLogger(context);
  const body = await readJsonBody(request);
  if (!body.ok) {
    log.warn(`rejected an alert: ${body.message}`);
    return { status: 400, jsonBody: { error: body.message } };
  }
  const flow = await flowFromEnvironment();
  const outcome = await flow.handleAlert(body.value, { source: "alert", invocationId: context.invocationId }, log);
  if (outcome.outcome === "rejected") {
    log.warn(`rejected an alert: ${outcome.reason}`);
    return { status: 400, jsonBody: { error: outcome.reason } };
  }
  // An action group is often shared: another rule's alert is answered 202 too, so it is not retried (events.md v2).
  if (outcome.outcome === "ignored") log.info(`ignored an alert: ${outcome.reason}`);
  return { status: 202, jsonBody: outcome };
}

app.http("onPullFailureAlert", {
  methods: ["POST"],
  authLevel: "function",
  route: "alerts/pull-failure",
  handler: onPullFailureAlert,
});
