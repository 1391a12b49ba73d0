/**
 * v2 (issue 18), end to end through the alert webhook, for a manual job broken each of three ways (the job worlds
 * manual-job-*.json): a developer starts the job (`az containerapp job start`), the execution cannot pull, and the
 * environment's pull-failure alert (common alert schema, the job named by `JobName_s`) is posted to the real
 * `onPullFailureAlert`. The job is fixed. PullGuard starts exactly one execution, which Succeeds, only with
 * PULLGUARD_START_JOBS_AFTER_FIX=true; without it, none.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { cardText, type Host, httpRequest, invocation, useFunctionHost } from "../functions/harness.js";
import { executionsOf, jobDeveloper, presentJobWorld, pullGuardWrites, useFollowUpRecorder } from "./jobs-host.js";

const SUB = "3f2b8c61-5d0e-4c7a-9a41-2e6f0b7d9c11";
const JOB = `/subscriptions/${SUB}/resourceGroups/rg-batch/providers/Microsoft.App/jobs/adhoc-export`;
/** How long a started execution runs on the emulator's clock (tools/emulator/job-executions.ts EXECUTION_SECONDS). */
const EXECUTION_MS = 10_000;

const harness = useFunctionHost();
afterEach(() => {
  vi.useRealTimers();
});
const recorder = useFollowUpRecorder(harness);

const GRANT = /^PUT .*\/registries\/batchacr\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i;

/** What the fix writes for each world, besides a start: a PATCH of the job, or a grant at the registry. */
const FIX: Record<string, { write: RegExp }> = {
  "manual-job-identity-not-attached.json": { write: new RegExp(`^PATCH ${JOB}$`, "i") },
  "manual-job-pull-role-missing.json": { write: GRANT },
  "manual-job-abac-mode-legacy-role-only.json": { write: GRANT },
};

/**
 * How far ARM's clock (the emulator's) runs ahead of the function app's in the skew case: a few seconds, more than
 * the time from the developer's start to the fix, so that the run that failed before the fix is dated after it.
 */
const SKEWED_ARM_AHEAD_MS = 15_000;

async function open(world: string, startJobs: boolean, armAheadMs?: number): Promise<Host> {
  recorder.clear();
  return harness.open(presentJobWorld(world, new Date(), armAheadMs), {
    env: {
      AzureWebJobsStorage: recorder.connectionString,
      PULLGUARD_START_JOBS_AFTER_FIX: startJobs ? "true" : undefined,
    },
  });
}

/**
 * The developer starts the job; its execution cannot pull and the alert fires; `pass` moves the clock(s) past the
 * execution's end.
 */
