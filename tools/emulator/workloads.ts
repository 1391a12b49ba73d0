/**
 * What container apps and (v2) jobs share on the write path: a PUT that replaces the resource, a JSON merge PATCH
 * (lists such as containers, registries and secrets replaced whole, the identity block replaced whole), secrets
 * redacted on GET and listed by `POST .../listSecrets`, and the 201/202 reply of a long-running write.
 *
 * A job is written the way an app is: the 2025-07-01 spec gives both the same `identity`, `configuration.registries`
 * and `configuration.secrets` (Azure/azure-rest-api-specs, specification/app/resource-manager/Microsoft.App/
 * ContainerApps/stable/2025-07-01/Jobs.json `Job`, `JobPatchProperties`, `JobConfiguration`), and Jobs_Update is
 * "Patches a Container Apps Job using JSON Merge Patch".
 */
import type { ArmContext, ArmRequest, ArmResponse } from "./arm.js";
import { childOf, deepMerge, denied, error, isObject, propsOf } from "./arm-replies.js";
import { settleSystemIdentity } from "./identity-lifecycle.js";
import { lastSegment } from "./ids.js";
import { operationHeaders } from "./operations.js";
import { callerMay } from "./rbac.js";
import { type ArmResource, resourceKey } from "./state.js";
import { normalizeResource } from "./world.js";

export const APP_TYPE = "Microsoft.App/containerApps";
export const JOB_TYPE = "Microsoft.App/jobs";
export type WorkloadType = typeof APP_TYPE | typeof JOB_TYPE;

const isType = (type: string, wanted: WorkloadType) => type.toLowerCase() === wanted.toLowerCase();

/** Whether GET of this type strips secret values (container apps and jobs). */
export const hasSecrets = (type: string): boolean => isType(type, APP_TYPE) || isType(type, JOB_TYPE);

/** "container app" or "job", for messages. */
export const workloadNoun = (type: string): string => (isType(type, JOB_TYPE) ? "job" : "container app");

/**
 * The 404 of a workload that does not exist: ACA's `ContainerAppNotFound` for an app; for a job no public source
 * quotes ACA's code, so ARM's generic `ResourceNotFound` wording is used (an assumption).
 */
export function workloadNotFound(type: string, id: string): ArmResponse {
  if (isType(type, JOB_TYPE)) {
    const group = id.split("/")[4] ?? "";
    return error(
      404,
      "ResourceNotFound",
      `The Resource '${JOB_TYPE}/${lastSegment(id)}' under resource group '${group}' was not found.`,
    );
  }
  return error(404, "ContainerAppNotFound", `The container app '${lastSegment(id)}' was not found.`);
}

/** Strips secret values, as GET on a container app or a job does. */
export function redactSecrets(workload: ArmResource): ArmResource {
  const copy = structuredClone(workload);
  const config = copy.properties?.configuration as Record<string, unknown> | undefined;
  if (config && Array.isArray(config.secrets)) {
    config.secrets = (config.secrets as Array<Record<string, unknown>>).map((s) => ({
      name: s.name,
      ...(s.keyVaultUrl ? { keyVaultUrl: s.keyVaultUrl, identity: s.identity } : {}),
    }));
  }
  return copy;
}

/** A JSON merge PATCH of a workload: configuration keys and the template replaced key by key, identity whole. */
function mergePatch(workload: ArmResource, body: Record<string, unknown>): void {
  const { properties, identity, tags } = body as { properties?: unknown; identity?: unknown; tags?: unknown };
  if (isObject(properties)) {
    const patch = structuredClone(properties);
    // A PATCH replaces lists (containers, registries, secrets) as a whole.
    const p = propsOf(workload);
    if (isObject(patch.configuration)) {
      const config = childOf(p, "configuration");
      for (const [k, v] of Object.entries(patch.configuration)) if (v !== undefined) config[k] = v;
      delete patch.configuration;
    }
    if (isObject(patch.template)) {
      p.template = { ...((p.template ?? {}) as Record<string, unknown>), ...patch.template };
      delete patch.template;
    }
    deepMerge(p, patch);
  }
  if (isObject(identity)) workload.identity = { ...structuredClone(identity) };
  if (isObject(tags)) workload.tags = tags as Record<string, string>;
}

