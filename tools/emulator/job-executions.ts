/**
 * v2: a job's executions (`Microsoft.App/jobs/executions`). Executions given in the world keep their state; one that
 * `POST .../start` creates is evaluated like a revision (pull.ts, the same decision: registry entry, identities
 * including the environment's, ABAC, network, manifest): `Running` at once, then `Succeeded`, or `Failed` when its
 * images cannot be pulled, with the failure wording (failure-wording.ts) in the environment's system logs, which
 * raise the pull-failure alert under the job's name (spec/world.md v2, spec/events.md v2).
 *
 * Assumptions (no source states them): an execution runs EXECUTION_SECONDS of emulator time; one that cannot pull
 * stays Running as long, or `behaviour.failedPullSeconds` when longer (ACA retries the pull before it gives up), then
 * fails; the alert is raised when the pull fails, at the start (the system logs record the failed pull while the
 * execution still runs). The execution's own ARM shape has no field for the reason (Jobs.json `JobExecution`:
 * status, startTime, endTime, template).
 */
import { randomBytes } from "node:crypto";
import { type ArmContext, wordedFailure } from "./arm.js";
import { lowerId } from "./ids.js";
import { evaluateRevision } from "./pull.js";
import { type ArmResource, resourceKey, type WorldState } from "./state.js";

/** How long a started execution runs on the emulator's clock (an assumption). */
export const EXECUTION_SECONDS = 10;

export interface PendingExecution {
  /** Emulator-clock milliseconds at which the execution ends. */
  at: number;
  executionId: string;
  status: "Succeeded" | "Failed";
}

const EXECUTION_TYPE = "microsoft.app/jobs/executions";

/**
 * The job's executions in the order they started (world order for those without a start time). ARM promises no
 * order (Job_Executions_Get.json shows one execution); callers that want the newest first sort.
 */
export function executionsOf(state: WorldState, jobId: string): ArmResource[] {
  const prefix = `${lowerId(jobId)}/executions/`;
  const started = (r: ArmResource) => {
    const t = Date.parse(String(r.properties?.startTime ?? ""));
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  return [...state.resources.values()]
    .filter((r) => r.type.toLowerCase() === EXECUTION_TYPE && lowerId(r.id).startsWith(prefix))
    .sort((a, b) => started(a) - started(b));
}

/** `<job>-<7 lower-case letters or digits>`, the form of Job_Start.json's `testcontainerappsjob0-pjxhsye`. */
function executionName(state: WorldState, job: ArmResource): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (;;) {
    const suffix = [...randomBytes(7)].map((b) => alphabet[b % alphabet.length]).join("");
    const name = `${job.name}-${suffix}`;
    if (!state.resources.has(resourceKey(`${job.id}/executions/${name}`))) return name;
  }
}

/**
 * Starts an execution of the job, with the job's template or the start request's (Jobs_Start's optional
 * `JobExecutionTemplate` body: its containers and initContainers replace the job's), and decides its pull now.
 */
export function startExecution(
  ctx: ArmContext,
  job: ArmResource,
  override?: Record<string, unknown>,
  at: Date = ctx.clock.now(),
): ArmResource {
  const now = at;
  const template = { ...((job.properties?.template ?? {}) as Record<string, unknown>), ...(override ?? {}) };
  const name = executionName(ctx.state, job);
  const execution: ArmResource = {
    id: `${job.id}/executions/${name}`,
    name,
    type: "Microsoft.App/jobs/executions",
    properties: { status: "Running", startTime: now.toISOString(), template: structuredClone(template) },
  };
  ctx.state.resources.set(resourceKey(execution.id), execution);
  const decision = evaluateRevision(ctx.state, { ...job, properties: { ...job.properties, template } }, now);
  const seconds = decision.ok ? EXECUTION_SECONDS : Math.max(EXECUTION_SECONDS, ctx.state.behaviour.failedPullSeconds);
  ctx.pendingExecutions.push({
    at: now.getTime() + seconds * 1000,
    executionId: execution.id,
    status: decision.ok ? "Succeeded" : "Failed",
  });
  if (!decision.ok) {
    ctx.failures.set(lowerId(execution.id), decision.failures);
    const worded = wordedFailure(ctx, job, decision.failures[0]);
    ctx.executionFailure(job, execution, worded?.containerDetails || (worded?.provisioningError ?? ""));
  }
  return execution;
}

/** Ends the executions whose time has come (called before every ARM request, as settleFailures is). */
export function settleExecutions(ctx: ArmContext): void {
  if (ctx.pendingExecutions.length === 0) return;
  const now = ctx.clock.now().getTime();
  const due = ctx.pendingExecutions.filter((e) => e.at <= now);
  ctx.pendingExecutions = ctx.pendingExecutions.filter((e) => e.at > now);
  for (const e of due) {
    const p = ctx.state.resources.get(resourceKey(e.executionId))?.properties;
    // Stopped (or the job deleted) since it started: nothing to settle.
    if (p?.status !== "Running") continue;
    p.status = e.status;
    p.endTime = new Date(e.at).toISOString();
  }
}

/** Stops a running execution now (`Stopped`, Jobs.json `JobExecutionRunningState`); others are left as they are. */
export function stopExecution(ctx: ArmContext, execution: ArmResource): void {
  const p = execution.properties ?? {};
  if (p.status !== "Running" && p.status !== "Processing") return;
  p.status = "Stopped";
  p.endTime = ctx.clock.now().toISOString();
  ctx.pendingExecutions = ctx.pendingExecutions.filter((e) => lowerId(e.executionId) !== lowerId(execution.id));
}