async function failedStart(
  host: Host,
  pass: (ms: number) => void = (ms) => host.emulator.clock.advance(ms),
): Promise<{ execution: string; alert: Record<string, unknown> }> {
  const alerts: Record<string, unknown>[] = [];
  host.emulator.alerts.subscribe((alert) => {
    alerts.push(alert);
  });
  const execution = await jobDeveloper(host, SUB).start(JOB);
  pass(EXECUTION_MS);
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
      expect(cardText(host.sink.received[0] ?? {})).toContain(
        "Nothing was restarted and no execution was started: the job's next execution pulls with the fix.",
      );

      // The action group retries within the grant's 10 minutes: nothing is written, and no one is told again (a
      // grant PullGuard made, still propagating, is all that is left: its fix's message and follow-up cover it).
      const again = await post(alert);
      expect(again.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, writes: 0 }] });
      if (FIX[world]?.write === GRANT) {
        expect(again.jsonBody).toMatchObject({
          apps: [{ verdict: "degraded", action: expect.stringMatching(/^quiet: only grants PullGuard made/) }],
        });
      }
      expect(pullGuardWrites(host)).toEqual(writes);
      expect(host.sink.received).toHaveLength(1);
    });

    it(`${world}: ARM's clock ahead of PullGuard's: the failed run before the fix is not judged as the run after it`, async () => {
      const host = await open(world, false, SKEWED_ARM_AHEAD_MS);
      const { execution, alert } = await failedStart(host);
      const response = await post(alert);
      expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "fixed" }] });
      const [followUp] = recorder.queued();
      if (!followUp) throw new Error("no follow-up was queued");
      // ARM dated the developer's failed run after PullGuard's fix time: the skew this case is about.
      const failed = [...host.emulator.state.resources.values()].find(
        (r) => r.type === "Microsoft.App/jobs/executions" && r.name === execution,
      );
      expect(Date.parse(String(failed?.properties?.startTime))).toBeGreaterThan(
        Date.parse(String(followUp.message.fixedAt)),
      );
      const notified = host.sink.received.length;

      // The follow-up: the only run is the one that failed before the fix; nothing has run since: pending, told to no one.
      await recorder.makeVisible(followUp);
      const [first] = await host.receiveVerifications(1);
      const pending = await harness.handlers.verifyFix(first, invocation("verifyFix").context);
      expect(pending).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "verification-rescheduled" }] });
      expect(host.sink.received).toHaveLength(notified);

      // Once any grant has propagated the developer starts the job again; that run Succeeds and the next look says so.
      host.emulator.clock.advance(11 * 60_000);
      const again = await jobDeveloper(host, SUB).start(JOB);
      host.emulator.clock.advance(EXECUTION_MS);
      expect((await executionsOf(host, JOB))[again]).toBe("Succeeded");
      const next = recorder.queued().at(-1);
      if (!next || next === followUp) throw new Error("the follow-up was not rescheduled");
      await recorder.makeVisible(next);
      const [second] = await host.receiveVerifications(1);
      const resolved = await harness.handlers.verifyFix(second, invocation("verifyFix").context);
      expect(resolved).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "verified: resolved" }] });
      expect(host.sink.received).toHaveLength(notified + 1);
    });

    it(`${world}: with PULLGUARD_START_JOBS_AFTER_FIX=true exactly one execution is started, and it Succeeds`, async () => {
      // One clock for the function app and the emulator (Date, moved by `later`), so the 10 minutes a grant takes to
      // propagate pass for both; Azurite keeps real time (its follow-ups are made visible by the recorder).
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      const later = (ms: number) => vi.setSystemTime(Date.now() + ms);
      const host = await open(world, true);
      const { alert } = await failedStart(host, later);
      // The log search alert fires after its 5-minute window (evaluated every 5 minutes: infra/app/pull-failure-alert-rules.bicep), not at once.
      later(5 * 60_000);
      const before = await executionsOf(host, JOB);
      const deferred = FIX[world]?.write === GRANT;

      const response = await post(alert);
      expect(response.jsonBody).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "fixed" }] });
      const [followUp] = recorder.queued();
      if (!followUp) throw new Error("no follow-up was queued");
      const startAfter = followUp.message.startAfter;
      // The "fixed" notification says what happened to the start: one started (named), or one due once propagated.
      const [fixed] = host.sink.received.map((card) => cardText(card));
      if (deferred) {
        expect(fixed).toContain(
          "no execution was started yet: once the grant has propagated (" +
            `${String(startAfter).slice(0, 16).replace("T", " ")} UTC) PullGuard starts one execution of the job`,
        );
      } else {
        const [name = ""] = Object.keys(await executionsOf(host, JOB)).filter((n) => !(n in before));
        expect(fixed).toContain(`it started one execution of the job (${name}) to pull with the fix`);
      }
      expect(fixed).not.toContain("no execution was started:");
      if (deferred) {
        // The start waits until the grant has propagated: the follow-up, due then, makes it (main e43b218).
        expect(pullGuardWrites(host)).toEqual([expect.stringMatching(GRANT)]);
        const grant = [...host.emulator.state.resources.values()].find((r) =>
          pullGuardWrites(host)[0]?.toLowerCase().endsWith(r.id.toLowerCase()),
        );
        const propagated = Date.parse(String(grant?.properties?.createdOn)) + 10 * 60_000;
        expect(Date.parse(String(startAfter))).toBeGreaterThanOrEqual(
          Date.parse(String(followUp.message.fixedAt)) + 10 * 60_000,
        );
        expect(followUp.visibilitySeconds).toBeGreaterThan(Number(host.env.PULLGUARD_VERIFY_DELAY_SECONDS));
        // Both clocks pass the start's due time and the grant's 10 minutes (ARM's clock, which dated the grant, runs
        // a few seconds ahead here).
        later(Math.max(Date.parse(String(startAfter)), propagated) - Date.now() + 1_000);
        await recorder.makeVisible(followUp);
        const [message] = await host.receiveVerifications(1);
        const started = await harness.handlers.verifyFix(message, invocation("verifyFix").context);
        expect(started).toMatchObject({
          outcome: "handled",
          apps: [{ appId: JOB, action: "verification-rescheduled" }],
        });
      } else {
        expect(startAfter).toBeUndefined();
        expect(followUp.visibilitySeconds).toBe(Number(host.env.PULLGUARD_VERIFY_DELAY_SECONDS));
      }
      expect(pullGuardWrites(host)).toEqual([
        expect.stringMatching(FIX[world]?.write ?? /^$/),
        expect.stringMatching(new RegExp(`^POST ${JOB}/start$`, "i")),
      ]);
      const started = Object.keys(await executionsOf(host, JOB)).filter((name) => !(name in before));
      expect(started).toHaveLength(1);
      later(EXECUTION_MS);
      const [execution = ""] = started;
      expect((await executionsOf(host, JOB))[execution]).toBe("Succeeded");

      // The (next) follow-up judges the execution PullGuard started: resolved.
      const next = recorder.queued().at(-1);
      if (!next) throw new Error("no follow-up was queued");
      await recorder.makeVisible(next);
      const [message] = await host.receiveVerifications(1);
      const outcome = await harness.handlers.verifyFix(message, invocation("verifyFix").context);
      expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: JOB, action: "verified: resolved" }] });

      // The same alert again (the action group retries): nothing more is written, nothing more is started.
      const writes = pullGuardWrites(host);
      const again = await post(alert);
      expect(again.jsonBody).toMatchObject({ outcome: "handled", apps: [{ writes: 0 }] });
      expect(pullGuardWrites(host)).toEqual(writes);
      expect(starts(host)).toHaveLength(1);
    });
  }
});
