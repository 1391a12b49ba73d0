/**
 * The executions reader (v2): a job's recent executions, newest first, in wave 2 beside the other wave-2 reads (a job
 * has no revision: this one list takes the place of the app's revision and replicas, so a job costs no extra wave).
 * Nothing for a container app (its facts say `executions: null`).
 *
 * A sweep that already listed the job's executions (to tell whether the job is a candidate) shares them under
 * `executions:<lower-cased job id>` as a `Read<{ items: JobExecutionFacts[] }>`, so they are not listed again.
 */
import type { JobExecutionFacts, Read } from "../../core/facts.js";
import { readerOn, readOrFailure } from "../errors.js";
import { listRecentExecutions } from "../job-executions.js";
import { found, onceEach, type ReadTask } from "../read-results.js";
import type { ReadContext, Reader } from "./reader.js";

export type ExecutionsRead = Read<{ items: JobExecutionFacts[] }>;

/** The key under which a run shares a job's executions (shared-reads.ts). */
export const executionsKey = (jobId: string): string => `executions:${jobId.toLowerCase()}`;

export interface ExecutionsReader extends Reader {
  /** null for a container app (and for a job before its read). */
  facts(): ExecutionsRead | null;
}

export function createExecutionsReader(context: ReadContext): ExecutionsReader {
  const { app, clients } = context;
  let executions: ExecutionsRead | null = null;
  const once = onceEach();

  function plan(): ReadTask[] {
    if (app.kind !== "job") return [];
    return once("executions", async () => {
      executions = await context.share(executionsKey(app.id), () =>
        readOrFailure(`${app.id}/executions`, readerOn(`job ${app.name}`), async () =>
          found({
            items: await listRecentExecutions(clients.containerApps(app.subscriptionId), app.resourceGroup, app.name),
          }),
        ),
      );
    });
  }

  return { name: "executions", plan, facts: () => executions };
}
