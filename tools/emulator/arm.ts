/**
 * The Azure Resource Manager front end of the emulator: generic resource routes (get, list by subscription and
 * group, nested collections), role assignments and definitions at any scope, subscriptions, the generic resources
 * list, container-app writes as long-running operations, revisions and replicas and restart. Jobs (v2) are jobs.ts,
 * what apps and jobs share on the write path workloads.ts, ARM's reply shapes arm-replies.ts.
 * Everything answers in ARM's shapes, including `{"error":{"code","message"}}` and paged lists with `nextLink`.
 */
import { randomUUID } from "node:crypto";
import { deepMerge, denied, emitFor, error, isObject, page, propsOf } from "./arm-replies.js";
import type { ConditionValues } from "./conditions.js";
import type { ArmEvent } from "./events.js";
import { invalidImageFields, type WordedFailure, wordFailure } from "./failure-wording.js";
import { covers, lastSegment, lowerId, subscriptionOf } from "./ids.js";
import { type PendingExecution, settleExecutions } from "./job-executions.js";
import { jobsRoute } from "./jobs.js";
import { mirrorIntoParent } from "./network.js";
import {
  deferFailure,
  type Operation,
  operationRoute,
  type PendingFailure,
  settleFailures,
  startOperation,
} from "./operations.js";
import {
  DIRECTORY_REPLICATION_SECONDS,
  principalCreatedAt,
  principalNotFoundMessage,
  principalTypeOf,
} from "./principals.js";
import { evaluateRevision, type PullFailure, splitImage } from "./pull.js";
import { allAssignments, assignmentOf, callerMay, findRoleDefinition, identitiesOf, roleDefinitions } from "./rbac.js";
import { type ArmResource, type Clock, resourceKey, type WorldState } from "./state.js";
import { webConfigRoute } from "./web-config.js";
import { APP_TYPE, hasSecrets, listSecretsRoute, redactSecrets, writeReply, writeWorkload } from "./workloads.js";
import { normalizeResource, resourcesOfType } from "./world.js";

