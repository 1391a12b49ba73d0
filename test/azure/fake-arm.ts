/**
 * An in-memory ARM behind the ArmTransport seam, for applyPlan and the fix use case: resources as raw ARM JSON (as a
 * GET returns them), the writes applyPlan sends (role assignment PUTs, app and registry PATCHes, revision restarts),
 * and scripted failures.
 *
 * Rules it follows: a PUT of a role assignment whose scope, principal and role already have one under another name
 * answers 409 RoleAssignmentExists; a PATCH merges objects and replaces arrays; enabling a system identity gives the
 * app a principal ID; a restart leaves the revision Provisioned, Running and Healthy; v2: a job's start
 * (`POST <job>/start`) adds one execution, started at `clock()`, with the status `executionStatus` (default
 * Succeeded), listed by `GET <job>/executions`.
 *
 * (Reconstructed on 2026-11-23 after the original file was overwritten by mistake; same API: put, getResource,
 * assignments, writes, failWrites.)
 */
import { randomUUID } from "node:crypto";
import type { ArmRequest, ArmResponse, ArmTransport } from "../../src/azure/arm-transport.js";

type Json = Record<string, unknown>;

export interface FailWrite {
  status: number;
  code: string;
  /** Which write fails (default: the next one). Each entry fails one write. */
  match?: (request: ArmRequest) => boolean;
}

const ASSIGNMENTS = "/providers/microsoft.authorization/roleassignments";
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const lower = (s: string): string => s.toLowerCase();
const roleGuid = (id: string): string => lower(id.split("/").at(-1) ?? id);

function merge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isObject(value) && isObject(current) ? merge(current, value) : value;
  }
  return out;
}

/** Whether `outer` is `inner` or one of its parents (path-segment boundary, case-insensitive). */
function covers(outer: string, inner: string): boolean {
  const o = lower(outer).replace(/\/+$/, "");
  const i = lower(inner);
  return i === o || i.startsWith(`${o}/`);
}

const answer = (status: number, body: unknown = null): ArmResponse => ({ status, headers: {}, body });
const error = (status: number, code: string, message: string): ArmResponse =>
  answer(status, { error: { code, message } });

export class FakeArm implements ArmTransport {
  readonly endpoint = "https://management.azure.com";
  readonly failWrites: FailWrite[] = [];
  private readonly resources = new Map<string, Json>();
  private readonly sent: Array<{ method: string; url: string; body: unknown }> = [];
  /** The time a started job execution gets (v2). */
  clock: () => Date = () => new Date();
  /** The status a started job execution ends in (v2). */
  executionStatus = "Succeeded";

  put(resource: Json & { id: string }): void {
    this.resources.set(lower(resource.id), resource);
  }

  getResource(id: string): Json | undefined {
    return this.resources.get(lower(id));
  }

  assignments(): Json[] {
    return [...this.resources.values()].filter(
      (r) => typeof r.type === "string" && lower(r.type) === "microsoft.authorization/roleassignments",
    );
  }

  /** Every write request sent (not GETs), in order. */
  writes(): Array<{ method: string; url: string; body: unknown }> {
    return [...this.sent];
  }

  async send(request: ArmRequest): Promise<ArmResponse> {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    if (request.method === "GET") return this.get(path, url.searchParams);
    this.sent.push({ method: request.method, url: request.url, body: request.body ?? null });
    const failure = this.failWrites.findIndex((f) => !f.match || f.match(request));
    if (failure >= 0) {
      const [f] = this.failWrites.splice(failure, 1);
      return error(f?.status ?? 500, f?.code ?? "InternalServerError", `scripted failure of ${request.method}`);
    }
    const body = isObject(request.body) ? request.body : {};
    if (request.method === "PUT" && lower(path).includes(`${ASSIGNMENTS}/`)) return this.putAssignment(path, body);
    if (request.method === "PATCH") return this.patch(path, body);
    if (request.method === "POST" && /\/revisions\/[^/]+\/restart$/i.test(path)) return this.restart(path);
    if (request.method === "POST" && /\/providers\/Microsoft\.App\/jobs\/[^/]+\/start$/i.test(path)) {
      return this.startJob(path.replace(/\/start$/i, ""));
    }
    return error(400, "UnsupportedByFakeArm", `${request.method} ${path}`);
  }

