/**
 * v2: the ARM routes of Container Apps jobs (`Microsoft.App/jobs`, api-version 2025-07-01), as the SDK's `jobs` and
 * `jobsExecutions` operations call them (@azure/arm-appcontainers 3.0.0). GET of a job and the lists by resource
 * group and subscription are the generic routes of arm.ts (secrets redacted, paged); listSecrets is workloads.ts.
 *
 * - PUT / PATCH: written like an app (workloads.ts), answered as a long-running operation (operations.ts: 201 with
 *   the job InProgress / 202, polled to Succeeded). Unlike an app's write, a job's write never fails on its image:
 *   the image is pulled when an execution starts (spec/pull-path.md v2), so `rejectWritesWhileUnpullable` does not
 *   apply either. Sources: Jobs.json Jobs_CreateOrUpdate (final-state-via azure-async-operation), Jobs_Update (202 +
 *   Location), example Job_Patch.json (`containerappsjobOperationResults`).
 * - DELETE: removes the job and its executions (200; 204 when absent; Jobs_Delete).
 * - POST start: `Microsoft.App/jobs/start/action`; creates an execution (job-executions.ts) and answers 202 with a
 *   Location and the JobExecutionBase `{name, id}` as body. Jobs_Start declares 200 `{name, id}` and 202 + Location
 *   (example Job_Start.json); that the 202 carries the body too is what the Azure CLI relies on: `az containerapp job
 *   start` prints `r.json()` of the POST's answer without polling (Azure/azure-cli, src/azure-cli/azure/cli/
 *   command_modules/containerapp/_clients.py, `ContainerAppsJobClient.start_job`). The Location's final GET answers
 *   the same `{name, id}`.
 * - GET executions (list, paged, in start order: ARM promises no order) needs `Microsoft.App/jobs/executions/read`;
 *   GET one execution `Microsoft.App/jobs/execution/read`; POST `.../executions/{name}/stop`
 *   `Microsoft.App/jobs/stop/execution/action`. These operation names are the ones public custom role definitions
 *   grant for these calls; which call checks which is an assumption. POST `.../stop` (all running executions) checks
 *   `Microsoft.App/jobs/stop/action` (an assumption) and answers the stopped executions.
 */
import type { ArmContext, ArmRequest, ArmResponse } from "./arm.js";
import { denied, emitFor, error, isObject, page, propsOf } from "./arm-replies.js";
import { lastSegment } from "./ids.js";
import { executionsOf, startExecution, stopExecution } from "./job-executions.js";
import { operationHeaders, startOperation } from "./operations.js";
import { callerMay } from "./rbac.js";
import { type ArmResource, resourceKey } from "./state.js";
import { JOB_TYPE, workloadNotFound, writeReply, writeWorkload } from "./workloads.js";
import { jobPropertiesProblem } from "./world-jobs.js";

const JOB_PATH = /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.App\/jobs\/[^/]+)(\/.*)?$/i;

/** The job's routes other than GET of the job itself; null for any other path. */
export function jobsRoute(ctx: ArmContext, req: ArmRequest, path: string): ArmResponse | null {
  const m = JOB_PATH.exec(path);
  if (!m) return null;
  const jobId = m[1] ?? "";
  const rest = m[2] ?? "";
  if (rest === "") {
    if (req.method === "PUT" || req.method === "PATCH") return jobWrite(ctx, req, jobId);
    return req.method === "DELETE" ? jobDelete(ctx, req, jobId) : null;
  }
  if (/^\/start$/i.test(rest) && req.method === "POST") return jobStart(ctx, req, jobId);
  if (/^\/stop$/i.test(rest) && req.method === "POST") return stopAll(ctx, req, jobId);
  if (/^\/executions$/i.test(rest) && req.method === "GET") return listExecutions(ctx, req, jobId);
  const one = /^\/executions\/([^/]+)(\/stop)?$/i.exec(rest);
  if (one && req.method === (one[2] ? "POST" : "GET")) return oneExecution(ctx, req, jobId, one[1] ?? "", !!one[2]);
  return null;
}

/** The stored job, or the reply when the caller may not `action` on it or it does not exist. */
function authorizedJob(ctx: ArmContext, req: ArmRequest, jobId: string, action: string): ArmResource | ArmResponse {
  if (!callerMay(ctx.state, req.caller, action, jobId, ctx.clock.now())) return denied(req.caller, action, jobId);
  return ctx.state.resources.get(resourceKey(jobId)) ?? workloadNotFound(JOB_TYPE, jobId);
}
const isReply = (v: ArmResource | ArmResponse): v is ArmResponse => "status" in v && !("id" in v);