export interface ArmRequest {
  method: string;
  url: URL;
  body: unknown;
  caller: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ArmContext {
  state: WorldState;
  clock: Clock;
  pageSize: number;
  baseUrl: string;
  emit(event: ArmEvent): void;
  /** A revision failed at run time (a restart, a replica restart after a change elsewhere). */
  runtimeFailure(app: ArmResource, revision: ArmResource): void;
  /** v2: a job execution could not pull its images; `log` is the system logs' text of it (job-executions.ts). */
  executionFailure(job: ArmResource, execution: ArmResource, log: string): void;
  /** v2: started executions and when they end (job-executions.ts). */
  pendingExecutions: PendingExecution[];
  operations: Map<string, Operation>;
  /** Per revision (v2: or job execution) ID: why its images could not be pulled (for replica details). */
  failures: Map<string, PullFailure[]>;
  /** Principals the emulator created (system identities enabled by a write), by lower-cased ID: when. */
  principalsCreatedAt: Map<string, Date>;
  /** Revisions decided Failed that still show Provisioning (behaviour.failedPullSeconds; operations.ts). */
  pendingFailures: PendingFailure[];
  /**
   * When a revision's replicas were last created, by lower-cased revision ID (absent: with the revision). A restart
   * replaces the revision's pods, and a replica's `createdTime` is "when the pod was created by controller"
   * (@azure/arm-appcontainers, Replica); that a restart replaces them is an assumption no page states outright.
   */
  replicasCreated: Map<string, string>;
}

/**
 * ARM's 403 for a role-assignment write or delete that no assignment of the caller allows, conditions included. The
 * wording is the one learn.microsoft.com/azure/role-based-access-control/troubleshooting quotes ("Symptom - Unable
 * to assign a role"): Azure does not say whether the role or its condition refused.
 */
function conditionDenied(caller: string, action: string, scope: string): ArmResponse {
  return error(
    403,
    "AuthorizationFailed",
    `The client '${caller}' with object id '${caller}' does not have authorization or an ABAC condition not fulfilled to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/** The attributes a delegation condition tests, from a role assignment (stored, or as requested). */
function assignmentAttributes(ctx: ArmContext, p: Record<string, unknown>): ConditionValues {
  const principalId = String(p.principalId ?? "");
  return {
    RoleDefinitionId: lastSegment(String(p.roleDefinitionId ?? "")).toLowerCase(),
    PrincipalId: principalId.toLowerCase(),
    PrincipalType: typeof p.principalType === "string" ? p.principalType : principalTypeOf(ctx.state, principalId),
  };
}

function typeOfPath(segments: string[]): { type: string; id: string; isCollection: boolean } | null {
  const providers = segments.findIndex((s) => s.toLowerCase() === "providers");
  if (providers < 0 || segments.length < providers + 3) return null;
  const namespace = segments[providers + 1] ?? "";
  const rest = segments.slice(providers + 2);
  const types = rest.filter((_, i) => i % 2 === 0);
  return {
    type: [namespace, ...types].join("/"),
    id: `/${segments.join("/")}`,
    isCollection: rest.length % 2 === 1,
  };
}

export function revisionsOf(state: WorldState, appId: string): ArmResource[] {
  const prefix = `${lowerId(appId)}/revisions/`;
  return [...state.resources.values()].filter(
    (r) => r.type.toLowerCase() === "microsoft.app/containerapps/revisions" && lowerId(r.id).startsWith(prefix),
  );
}

/** Evaluates a revision's pull path now and records the outcome on the revision and the app. */
export function decideRevision(ctx: ArmContext, app: ArmResource, revision: ArmResource, atDeploy: boolean): boolean {
  const decision = evaluateRevision(ctx.state, app, ctx.clock.now());
  const p = propsOf(revision);
  p.template = structuredClone(app.properties?.template ?? {});
  if (decision.ok) {
    Object.assign(p, {
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
      provisioningError: null,
    });
    delete p.runningStateDetails;
    ctx.failures.delete(lowerId(revision.id));
    const ap = propsOf(app);
    ap.latestReadyRevisionName = revision.name;
    if (atDeploy) ap.provisioningState = "Succeeded";
  } else {
    const worded = wordedFailure(ctx, app, decision.failures[0]);
    Object.assign(p, {
      provisioningState: atDeploy ? "Failed" : "Provisioned",
      runningState: atDeploy ? "Failed" : "Degraded",
      healthState: "Unhealthy",
      provisioningError: worded?.provisioningError ?? "Failed to provision revision",
      ...(worded?.revisionDetails ? { runningStateDetails: worded.revisionDetails } : {}),
    });
    ctx.failures.set(lowerId(revision.id), decision.failures);
    if (atDeploy) propsOf(app).provisioningState = "Failed";
  }
  return decision.ok;
}

/** The failure texts in the world's `behaviour.failureWording` (failure-wording.ts), for the first failing image. */
export function wordedFailure(ctx: ArmContext, app: ArmResource, first: PullFailure | undefined): WordedFailure | null {
  if (!first) return null;
  return wordFailure(ctx.state.behaviour.failureWording, app.name, first, entryIdentity(app, first));
}

/** The identity the app's registry entry for the failing image's server names (null: none). */
function entryIdentity(app: ArmResource, failure: PullFailure): string | null {
  const host = splitImage(failure.image).host;
  const entries = ((app.properties?.configuration as Record<string, unknown> | undefined)?.registries ?? []) as Array<
    Record<string, unknown>
  >;
  const entry = entries.find((e) => String(e.server ?? "").toLowerCase() === host);
  return typeof entry?.identity === "string" && entry.identity.trim() !== "" ? entry.identity : null;
}

/** A new revision of the app's template; `given` is a name the world already gave it (kept when free). */
export function newRevision(ctx: ArmContext, app: ArmResource, given?: string): ArmResource {
  const template = (app.properties?.template ?? {}) as Record<string, unknown>;
  const suffix =
    typeof template.revisionSuffix === "string" && template.revisionSuffix
      ? template.revisionSuffix
      : randomUUID().slice(0, 7);
  let name = given || `${app.name}--${suffix}`;
  if (ctx.state.resources.has(resourceKey(`${app.id}/revisions/${name}`)))
    name = `${app.name}--${randomUUID().slice(0, 7)}`;
  const revision: ArmResource = {
    id: `${app.id}/revisions/${name}`,
    name,
    type: "Microsoft.App/containerApps/revisions",
    properties: { createdTime: ctx.clock.now().toISOString(), active: true, replicas: 1, trafficWeight: 100 },
  };
  ctx.state.resources.set(resourceKey(revision.id), revision);
  propsOf(app).latestRevisionName = name;
  return revision;
}

function replicasOf(ctx: ArmContext, revision: ArmResource): unknown[] {
  const p = revision.properties ?? {};
  const template = (p.template ?? {}) as {
    containers?: Array<{ name?: string; image?: string }>;
    initContainers?: Array<{ name?: string }>;
  };
  const failures = ctx.failures.get(lowerId(revision.id)) ?? [];
  const running = String(p.runningState ?? "Running") === "Running";
  const stored = String(p.provisioningError ?? "");
  const detail = (name: string | undefined) => {
    const f = failures.find((x) => x.container === name);
    if (f) {
      const app = ctx.state.resources.get(lowerId(revision.id.replace(/\/revisions\/[^/]+$/i, "")));
      const worded = app ? wordedFailure(ctx, app, f) : null;
      return { runningState: "Waiting", runningStateDetails: worded?.containerDetails ?? "", restartCount: 0 };
    }
    if (!running && failures.length === 0)
      return { runningState: "Waiting", runningStateDetails: stored || "ImagePullBackOff", restartCount: 0 };
    return {
      runningState: running ? "Running" : "Waiting",
      runningStateDetails: running ? "" : "waiting for other containers",
      restartCount: 0,
    };
  };
  return [
    {
      id: `${revision.id}/replicas/${revision.name}-0`,
      name: `${revision.name}-0`,
      type: "Microsoft.App/containerApps/revisions/replicas",
      properties: {
        createdTime: ctx.replicasCreated.get(lowerId(revision.id)) ?? p.createdTime,
        runningState: running ? "Running" : "NotRunning",
        runningStateDetails: running ? "" : "Replica is not running",
        containers: (template.containers ?? []).map((c) => ({
          name: c.name,
          containerId: "",
          ready: running,
          started: running,
          ...detail(c.name),
        })),
        initContainers: (template.initContainers ?? []).map((c) => ({
          name: c.name,
          containerId: "",
          ready: running,
          started: running,
          ...detail(c.name),
        })),
      },
    },
  ];
}

function subscriptionsRoute(ctx: ArmContext, req: ArmRequest, segments: string[]): ArmResponse | null {
  if (segments.length === 1 && req.method === "GET") {
    const subs = ctx.state.tenants.flatMap((t) =>
      t.subscriptions.map((s) => ({
        id: `/subscriptions/${s}`,
        subscriptionId: s,
        tenantId: t.tenantId,
        displayName: s,
        state: "Enabled",
      })),
    );
    return page(ctx, req.url, subs);
  }
  if (segments.length === 2 && req.method === "GET") {
    const sub = (segments[1] ?? "").toLowerCase();
    const tenant = ctx.state.tenants.find((t) => t.subscriptions.includes(sub));
    if (!tenant) return error(404, "SubscriptionNotFound", `The subscription '${segments[1]}' could not be found.`);
    return {
      status: 200,
      body: {
        id: `/subscriptions/${sub}`,
        subscriptionId: sub,
        tenantId: tenant.tenantId,
        displayName: sub,
        state: "Enabled",
      },
    };
  }
  if (segments.length === 3 && segments[2]?.toLowerCase() === "resources" && req.method === "GET") {
    const sub = (segments[1] ?? "").toLowerCase();
    const filter = req.url.searchParams.get("$filter") ?? "";
    const m = /resourceType eq '([^']+)'/i.exec(filter);
    const items = [...ctx.state.resources.values()].filter(
      (r) => subscriptionOf(r.id) === sub && (!m || r.type.toLowerCase() === (m[1] ?? "").toLowerCase()),
    );
    return page(
      ctx,
      req.url,
      items.map((r) => ({ id: r.id, name: r.name, type: r.type, location: r.location, tags: r.tags })),
    );
  }
  return null;
}

/**
 * The PrincipalNotFound message when an assignment without `principalType` names a principal created less than the
 * directory's replication delay ago (principals.ts); null otherwise.
 */
function principalNotReplicated(ctx: ArmContext, p: Record<string, unknown>, now: Date): string | null {
  if (typeof p.principalType === "string" && p.principalType !== "") return null;
  const principalId = String(p.principalId);
  const created = principalCreatedAt(ctx.state, ctx.principalsCreatedAt, principalId);
  if (!created || now.getTime() - created.getTime() >= DIRECTORY_REPLICATION_SECONDS * 1000) return null;
  return principalNotFoundMessage(principalId, ctx.state.tenants[0]?.tenantId ?? "");
}

function roleAssignmentsRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  const m = /^(.*?)\/providers\/Microsoft\.Authorization\/roleAssignments(?:\/([^/]+))?$/i.exec(path);
  if (!m) return null;
  const scope = m[1] || "/";
  const name = m[2];
  const now = ctx.clock.now();
  if (!name) {
    if (req.method !== "GET") return error(405, "MethodNotAllowed", `${req.method} is not supported on a list`);
    if (!callerMay(ctx.state, req.caller, "Microsoft.Authorization/roleAssignments/read", scope, now)) {
      return denied(req.caller, "Microsoft.Authorization/roleAssignments/read", scope);
    }
    const filter = (req.url.searchParams.get("$filter") ?? "").trim();
    const atScope = /atScope\(\)/i.test(filter);
    const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const assigned = /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
    if (filter && !atScope && !principal && !assigned)
      return error(400, "InvalidFilter", `The filter '${filter}' is not supported.`);
    if (atScope && (principal || assigned)) {
      return error(
        400,
        "UnsupportedQuery",
        "The filter atScope() cannot be combined with principalId eq or assignedTo().",
      );
    }
    const who = assigned ? identitiesOf(ctx.state, assigned) : principal ? new Set([principal.toLowerCase()]) : null;
    const items = allAssignments(ctx.state)
      .filter((a) => (atScope ? covers(a.scope, scope) : covers(a.scope, scope) || covers(scope, a.scope)))
      .filter((a) => !who || who.has(a.principalId))
      .map((a) => a.resource);
    return page(ctx, req.url, items);
  }
  const id = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  const existing = ctx.state.resources.get(resourceKey(id));
  if (req.method === "GET") {
    if (!existing) return error(404, "RoleAssignmentNotFound", `The role assignment '${name}' is not found.`);
    return { status: 200, body: existing };
  }
  if (req.method === "DELETE") {
    const action = "Microsoft.Authorization/roleAssignments/delete";
    const target = existing ? { resource: assignmentAttributes(ctx, existing.properties ?? {}) } : {};
    if (!callerMay(ctx.state, req.caller, action, scope, now, target)) return conditionDenied(req.caller, action, id);
    if (!existing) return { status: 204 };
    ctx.state.resources.delete(resourceKey(id));
    emitFor(ctx, req, id, "Microsoft.Authorization/roleAssignments/delete", "delete", true);
    return { status: 200, body: existing };
  }
  if (req.method === "PUT") {
    const body = isObject(req.body) ? req.body : {};
    const p = isObject(body.properties) ? body.properties : {};
    if (typeof p.roleDefinitionId !== "string" || typeof p.principalId !== "string") {
      return error(
        400,
        "InvalidRoleAssignmentRequest",
        "properties.roleDefinitionId and properties.principalId are required.",
      );
    }
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(p.principalId))
      return error(400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.");
    if (!/^[0-9a-f-]{36}$/i.test(name))
      return error(
        400,
        "InvalidRoleAssignmentId",
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    if (!findRoleDefinition(ctx.state, p.roleDefinitionId)) {
      return error(
        400,
        "RoleDefinitionDoesNotExist",
        `The specified role definition with ID '${lastSegment(p.roleDefinitionId)}' does not exist.`,
      );
    }
    const action = "Microsoft.Authorization/roleAssignments/write";
    if (!callerMay(ctx.state, req.caller, action, scope, now, { request: assignmentAttributes(ctx, p) })) {
      return conditionDenied(req.caller, action, id);
    }
    const notReplicated = principalNotReplicated(ctx, p, now);
    if (notReplicated) return error(400, "PrincipalNotFound", notReplicated);
    const roleGuid = lastSegment(p.roleDefinitionId).toLowerCase();
    const twin = allAssignments(ctx.state).find(
      (a) =>
        lowerId(a.scope) === lowerId(scope) &&
        a.principalId === String(p.principalId).toLowerCase() &&
        lastSegment(a.roleDefinitionId).toLowerCase() === roleGuid &&
        lastSegment(a.resource.id).toLowerCase() !== name.toLowerCase(),
    );
    if (twin) return error(409, "RoleAssignmentExists", "The role assignment already exists.");
    if (existing) {
      const e = assignmentOf(existing);
      if (
        e.principalId !== String(p.principalId).toLowerCase() ||
        lastSegment(e.roleDefinitionId).toLowerCase() !== roleGuid
      ) {
        return error(
          400,
          "RoleAssignmentUpdateNotPermitted",
          "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        );
      }
    }
    const resource: ArmResource = {
      id,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        roleDefinitionId: p.roleDefinitionId,
        principalId: p.principalId,
        principalType: p.principalType ?? "ServicePrincipal",
        scope,
        condition: p.condition ?? null,
        conditionVersion: p.conditionVersion ?? null,
        createdOn: existing?.properties?.createdOn ?? now.toISOString(),
        updatedOn: now.toISOString(),
        createdBy: existing?.properties?.createdBy ?? req.caller,
        updatedBy: req.caller,
      },
    };
    ctx.state.resources.set(resourceKey(id), resource);
    emitFor(ctx, req, id, "Microsoft.Authorization/roleAssignments/write", "write", true);
    return { status: existing ? 200 : 201, body: resource };
  }
  return error(405, "MethodNotAllowed", `${req.method} is not supported`);
}

function roleDefinitionsRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  const m = /^(.*?)\/providers\/Microsoft\.Authorization\/roleDefinitions(?:\/([^/]+))?$/i.exec(path);
  if (!m) return null;
  if (req.method !== "GET") return error(405, "MethodNotAllowed", "role definitions are read-only here");
  const scope = m[1] || "/";
  // A custom role from the world is returned as given (unknown fields kept); built-in ones are built here.
  const shape = (d: ReturnType<typeof roleDefinitions>[number]): unknown =>
    (d.roleType === "CustomRole" ? ctx.state.resources.get(resourceKey(d.id)) : undefined) ?? {
      id:
        d.roleType === "BuiltInRole"
          ? `${scope === "/" ? "" : scope.startsWith("/subscriptions/") ? `/subscriptions/${subscriptionOf(scope)}` : ""}/providers/Microsoft.Authorization/roleDefinitions/${d.guid}`
          : d.id,
      name: d.guid,
      type: "Microsoft.Authorization/roleDefinitions",
      properties: {
        roleName: d.roleName,
        type: d.roleType,
        description: "",
        assignableScopes: d.assignableScopes,
        permissions: d.permissions,
      },
    };
  if (m[2]) {
    const d = findRoleDefinition(ctx.state, m[2]);
    if (!d) return error(404, "RoleDefinitionDoesNotExist", `The role definition '${m[2]}' could not be found.`);
    return { status: 200, body: shape(d) };
  }
  return page(ctx, req.url, roleDefinitions(ctx.state).map(shape));
}

function appWrite(ctx: ArmContext, req: ArmRequest, id: string): ArmResponse {
  const rejected = rejectWhileUnpullable(ctx, req, ctx.state.resources.get(resourceKey(id)));
  if (rejected) return rejected;
  const written = writeWorkload(ctx, req, id, APP_TYPE);
  if (!("workload" in written)) return written;
  const { workload: app, before } = written;
  const templateChanged =
    !before || JSON.stringify(before.properties?.template ?? {}) !== JSON.stringify(app.properties?.template ?? {});
  let ok = true;
  let revision: ArmResource | undefined;
  if (templateChanged) {
    revision = newRevision(ctx, app);
    ok = decideRevision(ctx, app, revision, true);
  } else {
    propsOf(app).provisioningState = "Succeeded";
  }
  const failure = ok
    ? {}
    : {
        error: {
          code: "ContainerAppOperationError",
          message: String(revision?.properties?.provisioningError ?? "Failed to provision revision"),
        },
      };
  const slowFailure = !ok && revision ? deferFailure(ctx, app, revision) : 0;
  const operation = startOperation(ctx, id, { status: ok ? "Succeeded" : "Failed", ...failure }, slowFailure);
  emitFor(ctx, req, id, "Microsoft.App/containerApps/write", "write", ok);
  return writeReply(ctx, req, app, operation);
}

/**
 * behaviour.rejectWritesWhileUnpullable: ACA answers a PATCH of an app whose current images cannot be pulled with a
 * synchronous 400 InvalidParameterValueInContainerTemplate carrying the image field's text; nothing is written.
 */
function rejectWhileUnpullable(
  ctx: ArmContext,
  req: ArmRequest,
  existing: ArmResource | undefined,
): ArmResponse | null {
  if (!ctx.state.behaviour.rejectWritesWhileUnpullable || req.method !== "PATCH" || !existing) return null;
  const decision = evaluateRevision(ctx.state, existing, ctx.clock.now());
  if (decision.ok) return null;
  const first = decision.failures[0];
  if (!first) return null;
  const text = invalidImageFields(ctx.state.behaviour.failureWording, first, entryIdentity(existing, first));
  return error(400, "InvalidParameterValueInContainerTemplate", text);
}

function actionRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  if (req.method !== "POST") return null;
  const now = ctx.clock.now();
  const restart = /^(.*\/providers\/Microsoft\.App\/containerApps\/[^/]+)\/revisions\/([^/]+)\/restart$/i.exec(path);
  if (restart) {
    const appId = restart[1] ?? "";
    const action = "Microsoft.App/containerApps/revisions/restart/action";
    if (!callerMay(ctx.state, req.caller, action, appId, now)) return denied(req.caller, action, appId);
    const app = ctx.state.resources.get(resourceKey(appId));
    const revision = ctx.state.resources.get(resourceKey(`${appId}/revisions/${restart[2]}`));
    if (!app || !revision) return error(404, "ContainerAppRevisionNotFound", `Revision '${restart[2]}' was not found.`);
    const wasFailedDeploy = String(revision.properties?.provisioningState ?? "").toLowerCase() === "failed";
    ctx.replicasCreated.set(lowerId(revision.id), now.toISOString());
    const ok = decideRevision(ctx, app, revision, wasFailedDeploy);
    if (ok && wasFailedDeploy) propsOf(app).provisioningState = "Succeeded";
    emitFor(ctx, req, revision.id, action, "action", true);
    if (!ok) ctx.runtimeFailure(app, revision);
    return { status: 200 };
  }
  return null;
}

export function handleArm(ctx: ArmContext, req: ArmRequest): ArmResponse {
  settleFailures(ctx);
  settleExecutions(ctx);
  const path = req.url.pathname.replace(/\/+$/, "");
  if (!req.url.searchParams.get("api-version")) {
    return error(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  }
  if (/\/\.\.?(\/|$)/.test(path) || /%2f/i.test(req.url.pathname))
    return error(400, "InvalidResourceId", `The resource ID '${path}' is not valid.`);
  const segments = path.split("/").filter(Boolean);
  const now = ctx.clock.now();

  const special =
    operationRoute(ctx, path, redactSecrets) ??
    listSecretsRoute(ctx, req, path) ??
    roleAssignmentsRoute(ctx, req, path) ??
    roleDefinitionsRoute(ctx, req, path) ??
    actionRoute(ctx, req, path) ??
    webConfigRoute(ctx, req, path);
  if (special) return special;
  if (segments[0]?.toLowerCase() !== "subscriptions") return error(404, "NotFound", `No route for ${path}`);
  const subscription = subscriptionsRoute(ctx, req, segments);
  if (subscription) return subscription;
  // ARM answers a request under a subscription it does not know (or the caller's tenant does not hold) before any
  // resource provider: 404 {"code":"SubscriptionNotFound","message":"The subscription '<id>' could not be found."},
  // as quoted for a resource command in Azure/azure-cli#30164 and for a read in Azure/azure-cli#33657.
  const unknownSubscription = segments[1] ?? "";
  if (!ctx.state.tenants.some((t) => t.subscriptions.includes(unknownSubscription.toLowerCase()))) {
    return error(404, "SubscriptionNotFound", `The subscription '${unknownSubscription}' could not be found.`);
  }
  const job = jobsRoute(ctx, req, path);
  if (job) return job;

  const shape = typeOfPath(segments);
  if (!shape) {
    if (segments.length === 4 && segments[2]?.toLowerCase() === "resourcegroups" && req.method === "GET") {
      return {
        status: 200,
        body: {
          id: path,
          name: segments[3],
          type: "Microsoft.Resources/resourceGroups",
          location: "westeurope",
          properties: { provisioningState: "Succeeded" },
        },
      };
    }
    return error(404, "NotFound", `No route for ${path}`);
  }
  const type = shape.type.toLowerCase();
  const readAction = `${shape.type}/read`;

  if (shape.isCollection) {
    if (req.method !== "GET") return error(405, "MethodNotAllowed", `${req.method} is not supported on a collection`);
    const parent = `/${segments.slice(0, -1).join("/")}`;
    const parentIsResource = !/\/providers\/[^/]+$/i.test(parent);
    const listScope = parentIsResource ? parent : parent.replace(/\/providers\/[^/]+$/i, "");
    if (!callerMay(ctx.state, req.caller, readAction, listScope, now)) return denied(req.caller, readAction, listScope);
    if (type === "microsoft.app/containerapps/revisions/replicas") {
      const revision = ctx.state.resources.get(resourceKey(parent));
      if (!revision)
        return error(404, "ContainerAppRevisionNotFound", `Revision '${lastSegment(parent)}' was not found.`);
      return { status: 200, body: { value: replicasOf(ctx, revision) } };
    }
    const items = resourcesOfType(ctx.state, shape.type).filter((r) => covers(listScope, r.id));
    const shown = hasSecrets(type) ? items.map(redactSecrets) : items;
    return page(ctx, req.url, shown);
  }

  const id = shape.id;
  const existing = ctx.state.resources.get(resourceKey(id));
  if (req.method === "GET") {
    if (!callerMay(ctx.state, req.caller, readAction, id, now)) return denied(req.caller, readAction, id);
    if (type === "microsoft.app/containerapps/revisions/replicas") {
      const revisionId = id.replace(/\/replicas\/[^/]+$/i, "");
      const revision = ctx.state.resources.get(resourceKey(revisionId));
      const replica = revision
        ? (replicasOf(ctx, revision) as Array<{ name: string }>).find(
            (r) => r.name.toLowerCase() === lastSegment(id).toLowerCase(),
          )
        : undefined;
      return replica
        ? { status: 200, body: replica }
        : error(404, "ContainerAppReplicaNotFound", `Replica '${lastSegment(id)}' was not found.`);
    }
    if (!existing) {
      const code = type === "microsoft.app/containerapps" ? "ContainerAppNotFound" : "ResourceNotFound";
      return error(
        404,
        code,
        `The Resource '${shape.type}/${lastSegment(id)}' under resource group '${segments[3] ?? ""}' was not found.`,
      );
    }
    return { status: 200, body: hasSecrets(type) ? redactSecrets(existing) : existing };
  }

  const writeAction = `${shape.type}/${req.method === "DELETE" ? "delete" : "write"}`;
  if (!callerMay(ctx.state, req.caller, writeAction, id, now)) return denied(req.caller, writeAction, id);
  if (type === "microsoft.app/containerapps" && (req.method === "PUT" || req.method === "PATCH")) {
    return appWrite(ctx, req, id);
  }
  if (req.method === "DELETE") {
    if (!existing) return { status: 204 };
    ctx.state.resources.delete(resourceKey(id));
    mirrorIntoParent(ctx.state, shape.type, id, null);
    emitFor(ctx, req, id, `${shape.type}/delete`, "delete", true);
    return { status: 200 };
  }
  if (req.method === "PATCH" || req.method === "PUT") {
    if (!isObject(req.body)) return error(400, "InvalidRequestContent", "The request content is not valid JSON.");
    if (req.method === "PATCH" && !existing)
      return error(404, "ResourceNotFound", `The Resource '${shape.type}/${lastSegment(id)}' was not found.`);
    const resource: ArmResource =
      req.method === "PATCH"
        ? (deepMerge(existing as unknown as Record<string, unknown>, req.body) as unknown as ArmResource)
        : ({
            ...(structuredClone(req.body) as Record<string, unknown>),
            id,
            name: lastSegment(id),
            type: shape.type,
          } as ArmResource);
    normalizeResource(resource, ctx.state, now);
    ctx.state.resources.set(resourceKey(id), resource);
    mirrorIntoParent(ctx.state, shape.type, id, resource);
    emitFor(ctx, req, id, `${shape.type}/write`, "write", true);
    return { status: existing ? 200 : 201, body: resource };
  }
  return error(405, "MethodNotAllowed", `${req.method} is not supported`);
}
