/**
 * v2 (issue 18), end to end through the alert webhook, for a manual job broken each of three ways (the job worlds
 * manual-job-*.json): a developer starts the job (`az containerapp job start`), the execution cannot pull, and the
 * environment's pull-failure alert (common alert schema, the job named by `JobName_s`) is posted to the real
 * `onPullFailureAlert`. The job is fixed. PullGuard starts exactly one execution, which Succeeds, only with
 * PULLGUARD_START_JOBS_AFTER_FIX=true; without it, none.
 */
import { describe, expect, it } from "vitest";
import { type Host, httpRequest, invocation, useFunctionHost } from "../functions/harness.js";
import { executionsOf, jobDeveloper, presentJobWorld, pullGuardWrites, useFollowUpRecorder } from "./jobs-host.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const JOB = `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.App/jobs/adhoc-export`;
/** How long a started execution runs on the emulator's clock (tools/emulator/job-executions.ts EXECUTION_SECONDS). */
const EXECUTION_MS = 10_000;

const harness = useFunctionHost();
const recorder = useFollowUpRecorder(harness);

const GRANT = /^PUT .*\/registries\/batchacr\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i;

/**
 * What the fix writes for each world, besides a start (a PATCH of the job, or a grant at the registry), and what the
 * same alert posted again finds: healthy, or (a grant under 10 minutes old) degraded with role-assignment-propagating,
 * which is reported.
 */
const FIX: Record<string, { write: RegExp; again: string }> = {
  "manual-job-identity-not-attached.json": { write: new RegExp(`^PATCH ${JOB}$`, "i"), again: "healthy" },
  "manual-job-pull-role-missing.json": { write: GRANT, again: "reported" },
  "manual-job-abac-mode-legacy-role-only.json": { write: GRANT, again: "reported" },
};

async function open(world: string, startJobs: boolean): Promise<Host> {
  recorder.clear();
  return harness.open(presentJobWorld(world), {
    env: {
      AzureWebJobsStorage: recorder.connectionString,
      PULLGUARD_START_JOBS_AFTER_FIX: startJobs ? "true" : undefined,
    },
  });
}

/** The developer starts the job; its execution cannot pull and the alert fires. */
async function failedStart(host: Host): Promise<{ execution: string; alert: Record<string, unknown> }> {
  const alerts: Record<string, unknown>[] = [];
  host.emulator.alerts.subscribe((alert) => {
    alerts.push(alert);
  });
  const execution = await jobDeveloper(host, SUB).start(JOB);
  host.emulator.clock.advance(EXECUTION_MS);
  await host.emulator.alerts.settle();
  expect((await executionsOf(host, JOB))[execution]).toBe("Failed");
  expect(alerts).toHaveLength(1);
  const dimensions = (alerts[0] as { data: { alertContext: { condition: { allOf: Array<{ dimensions: unknown }> } } } })
    .data.alertContext.condition.allOf[0]?.dimensions;
  expect(dimensions).toEqual(expect.arrayContaining([{ name: "JobName_s", value: "adhoc-export" }]));
  return { execution, alert: alerts[0] ?? {} };
}

async function post(alert: unknown) {
  return harness.handlers.onPullFailureAlert(
    httpRequest({ method: "POST", url: "http://localhost:7071/api/alerts/pull-failure", body: alert }),
    invocation("onPullFailureAlert").context,
  );
}

const starts = (host: Host) =>
  pullGuardWrites(host).filter((w) => w.toLowerCase() === `post ${JOB}/start`.toLowerCase());

describe("v2: a manual job's pull-failure alert → onPullFailureAlert", () => {
  for (const world of Object.keys(FIX)) {
    it(`${world}: fixed; no execution started without PULLGUARD_START_JOBS_AFTER_FIX`, async () => {
      const host = await open(world, false);
      const { alert } = await failedStart(host);
      const before = await executionsOf(host, JOB);

      const response = await post(alert);
      expect(response.status).toBe(202);
      expect(response.jsonBody).toMatchObject({
        outcome: "handled",
        apps: [{ appId: JOB, verdict: "broken", action: "fixed" }],
      });
      const writes = pullGuardWrites(host);
      expect(writes).toEqual([expect.stringMatching(FIX[world]?.write ?? /^$/)]);
      expect(starts(host)).toEqual([]);
      host.emulator.clock.advance(EXECUTION_MS);
      expect(await executionsOf(host, JOB)).toEqual(before);
      expect(host.sink.received).toHaveLength(1);
    });

    it(`${world}: with PULLGUARD_START_JOBS_AFTER_FIX=true exactly one execution is started, and it Succeeds`, async () => {
      const host = await open(world, true);
      const { alert } = await failedStart(host);
      const before = await executionsOf(host, JOB);

      const response = await post(alert);
      expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "fixed" }] });
      expect(pullGuardWrites(host)).toEqual([
        expect.stringMatching(FIX[world]?.write ?? /^$/),
        expect.stringMatching(new RegExp(`^POST ${JOB}/start$`, "i")),
      ]);
      const started = Object.keys(await executionsOf(host, JOB)).filter((name) => !(name in before));
      expect(started).toHaveLength(1);
      host.emulator.clock.advance(EXECUTION_MS);
      const [execution = ""] = started;
      expect((await executionsOf(host, JOB))[execution]).toBe("Succeeded");

      // The follow-up is due after the verify delay (the execution PullGuard started tells) and says resolved.
      const [followUp] = recorder.queued();
      expect(followUp?.visibilitySeconds).toBe(Number(host.env.PULLGUARD_VERIFY_DELAY_SECONDS));
      if (!followUp) throw new Error("no follow-up was queued");
      await recorder.makeVisible(followUp);
      const [message] = await host.receiveVerifications(1);
      const outcome = await harness.handlers.verifyFix(message, invocation("verifyFix").context);
      expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "verified: resolved" }] });

      // The same alert again (the action group retries): nothing more is written, nothing more is started.
      const writes = pullGuardWrites(host);
      const again = await post(alert);
      expect(again.jsonBody).toMatchObject({ outcome: "handled", apps: [{ action: FIX[world]?.again, writes: 0 }] });
      expect(pullGuardWrites(host)).toEqual(writes);
      expect(starts(host)).toHaveLength(1);
    });
  }
});