function jobWrite(ctx: ArmContext, req: ArmRequest, jobId: string): ArmResponse {
  const action = `${JOB_TYPE}/write`;
  if (!callerMay(ctx.state, req.caller, action, jobId, ctx.clock.now())) return denied(req.caller, action, jobId);
  if (req.method === "PUT") {
    const problem = jobPropertiesProblem(isObject(req.body) ? req.body.properties : undefined);
    if (problem) {
      const shown = JSON.stringify(problem.found) ?? "nothing";
      return error(400, "InvalidRequestContent", `${problem.path}: found ${shown}; expected ${problem.expected}`);
    }
  }
  const written = writeWorkload(ctx, req, jobId, JOB_TYPE);
  if (!("workload" in written)) return written;
  const job = written.workload;
  propsOf(job).provisioningState = "Succeeded";
  const operation = startOperation(ctx, job.id, { status: "Succeeded" });
  emitFor(ctx, req, job.id, `${JOB_TYPE}/write`, "write", true);
  return writeReply(ctx, req, job, operation);
}

function jobDelete(ctx: ArmContext, req: ArmRequest, jobId: string): ArmResponse {
  const action = `${JOB_TYPE}/delete`;
  if (!callerMay(ctx.state, req.caller, action, jobId, ctx.clock.now())) return denied(req.caller, action, jobId);
  const job = ctx.state.resources.get(resourceKey(jobId));
  if (!job) return { status: 204 };
  for (const execution of executionsOf(ctx.state, job.id)) {
    stopExecution(ctx, execution);
    ctx.state.resources.delete(resourceKey(execution.id));
  }
  ctx.state.resources.delete(resourceKey(job.id));
  emitFor(ctx, req, job.id, action, "delete", true);
  return { status: 200 };
}

function jobStart(ctx: ArmContext, req: ArmRequest, jobId: string): ArmResponse {
  const action = `${JOB_TYPE}/start/action`;
  const job = authorizedJob(ctx, req, jobId, action);
  if (isReply(job)) return job;
  const body = isObject(req.body) ? req.body : {};
  const override: Record<string, unknown> = {};
  for (const key of ["containers", "initContainers"]) if (Array.isArray(body[key])) override[key] = body[key];
  const execution = startExecution(ctx, job, override);
  const base = { name: execution.name, id: execution.id };
  const operation = startOperation(ctx, job.id, { status: "Succeeded", result: base });
  emitFor(ctx, req, job.id, action, "action", true);
  const apiVersion = req.url.searchParams.get("api-version");
  return { status: 202, body: base, headers: operationHeaders(ctx, job, operation, apiVersion, "location") };
}

function listExecutions(ctx: ArmContext, req: ArmRequest, jobId: string): ArmResponse {
  const job = authorizedJob(ctx, req, jobId, `${JOB_TYPE}/executions/read`);
  if (isReply(job)) return job;
  return page(ctx, req.url, executionsOf(ctx.state, job.id));
}

function oneExecution(ctx: ArmContext, req: ArmRequest, jobId: string, name: string, stop: boolean): ArmResponse {
  const action = stop ? `${JOB_TYPE}/stop/execution/action` : `${JOB_TYPE}/execution/read`;
  const job = authorizedJob(ctx, req, jobId, action);
  if (isReply(job)) return job;
  const execution = ctx.state.resources.get(resourceKey(`${job.id}/executions/${name}`));
  if (!execution) {
    return error(
      404,
      "ResourceNotFound",
      `The Resource '${JOB_TYPE}/${job.name}/executions/${lastSegment(name)}' under resource group '${job.id.split("/")[4] ?? ""}' was not found.`,
    );
  }
  if (!stop) return { status: 200, body: execution };
  stopExecution(ctx, execution);
  emitFor(ctx, req, execution.id, action, "action", true);
  return { status: 200 };
}

function stopAll(ctx: ArmContext, req: ArmRequest, jobId: string): ArmResponse {
  const action = `${JOB_TYPE}/stop/action`;
  const job = authorizedJob(ctx, req, jobId, action);
  if (isReply(job)) return job;
  const running = executionsOf(ctx.state, job.id).filter((e) => e.properties?.status === "Running");
  for (const execution of running) stopExecution(ctx, execution);
  emitFor(ctx, req, job.id, action, "action", true);
  return { status: 200, body: { value: running } };
}
