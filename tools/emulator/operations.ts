/**
 * Long-running operations of container-app writes, in the two forms ARM uses (behaviour.ts has the sources), and
 * failures that take time to show (a revision that cannot pull stays Provisioning for `failedPullSeconds`).
 */
import { randomUUID } from "node:crypto";
import type { ArmContext, ArmResponse } from "./arm.js";
import { subscriptionOf } from "./ids.js";
import { type ArmResource, resourceKey } from "./state.js";

export interface Operation {
  /** How the operation ends. */
  status: "Succeeded" | "Failed";
  error?: { code: string; message: string };
  /** Emulator-clock milliseconds at which it ends; before that it is InProgress. */
  doneAt: number;
  /** The resource the operation wrote (its final GET for the Location form). */
  resourceId: string;
  /** The Location form's final body when it is not the resource (a job start's `{name, id}`: JobExecutionBase). */
  result?: unknown;
}

/** While an operation runs, the Retry-After the emulator sends (an assumption; the product must cap any value). */
const RETRY_AFTER_SECONDS = 1;

/** Starts an operation that ends `status` after the world's operationSeconds (or later, for a slow failure). */
export function startOperation(
  ctx: ArmContext,
  resourceId: string,
  outcome: Pick<Operation, "status" | "error" | "result">,
  atLeastSeconds = 0,
): string {
  const id = randomUUID();
  const seconds = Math.max(ctx.state.behaviour.operationSeconds, atLeastSeconds);
  ctx.operations.set(id, { ...outcome, resourceId, doneAt: ctx.clock.now().getTime() + seconds * 1000 });
  return id;
}

/**
 * The headers of a write's 201/202: Azure-AsyncOperation + Location, or Location only (world behaviour, or `form` when
 * the operation has only one: a job start answers Location only, Jobs.json Jobs_Start). A job's operations live under
 * `containerappsjobOperation...`, as the 2025-07-01 example Job_Patch.json's `azure-asyncoperation` header shows.
 */
export function operationHeaders(
  ctx: ArmContext,
  resource: ArmResource,
  operation: string,
  apiVersion: string | null,
  form: "azure-async" | "location" = ctx.state.behaviour.operations,
): Record<string, string> {
  const prefix = resource.type.toLowerCase().startsWith("microsoft.app/jobs") ? "containerappsjob" : "containerapp";
  const location = String(resource.location ?? "westeurope")
    .replace(/\s/g, "")
    .toLowerCase();
  const base = `${ctx.baseUrl}/subscriptions/${subscriptionOf(resource.id)}/providers/Microsoft.App/locations/${location}`;
  const query = `api-version=${apiVersion ?? ""}`;
  const running = (ctx.operations.get(operation)?.doneAt ?? 0) > ctx.clock.now().getTime();
  const retryAfter = String(running ? RETRY_AFTER_SECONDS : 0);
  if (form === "location") {
    return { location: `${base}/${prefix}OperationResults/${operation}?${query}`, "retry-after": retryAfter };
  }
  // ARM's pair: the status monitor, and the Location whose GET gives the result once the operation is over.
  return {
    "azure-asyncoperation": `${base}/${prefix}OperationStatuses/${operation}?${query}`,
    location: `${base}/${prefix}OperationResults/${operation}?${query}`,
    "retry-after": retryAfter,
  };
}

/**
 * GET of an operation: `containerapp[sjob]OperationStatuses/{id}` answers the status document; `containerappOperationResults/
 * {id}` (the Location form) answers 202 while running, then 200 with the resource, or the error with status 400.
 */
export function operationRoute(ctx: ArmContext, path: string, show: (r: ArmResource) => unknown): ArmResponse | null {
  const m = /\/containerapp(?:sjob)?Operation(Statuses|Results)\/([^/]+)$/i.exec(path);
  if (!m) return null;
  const op = ctx.operations.get(m[2] ?? "");
  if (!op)
    return { status: 404, body: { error: { code: "OperationNotFound", message: `operation ${m[2]} not found` } } };
  const running = op.doneAt > ctx.clock.now().getTime();
  if ((m[1] ?? "").toLowerCase() === "statuses") {
    const status = running ? "InProgress" : op.status;
    const error = !running && op.error ? { error: op.error } : {};
    return { status: 200, body: { id: path, name: m[2], status, ...error } };
  }
  if (running) return { status: 202, headers: { location: path, "retry-after": String(RETRY_AFTER_SECONDS) } };
  if (op.status === "Failed") return { status: 400, body: { error: op.error } };
  if (op.result !== undefined) return { status: 200, body: op.result };
  const resource = ctx.state.resources.get(resourceKey(op.resourceId));
  return { status: 200, body: resource ? show(resource) : undefined };
}

export interface PendingFailure {
  at: number;
  revisionId: string;
  appId: string;
  revision: Record<string, unknown>;
  appProvisioningState: unknown;
}

/**
 * With `failedPullSeconds`, a revision just decided Failed shows Provisioning/Activating until that time has passed
 * on the emulator's clock; `settleFailures` then gives it (and its app) the failed state already decided.
 */
export function deferFailure(ctx: ArmContext, app: ArmResource, revision: ArmResource): number {
  const seconds = ctx.state.behaviour.failedPullSeconds;
  if (seconds <= 0) return 0;
  revision.properties ??= {};
  const p = revision.properties;
  const { provisioningState, runningState, healthState, provisioningError } = p;
  ctx.pendingFailures.push({
    at: ctx.clock.now().getTime() + seconds * 1000,
    revisionId: revision.id,
    appId: app.id,
    revision: { provisioningState, runningState, healthState, provisioningError },
    appProvisioningState: app.properties?.provisioningState,
  });
  Object.assign(p, { provisioningState: "Provisioning", runningState: "Activating", healthState: "None" });
  p.provisioningError = null;
  app.properties ??= {};
  app.properties.provisioningState = "InProgress";
  return seconds;
}

export function settleFailures(ctx: ArmContext): void {
  if (ctx.pendingFailures.length === 0) return;
  const now = ctx.clock.now().getTime();
  const due = ctx.pendingFailures.filter((f) => f.at <= now);
  ctx.pendingFailures = ctx.pendingFailures.filter((f) => f.at > now);
  for (const f of due) {
    const revision = ctx.state.resources.get(resourceKey(f.revisionId));
    const app = ctx.state.resources.get(resourceKey(f.appId));
    // A restart or a newer write since then decided the revision again: nothing to settle.
    if (revision?.properties?.provisioningState !== "Provisioning") continue;
    Object.assign(revision.properties, f.revision);
    if (app?.properties?.latestRevisionName === revision.name)
      app.properties.provisioningState = f.appProvisioningState;
  }
}
