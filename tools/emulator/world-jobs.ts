/**
 * v2 (spec/world.md): the world's Container Apps jobs and their executions, checked at load like every resource:
 * errors name the JSON path, what was found and what is expected.
 *
 * A job is an app-like workload (identity, `properties.environmentId`, `configuration.registries`, `template`;
 * handled by the same code as an app's); what only a job has is checked here: `configuration.triggerType`, which the
 * 2025-07-01 spec requires (Jobs.json `JobConfiguration`: required `replicaTimeout`, `triggerType`; the emulator
 * does not require `replicaTimeout`, which it never reads), and a schedule's `cronExpression` (required by
 * `scheduleTriggerConfig`). An execution (`Microsoft.App/jobs/executions`) sits under a job of the world and has one
 * of the spec's statuses (`JobExecutionRunningState`).
 */
import { lowerId } from "./ids.js";
import type { ArmResource } from "./state.js";
import { fail } from "./world.js";

export const EXECUTION_STATUSES = ["Running", "Processing", "Stopped", "Degraded", "Failed", "Unknown", "Succeeded"];
const JOB = "microsoft.app/jobs";
const EXECUTION = "microsoft.app/jobs/executions";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What is wrong with a job's `properties` (a world's, or a PUT's), as a JSON path under them, what was found and what
 * is expected; null when nothing is. "Scheduled" is accepted as "Schedule" is: the spec's own list example
 * (Jobs_ListByResourceGroup.json) writes it so, and the enum is `modelAsString`.
 */
export function jobPropertiesProblem(properties: unknown): { path: string; found: unknown; expected: string } | null {
  const config = isObject(properties) ? properties.configuration : undefined;
  if (!isObject(config)) {
    return {
      path: "properties.configuration",
      found: config,
      expected: 'the job\'s configuration, e.g. { "triggerType": "Manual", "replicaTimeout": 1800 }',
    };
  }
  const trigger = config.triggerType;
  if (typeof trigger !== "string" || trigger.trim() === "") {
    return {
      path: "properties.configuration.triggerType",
      found: trigger,
      expected: 'the job\'s trigger type: "Manual", "Schedule" or "Event"',
    };
  }
  const schedule = config.scheduleTriggerConfig;
  const cron = isObject(schedule) ? schedule.cronExpression : undefined;
  if (/^schedule[d]?$/i.test(trigger) && (typeof cron !== "string" || cron.trim() === "")) {
    return {
      path: "properties.configuration.scheduleTriggerConfig.cronExpression",
      found: cron,
      expected: 'a 5-field cron expression for a Schedule job, e.g. "0 2 * * *"',
    };
  }
  return null;
}

function validateExecution(execution: ArmResource, path: string, jobs: Set<string>): void {
  const job = execution.id.replace(/\/executions\/[^/]+$/i, "");
  if (job === execution.id || !jobs.has(lowerId(job))) {
    fail(
      `${path}.id`,
      execution.id,
      'the ID of an execution of a job listed in this world: "<job ID>/executions/<name>"',
    );
  }
  const p = (execution.properties ?? {}) as Record<string, unknown>;
  if (!EXECUTION_STATUSES.includes(String(p.status))) {
    fail(`${path}.properties.status`, p.status, `one of ${EXECUTION_STATUSES.join(", ")}`);
  }
  for (const field of ["startTime", "endTime"] as const) {
    const value = p[field];
    if (value !== undefined && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) {
      fail(`${path}.properties.${field}`, value, 'an ISO time such as "2026-11-22T02:00:00Z"');
    }
  }
}

/** Checks the world's jobs and executions; throws a WorldError naming the first problem. */
export function validateJobs(resources: ArmResource[]): void {
  const jobs = new Set(resources.filter((r) => r.type.toLowerCase() === JOB).map((r) => lowerId(r.id)));
  resources.forEach((r, i) => {
    const type = r.type.toLowerCase();
    if (type === JOB) {
      const problem = jobPropertiesProblem(r.properties);
      if (problem) fail(`resources[${i}].${problem.path}`, problem.found, problem.expected);
    } else if (type === EXECUTION) {
      validateExecution(r, `resources[${i}]`, jobs);
    }
  });
}
