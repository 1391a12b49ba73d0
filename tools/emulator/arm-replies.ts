/**
 * ARM's reply shapes and the bookkeeping every write route shares: `{"error":{"code","message"}}`, the 403 of a
 * missing right, paged lists with a `nextLink`, and the Event Grid event a successful (or failed) write raises.
 */
import type { ArmContext, ArmRequest, ArmResponse } from "./arm.js";
import { armEvent } from "./events.js";
import { subscriptionOf } from "./ids.js";
import { evidenceFor } from "./rbac.js";
import { tenantOfSubscription } from "./world.js";

export const error = (status: number, code: string, message: string): ArmResponse => ({
  status,
  body: { error: { code, message } },
});

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** ARM's list shape, paged with a nextLink that carries the offset. */
export function page(ctx: ArmContext, url: URL, items: unknown[]): ArmResponse {
  const skip = Number(url.searchParams.get("$skiptoken") ?? "0") || 0;
  const value = items.slice(skip, skip + ctx.pageSize);
  const body: Record<string, unknown> = { value };
  if (skip + ctx.pageSize < items.length) {
    const next = new URL(url.toString());
    next.searchParams.set("$skiptoken", String(skip + ctx.pageSize));
    body.nextLink = `${ctx.baseUrl}${next.pathname}${next.search}`;
  }
  return { status: 200, body };
}

export function denied(caller: string, action: string, scope: string): ArmResponse {
  return error(
    403,
    "AuthorizationFailed",
    `The client '${caller}' with object id '${caller}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

export function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (isObject(v) && isObject(target[k])) deepMerge(target[k] as Record<string, unknown>, v);
    else target[k] = structuredClone(v);
  }
  return target;
}

/** The resource's `properties` object, created when absent. */
export function propsOf(resource: { properties?: Record<string, unknown> }): Record<string, unknown> {
  if (resource.properties === undefined) resource.properties = {};
  return resource.properties;
}

/** A nested object field, created when absent. */
export function childOf(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (existing !== null && typeof existing === "object") return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

export function emitFor(
  ctx: ArmContext,
  req: ArmRequest,
  subject: string,
  operationName: string,
  kind: "write" | "delete" | "action",
  ok: boolean,
): void {
  const eventType =
    kind === "delete"
      ? "ResourceDeleteSuccess"
      : kind === "action"
        ? "ResourceActionSuccess"
        : ok
          ? "ResourceWriteSuccess"
          : "ResourceWriteFailure";
  ctx.emit(
    armEvent({
      eventType,
      subject,
      operationName,
      status: ok ? "Succeeded" : "Failed",
      method: req.method,
      url: `https://management.azure.com${req.url.pathname}${req.url.search}`,
      caller: req.caller,
      tenantId: tenantOfSubscription(ctx.state, subscriptionOf(subject)),
      time: ctx.clock.now(),
      evidence: evidenceFor(ctx.state, req.caller, operationName, subject, ctx.clock.now()),
    }),
  );
}
