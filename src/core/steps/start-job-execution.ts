/**
 * start-job-execution (v2): start one execution of a manual-trigger job after its fixes (`POST <job id>/start`
 * without a body, so the execution runs the job's own template), so that its images are pulled again.
 *
 * Starting an execution runs the job's real work, so the planner adds this step only when a person opted in
 * (`PULLGUARD_START_JOBS_AFTER_FIX`) and only for a job whose trigger is Manual (pull-path.md v2, "Workloads: apps and
 * jobs"); for a Schedule or Event job it is report-only with the reason. Like a restart it follows every fix before
 * it, is sent once, and a follow-up never repeats it.
 *
 * Sources: `POST .../jobs/{jobName}/start` with an optional `template` body and 200 `{name, id}` or 202 + Location
 * (azure-rest-api-specs, Microsoft.App/ContainerApps/stable/2025-07-01/examples/Job_Start.json; the SDK's
 * `JobsStartOptionalParams.template?` in @azure/arm-appcontainers 3.0.0); executions list with `properties.startTime`
 * (Job_Executions_Get.json).
 */
import { isObject, type Json, valueAt } from "../json-path.js";
import type { StepBase } from "../plan-step.js";
import { resourceNameOf } from "../resource-id.js";
import type { ArmCall, StepModule } from "./step-module.js";

export interface StartJobExecutionStep extends StepBase {
  kind: "start-job-execution";
  /**
   * Not sent before this time (ISO): the grants the fix made (or found still fresh) must have propagated first, or the
   * execution it starts would run the job's work only to fail its pull again (pull-path.md, "Propagation":
   * PROPAGATION_WINDOW_MS). A verification follow-up sends it once due (plan.ts `followUpStart`).
   */
  notBefore?: string;
}

const lower = (s: unknown): string => (typeof s === "string" ? s.toLowerCase() : "");

function startCall(step: StartJobExecutionStep): ArmCall {
  return { method: "POST", path: `${step.target}/start`, api: "containerApps" };
}

/** What the audit keeps of a job before a start: its name and trigger type. */
export function jobTriggerState(job: unknown): Json {
  return {
    name: valueAt(job, "name") ?? null,
    triggerType: valueAt(job, "properties", "configuration", "triggerType") ?? null,
  };
}

/** Whether a job as ARM returns it is a manual-trigger job (trigger types compare case-insensitively). */
export function isManualJob(job: unknown): boolean {
  return lower(valueAt(job, "properties", "configuration", "triggerType")) === "manual";
}

export const startJobExecution: StepModule<StartJobExecutionStep> = {
  kind: "start-job-execution",
  neededRole: "Container Apps Contributor on the job (Microsoft.App/jobs/start/action)",
  key: () => "start-job-execution",
  dependsOn: () => true,
  followsFixes: true,
  notBefore: (s) => s.notBefore,
  describe: (s) =>
    `start one execution of job ${resourceNameOf(s.target)} (PULLGUARD_START_JOBS_AFTER_FIX)${s.notBefore ? ` not before ${s.notBefore}` : ""}`,
  read: (step) => ({ method: "GET", path: step.target, api: "containerApps" }),
  prepare(step, job) {
    if (!isObject(job)) throw new Error(`job ${step.target} no longer exists`);
    // Checked again on the fresh read: a job switched to Schedule or Event since the plan is never started.
    if (!isManualJob(job)) {
      const type = String(valueAt(job, "properties", "configuration", "triggerType") ?? "unknown");
      throw new Error(
        `job ${resourceNameOf(step.target)} now has trigger type ${type}: PullGuard starts executions of manual-trigger jobs only`,
      );
    }
    return { kind: "write", call: startCall(step), before: jobTriggerState(job), step };
  },
  confirm: (_step, answer) => ({ outcome: "done", after: { execution: valueAt(answer.body, "name") ?? null } }),
  // A start is a POST action: sent again it starts a second execution (a second run of the job's work), so after a
  // lost reply it is never re-sent; the job's executions tell whether it happened. An execution whose `startTime` is
  // at or after the moment the start went out is taken as that start; nothing newer is "unknown" (ARM may not list it
  // yet), never "not applied". That a started execution is listed with its startTime at once is an assumption no page
  // states outright (Job_Executions_Get.json shows a Running execution with its startTime).
  settleRead: (step) => ({ method: "GET", path: `${step.target}/executions`, api: "containerApps" }),
  settle(_step, executions, sent) {
    const list = valueAt(executions, "value");
    // ARM may write startTime to the second (Job_Executions_Get.json: "2023-02-13T20:37:30+00:00"): compare from the
    // start of the second the start went out.
    const at = Math.floor(Date.parse(sent.at) / 1000) * 1000;
    const started = (Array.isArray(list) ? list : []).map((e) =>
      Date.parse(String(valueAt(e, "properties", "startTime"))),
    );
    return started.some((t) => !Number.isNaN(t) && t >= at) ? "applied" : "unknown";
  },
  auditBefore: (before) => before,
};