  private get(path: string, query: URLSearchParams): ArmResponse {
    if (lower(path).endsWith(ASSIGNMENTS)) {
      const scope = path.slice(0, path.length - ASSIGNMENTS.length);
      const principal = /principalId eq '([^']+)'/i.exec(query.get("$filter") ?? "")?.[1];
      const value = this.assignments().filter((a) => {
        const p = isObject(a.properties) ? a.properties : {};
        const at = typeof p.scope === "string" ? p.scope : "";
        const samePrincipal =
          !principal || (typeof p.principalId === "string" && lower(p.principalId) === lower(principal));
        return samePrincipal && (covers(at, scope) || covers(scope, at));
      });
      return answer(200, { value });
    }
    if (/\/providers\/Microsoft\.App\/jobs\/[^/]+\/executions$/i.test(path)) {
      const prefix = `${lower(path)}/`;
      return answer(200, { value: [...this.resources.values()].filter((r) => lower(String(r.id)).startsWith(prefix)) });
    }
    const resource = this.getResource(path);
    return resource ? answer(200, resource) : error(404, "ResourceNotFound", `${path} was not found`);
  }

  private putAssignment(path: string, body: Json): ArmResponse {
    const at = lower(path).lastIndexOf(`${ASSIGNMENTS}/`);
    const scope = path.slice(0, at);
    const name = path.slice(at + ASSIGNMENTS.length + 1);
    const properties = isObject(body.properties) ? body.properties : {};
    const principal = String(properties.principalId ?? "");
    const role = roleGuid(String(properties.roleDefinitionId ?? ""));
    const twin = this.assignments().find((a) => {
      const p = isObject(a.properties) ? a.properties : {};
      return (
        lower(String(a.name)) !== lower(name) &&
        lower(String(p.scope ?? "")) === lower(scope) &&
        lower(String(p.principalId ?? "")) === lower(principal) &&
        roleGuid(String(p.roleDefinitionId ?? "")) === role
      );
    });
    if (twin) return error(409, "RoleAssignmentExists", "The role assignment already exists.");
    const created: Json & { id: string } = {
      id: path,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: { ...properties, scope, createdOn: new Date().toISOString() },
    };
    this.put(created);
    return answer(201, created);
  }

  private patch(path: string, body: Json): ArmResponse {
    const current = this.getResource(path);
    if (!current) return error(404, "ResourceNotFound", `${path} was not found`);
    const next = merge(current, body) as Json & { id: string };
    if (isObject(body.identity)) {
      const identity: Json = { ...body.identity };
      const type = lower(String(identity.type ?? "")).replace(/\s/g, "");
      const before = isObject(current.identity) ? current.identity : {};
      if (type.split(",").includes("systemassigned")) {
        identity.principalId = typeof before.principalId === "string" ? before.principalId : randomUUID();
        identity.tenantId = before.tenantId ?? "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b";
      }
      next.identity = identity;
    }
    this.put(next);
    return answer(200, next);
  }

  private restart(path: string): ArmResponse {
    const revisionId = path.replace(/\/restart$/i, "");
    const revision = this.getResource(revisionId);
    if (!revision) return error(404, "ResourceNotFound", `${revisionId} was not found`);
    this.put({
      ...revision,
      id: String(revision.id),
      properties: {
        ...(isObject(revision.properties) ? revision.properties : {}),
        provisioningState: "Provisioned",
        runningState: "Running",
        healthState: "Healthy",
      },
    });
    return answer(200);
  }

  /** Job_Start.json: 200 with the new execution's name and ID. */
  private startJob(jobId: string): ArmResponse {
    if (!this.getResource(jobId)) return error(404, "ResourceNotFound", `${jobId} was not found`);
    const name = `${jobId.split("/").at(-1)}-${randomUUID().slice(0, 7)}`;
    const id = `${jobId}/executions/${name}`;
    const startTime = this.clock().toISOString();
    this.put({
      id,
      name,
      type: "Microsoft.App/jobs/executions",
      properties: { status: this.executionStatus, startTime },
    });
    return answer(200, { name, id });
  }
}