/** A PUT's new resource; read-only fields the service keeps (an app's revision names, outbound IPs) carried over. */
function replaced(body: Record<string, unknown>, id: string, type: WorkloadType, before?: ArmResource): ArmResource {
  const workload = { ...structuredClone(body), id, name: lastSegment(id), type } as ArmResource;
  // Secrets not sent keep their values only with a PATCH; a PUT replaces them, as ARM does.
  const p = propsOf(workload);
  if (type === APP_TYPE) {
    p.latestRevisionName = before?.properties?.latestRevisionName;
    p.latestReadyRevisionName = before?.properties?.latestReadyRevisionName;
  }
  p.outboundIpAddresses = before?.properties?.outboundIpAddresses ?? p.outboundIpAddresses ?? ["20.0.0.1"];
  return workload;
}

/**
 * Applies a workload's PUT or PATCH and stores it: the identity's lifecycle settled (a system identity enabled again
 * gets a new principal), read-only fields filled. Returns the stored workload and a copy of what it was before, or
 * the error reply (a PATCH of a workload that does not exist, a PUT without location or properties).
 */
export function writeWorkload(
  ctx: ArmContext,
  req: ArmRequest,
  id: string,
  type: WorkloadType,
): { workload: ArmResource; before: ArmResource | undefined } | ArmResponse {
  const existing = ctx.state.resources.get(resourceKey(id));
  const body = isObject(req.body) ? req.body : {};
  if (req.method === "PATCH" && !existing) return workloadNotFound(type, id);
  const before = existing ? structuredClone(existing) : undefined;
  let workload: ArmResource;
  if (req.method === "PUT") {
    if (!isObject(body.properties) || typeof body.location !== "string") {
      return error(400, "InvalidRequestContent", `A ${workloadNoun(type)} needs a location and properties.`);
    }
    workload = replaced(body, id, type, before);
  } else {
    workload = existing as ArmResource;
    mergePatch(workload, body);
  }
  settleSystemIdentity(ctx.state, id, before?.identity, workload.identity);
  normalizeResource(workload, ctx.state, ctx.clock.now());
  const principal = workload.identity?.principalId;
  if (typeof principal === "string" && principal !== before?.identity?.principalId) {
    ctx.principalsCreatedAt.set(principal.toLowerCase(), ctx.clock.now());
  }
  ctx.state.resources.set(resourceKey(id), workload);
  return { workload, before };
}

/** The reply of a long-running workload write: 201 with the resource InProgress for a PUT, 202 for a PATCH. */
export function writeReply(ctx: ArmContext, req: ArmRequest, workload: ArmResource, operation: string): ArmResponse {
  const shown = redactSecrets(workload);
  return {
    status: req.method === "PUT" ? 201 : 202,
    body:
      req.method === "PUT"
        ? { ...shown, properties: { ...shown.properties, provisioningState: "InProgress" } }
        : undefined,
    headers: operationHeaders(ctx, workload, operation, req.url.searchParams.get("api-version")),
  };
}

/**
 * `POST .../containerApps/{app}/listSecrets` and (v2) `POST .../jobs/{job}/listSecrets` (Jobs_ListSecrets in the
 * 2025-07-01 spec): the secrets with their values, after `<type>/listSecrets/action`.
 */
export function listSecretsRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  const m = /^(.*\/providers\/Microsoft\.App\/(containerApps|jobs)\/[^/]+)\/listSecrets$/i.exec(path);
  if (!m || req.method !== "POST") return null;
  const id = m[1] ?? "";
  const type = (m[2] ?? "").toLowerCase() === "jobs" ? JOB_TYPE : APP_TYPE;
  const action = `${type}/listSecrets/action`;
  if (!callerMay(ctx.state, req.caller, action, id, ctx.clock.now())) return denied(req.caller, action, id);
  const workload = ctx.state.resources.get(resourceKey(id));
  if (!workload) return workloadNotFound(type, id);
  const list = ((workload.properties?.configuration as Record<string, unknown> | undefined)?.secrets ??
    []) as unknown[];
  return { status: 200, body: { value: list } };
}
