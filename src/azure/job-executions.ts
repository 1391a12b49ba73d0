/**
 * v2: a job's recent executions (`GET .../jobs/{job}/executions`, pull-path.md "Workloads: apps and jobs") through the
 * SDK's `jobsExecutions.list`, first page only: what matters is the newest runs, and a job that runs every minute
 * has thousands of executions in its history. One ARM request per job.
 *
 *   const recent = await listRecentExecutions(clients.containerApps(sub), "rg-batch", "nightly-export");
 *   recent[0]?.status  // "Failed" — the newest first
 *
 * ARM's order of the list is not documented (Job_Executions_Get.json shows one page, no order), so the executions are
 * sorted here: newest `startTime` first, executions without one last.
 */
import type { ContainerAppsAPIClient, JobExecution } from "@azure/arm-appcontainers";
import type { JobExecutionFacts } from "../core/facts.js";

/** The SDK passes a JSON `null` through as null (core-client's deserializer), whatever its types say. */
const iso = (value: Date | string | null | undefined): string | null => {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

export function jobExecutionFactsFrom(execution: JobExecution): JobExecutionFacts {
  return {
    name: execution.name ?? "",
    status: execution.status ?? null,
    startTime: iso(execution.startTime),
    endTime: iso(execution.endTime),
  };
}

/** Newest first; ties and executions without a start time keep ARM's order after the dated ones. */
export function newestFirst(executions: readonly JobExecutionFacts[]): JobExecutionFacts[] {
  const time = (e: JobExecutionFacts) => (e.startTime ? Date.parse(e.startTime) : Number.NEGATIVE_INFINITY);
  return [...executions].sort((a, b) => time(b) - time(a));
}

/** The first page of the job's executions, newest first. Errors are the SDK's RestError (the caller decides). */
export async function listRecentExecutions(
  client: ContainerAppsAPIClient,
  resourceGroup: string,
  jobName: string,
): Promise<JobExecutionFacts[]> {
  const page = await client.jobsExecutions.list(resourceGroup, jobName).byPage().next();
  const items: JobExecution[] = page.done ? [] : page.value;
  return newestFirst(items.map(jobExecutionFactsFrom));
}
